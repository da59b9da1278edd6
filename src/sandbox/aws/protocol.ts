// Wire formats: how a result or an AwsError is written back for each AWS protocol the SDK speaks.
import type { AwsError } from './errors.js';

export type Protocol = 'json1.0' | 'json1.1' | 'rest-json' | 'rest-xml' | 'query';

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** JSON with Dates as epoch seconds, the timestamp format of the AWS JSON protocols. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    // Date.toJSON has already turned the value into a string by now; look at the original.
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : converted;
  });
}

const CONTENT_TYPE: Record<Protocol, string> = {
  'json1.0': 'application/x-amz-json-1.0',
  'json1.1': 'application/x-amz-json-1.1',
  'rest-json': 'application/json',
  'rest-xml': 'application/xml',
  query: 'text/xml',
};

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A REST-XML (S3) answer: the document as given, with S3's request id headers. */
export function restXmlResponse(document: string, requestId: string, status = 200): WireResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE['rest-xml'], 'x-amz-request-id': requestId, 'x-amz-id-2': requestId },
    body: XML_DECLARATION + document,
  };
}

export function jsonResponse(protocol: Protocol, data: unknown, requestId: string, status = 200): WireResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE[protocol], 'x-amzn-requestid': requestId },
    body: toWireJson(data ?? {}),
  };
}

export function errorResponse(protocol: Protocol, error: AwsError, requestId: string, xmlNamespace = ''): WireResponse {
  if (protocol === 'query') {
    const ns = xmlNamespace ? ` xmlns="${xmlNamespace}"` : '';
    return {
      status: error.status,
      headers: { 'content-type': CONTENT_TYPE.query, 'x-amzn-requestid': requestId },
      body:
        `<ErrorResponse${ns}><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
        `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  if (protocol === 'rest-xml') {
    // S3's error document: Code and Message, then members of the error's own (BucketName...).
    const details = Object.entries(error.details)
      .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
      .join('');
    const response = restXmlResponse(
      `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${details}` +
        `<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`,
      requestId,
      error.status,
    );
    return { ...response, headers: { ...response.headers, ...error.headers } };
  }
  if (protocol === 'rest-json') {
    // REST-JSON clients read the code from the x-amzn-errortype header first, then the body.
    return {
      status: error.status,
      headers: { 'content-type': CONTENT_TYPE['rest-json'], 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
      // Members of the error's own shape (Security Hub's Message and Code) go beside the message.
      body: JSON.stringify({ Type: error.fault === 'Sender' ? 'User' : 'Service', message: error.message, ...error.details }),
    };
  }
  return {
    status: error.status,
    headers: { 'content-type': CONTENT_TYPE[protocol], 'x-amzn-requestid': requestId },
    // Members of the error's own shape (Organizations' Message and Reason) go beside the code.
    body: JSON.stringify({ __type: error.code, message: error.message, ...error.details }),
  };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`);
}

/** Renders plain data as awsQuery XML: objects become nested elements, lists <member> items, Dates ISO 8601. */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function queryResponse(action: string, result: unknown, requestId: string, xmlNamespace: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': CONTENT_TYPE.query, 'x-amzn-requestid': requestId },
    body:
      `<${action}Response xmlns="${xmlNamespace}"><${action}Result>${toXml(result)}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}
