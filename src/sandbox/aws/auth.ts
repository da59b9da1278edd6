// Who is calling and where: read from the SigV4 Authorization header, as AWS does. Signatures are
// not verified; the access key decides the account and the credential scope decides the region.
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from './errors.js';
import type { SandboxState } from './state.js';

export interface Caller {
  accessKeyId: string;
  accountId: string;
  region: string;
  /** The signing service name from the credential scope, e.g. "glue", "kms", "states". */
  signingService: string;
  /** The caller's ARN, as GetCallerIdentity reports it. */
  arn: string;
  userId: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

/** The signing service of the credential scope ("glue", "s3", "iam"...), if the request is signed. */
export function signingServiceOf(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  return typeof authorization === 'string' ? CREDENTIAL.exec(authorization)?.[4] : undefined;
}

export function identifyCaller(headers: IncomingHttpHeaders, state: SandboxState): Caller {
  const authorization = headers.authorization;
  const match = typeof authorization === 'string' ? CREDENTIAL.exec(authorization) : null;
  if (!match) {
    throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  }
  const [, accessKeyId = '', , region = '', signingService = ''] = match;
  const issued = state.issuedCredentials(accessKeyId);
  if (issued) {
    const roleName = issued.roleArn.split('/').pop() ?? 'role';
    return {
      accessKeyId,
      accountId: issued.accountId,
      region,
      signingService,
      arn: `arn:aws:sts::${issued.accountId}:assumed-role/${roleName}/${issued.sessionName}`,
      userId: `AROA${issued.accountId}EXAMPLE:${issued.sessionName}`,
    };
  }
  // Keys issued by an earlier sandbox still name their account; anything else is the default account.
  const encoded = /^ASIA(\d{12})/.exec(accessKeyId)?.[1];
  const accountId = encoded ?? state.defaultAccountId;
  return {
    accessKeyId,
    accountId,
    region,
    signingService,
    arn: `arn:aws:iam::${accountId}:user/glue-encrypt-sandbox`,
    userId: `AIDA${accountId}EXAMPLE`,
  };
}
