// What every service module provides to the server, and a helper for the JSON-RPC services
// (Glue, KMS, SFN) whose operations are plain "input object in, output object out".
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './auth.js';
import { AwsError } from './errors.js';
import { parseJsonBody, type JsonObject } from './input.js';
import { jsonResponse, type Protocol, type WireResponse } from './protocol.js';

/** Service names are IAM action prefixes: call counts read "glue:GetMLTransforms", "s3:ListObjectsV2". */
export type ServiceName = 'glue' | 'kms' | 'sts' | 'iam' | 's3' | 'lambda' | 'states' | 'ssm' | 'organizations' | 'securityhub';

export interface ServiceRequest {
  caller: Caller;
  operation: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  requestId: string;
}

export interface Service {
  name: ServiceName;
  protocol: Protocol;
  /** awsQuery error documents carry the service's XML namespace. */
  xmlNamespace?: string;
  handle(request: ServiceRequest): Promise<WireResponse>;
}

export type JsonOperation = (caller: Caller, input: JsonObject) => unknown;

export function jsonRpcService(
  name: ServiceName,
  protocol: 'json1.0' | 'json1.1',
  operations: Record<string, JsonOperation>,
): Service {
  return {
    name,
    protocol,
    async handle(request) {
      const operation = Object.hasOwn(operations, request.operation) ? operations[request.operation] : undefined;
      if (!operation) throw new AwsError('UnknownOperationException', `Operation ${request.operation} is not supported by the sandbox`);
      const output = await operation(request.caller, parseJsonBody(request.body));
      return jsonResponse(protocol, output, request.requestId);
    },
  };
}
