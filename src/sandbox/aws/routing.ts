// Which service and operation a request is for, read the way each protocol spells it.
import type { IncomingHttpHeaders } from 'node:http';
import { signingServiceOf } from './auth.js';
import { GLUE_TARGET_PREFIX } from './glue.js';
import { IAM_VERSION } from './iam.js';
import { KMS_TARGET_PREFIX } from './kms.js';
import { INVOKE_PATH } from './lambda.js';
import { ORGANIZATIONS_TARGET_PREFIX } from './organizations.js';
import { s3Operation } from './s3.js';
import { securityHubOperation } from './securityhub.js';
import type { ServiceName } from './service.js';
import { SFN_TARGET_PREFIX } from './sfn.js';
import { SSM_TARGET_PREFIX } from './ssm.js';

export interface Route {
  service: ServiceName;
  operation: string;
}

const TARGET_PREFIXES: Record<string, ServiceName> = {
  [GLUE_TARGET_PREFIX]: 'glue',
  [KMS_TARGET_PREFIX]: 'kms',
  [SFN_TARGET_PREFIX]: 'states',
  [SSM_TARGET_PREFIX]: 'ssm',
  [ORGANIZATIONS_TARGET_PREFIX]: 'organizations',
};

export function routeRequest(method: string, path: string, headers: IncomingHttpHeaders, body: string): Route | undefined {
  const signingService = signingServiceOf(headers);
  // REST-XML (S3): nothing but the signature says S3; the method, path and query name the operation.
  if (signingService === 's3') return { service: 's3', operation: s3Operation(method, path) };
  // REST-JSON (Security Hub): the signature names the service, the method and path the operation.
  if (signingService === 'securityhub') {
    const operation = securityHubOperation(method, path);
    return operation ? { service: 'securityhub', operation } : undefined;
  }
  // JSON-RPC protocols (Glue, KMS, SFN, SSM, Organizations): X-Amz-Target: <Prefix>.<Operation>
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const dot = target.indexOf('.');
    const service = TARGET_PREFIXES[target.slice(0, dot)];
    return service && dot > 0 ? { service, operation: target.slice(dot + 1) } : undefined;
  }
  // REST-JSON (Lambda): the operation is the method and path.
  if (method === 'POST' && INVOKE_PATH.test(path.split('?')[0] ?? '')) return { service: 'lambda', operation: 'Invoke' };
  // awsQuery (STS, IAM): Action=<Operation> in a form-encoded body; the API version (or the
  // signature) tells the two services apart.
  const contentType = String(headers['content-type'] ?? '');
  if (method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    const service = signingService === 'iam' || form.get('Version') === IAM_VERSION ? 'iam' : 'sts';
    return action ? { service, operation: action } : undefined;
  }
  return undefined;
}
