// Amazon S3 (REST-XML, path-style as the SDK addresses an IP endpoint: GET /<bucket>/?location=,
// GET /<bucket>/?list-type=2&prefix=...): GetBucketLocation and ListObjectsV2 over the label
// objects the task runs write. Other S3 operations answer NotImplemented.
import type { Caller } from './auth.js';
import { AwsError } from './errors.js';
import type { S3Object, StoredBucket } from './model.js';
import { paginate } from './paging.js';
import { escapeXml, restXmlResponse } from './protocol.js';
import { objectETag, objectSize } from './s3-store.js';
import type { Service } from './service.js';
import type { SandboxState } from './state.js';

export const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** ListObjectsV2 returns at most 1,000 keys per page, whatever max-keys asks for. */
const MAX_KEYS = 1000;

/** The IAM action each operation is authorized as, for AccessDenied messages. */
const IAM_ACTION: Record<string, string> = { GetBucketLocation: 's3:GetBucketLocation', ListObjectsV2: 's3:ListBucket' };

interface S3Request {
  bucket: string;
  key: string;
  query: URLSearchParams;
}

function parseRequest(url: string): S3Request {
  const parsed = new URL(url, 'http://s3.sandbox');
  const [, bucket = '', ...key] = parsed.pathname.split('/');
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(key.join('/')), query: parsed.searchParams };
}

/** The operation a path-style request is, named as S3's API names it (and as call counts read it). */
export function s3Operation(method: string, url: string): string {
  const { bucket, key, query } = parseRequest(url);
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : 'Unsupported';
  if (key !== '') return ({ GET: 'GetObject', PUT: 'PutObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' } as Record<string, string>)[method] ?? 'Unsupported';
  if (method === 'GET' && query.has('location')) return 'GetBucketLocation';
  if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
  return 'Unsupported';
}

function noSuchBucket(bucket: string): AwsError {
  return new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, 'Sender', { BucketName: bucket });
}

function invalidArgument(message: string, name: string, value: string): AwsError {
  return new AwsError('InvalidArgument', message, 400, 'Sender', { ArgumentName: name, ArgumentValue: value });
}

/**
 * A request signed for another region than the bucket's, as S3 answers it: GetBucketLocation
 * refuses the signature and names the region; other operations are redirected (301) to the
 * bucket's endpoint. Both carry x-amz-bucket-region, which the SDK's followRegionRedirects reads
 * on a 301.
 */
function wrongRegion(bucket: StoredBucket, caller: Caller, operation: string): AwsError {
  const headers = { 'x-amz-bucket-region': bucket.region };
  if (operation === 'GetBucketLocation') {
    return new AwsError(
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${caller.region}' is wrong; expecting '${bucket.region}'`,
      400,
      'Sender',
      { Region: bucket.region },
      headers,
    );
  }
  return new AwsError(
    'PermanentRedirect',
    'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
    301,
    'Sender',
    { Bucket: bucket.name, Endpoint: `${bucket.name}.s3.${bucket.region}.amazonaws.com` },
    headers,
  );
}

function requireBucket(state: SandboxState, caller: Caller, name: string, operation: string): StoredBucket {
  const bucket = state.s3.bucket(name);
  if (!bucket) throw noSuchBucket(name);
  // Another account's bucket: no bucket policy is modelled, so nothing grants the caller access.
  if (bucket.accountId !== caller.accountId) {
    const action = IAM_ACTION[operation] ?? `s3:${operation}`;
    throw new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: ${action} on resource: "arn:aws:s3:::${name}" because no resource-based policy allows the ${action} action`, 403);
  }
  if (caller.region !== bucket.region) throw wrongRegion(bucket, caller, operation);
  if (state.s3.isDenied(name, operation)) {
    const action = IAM_ACTION[operation] ?? `s3:${operation}`;
    throw new AwsError(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: ${action} on resource: "arn:aws:s3:::${name}" because no identity-based policy allows the ${action} action`,
      403,
    );
  }
  return bucket;
}

const element = (name: string, value: string | number | boolean): string => `<${name}>${escapeXml(String(value))}</${name}>`;

function maxKeys(query: URLSearchParams): number {
  const raw = query.get('max-keys');
  if (raw === null) return MAX_KEYS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  }
  return Math.min(value, MAX_KEYS);
}

function listObjectsV2(state: SandboxState, caller: Caller, request: S3Request): string {
  const bucket = requireBucket(state, caller, request.bucket, 'ListObjectsV2');
  const { query } = request;
  if (query.get('delimiter')) {
    throw new AwsError('NotImplemented', 'A header or query you provided implies functionality that is not implemented', 501, 'Sender', { Header: 'delimiter' });
  }
  const prefix = query.get('prefix') ?? '';
  const startAfter = query.get('start-after') ?? '';
  const token = query.get('continuation-token') ?? undefined;
  const limit = maxKeys(query);
  // encoding-type=url: keys come back URL-encoded, so any character survives the XML.
  const urlEncoded = query.get('encoding-type') === 'url';
  const encode = (text: string): string => (urlEncoded ? encodeURIComponent(text).replace(/%2F/g, '/') : text);

  const candidates = state.s3.list(bucket.name, prefix).filter((o) => o.key > startAfter);
  const page = paginate(candidates, {
    sortKey: (o: S3Object) => [o.key],
    presorted: true,
    limit,
    token,
    invalidTokenCode: 'InvalidArgument',
  });
  const contents = page.items
    .map(
      (o) =>
        `<Contents>${element('Key', encode(o.key))}${element('LastModified', o.writtenAt.toISOString())}` +
        `${element('ETag', objectETag(o))}${element('Size', objectSize(o))}${element('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  return (
    `<ListBucketResult xmlns="${S3_XML_NAMESPACE}">` +
    element('Name', bucket.name) +
    element('Prefix', encode(prefix)) +
    (token === undefined ? '' : element('ContinuationToken', token)) +
    (startAfter === '' ? '' : element('StartAfter', encode(startAfter))) +
    element('KeyCount', page.items.length) +
    element('MaxKeys', limit) +
    (urlEncoded ? element('EncodingType', 'url') : '') +
    element('IsTruncated', page.nextToken !== undefined) +
    (page.nextToken === undefined ? '' : element('NextContinuationToken', page.nextToken)) +
    contents +
    '</ListBucketResult>'
  );
}

function getBucketLocation(state: SandboxState, caller: Caller, request: S3Request): string {
  const bucket = requireBucket(state, caller, request.bucket, 'GetBucketLocation');
  // S3 answers an empty LocationConstraint for us-east-1, its original region.
  return bucket.region === 'us-east-1'
    ? `<LocationConstraint xmlns="${S3_XML_NAMESPACE}"/>`
    : `<LocationConstraint xmlns="${S3_XML_NAMESPACE}">${escapeXml(bucket.region)}</LocationConstraint>`;
}

export function s3Service(state: SandboxState): Service {
  return {
    name: 's3',
    protocol: 'rest-xml',
    async handle({ caller, operation, path, requestId }) {
      const request = parseRequest(path);
      if (operation === 'GetBucketLocation') return restXmlResponse(getBucketLocation(state, caller, request), requestId);
      if (operation === 'ListObjectsV2') return restXmlResponse(listObjectsV2(state, caller, request), requestId);
      throw new AwsError('NotImplemented', `The sandbox does not implement S3 ${operation}`, 501);
    },
  };
}
