// ARN building and parsing for the resources the sandbox models.

export interface Scope {
  accountId: string;
  region: string;
}

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  /** Everything after the account, e.g. "key/1234..." or "mlTransform/tfm-...". */
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

export const transformArn = (scope: Scope, transformId: string): string =>
  `arn:aws:glue:${scope.region}:${scope.accountId}:mlTransform/${transformId}`;

export const keyArn = (scope: Scope, keyId: string): string => `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`;

export const aliasArn = (scope: Scope, aliasName: string): string =>
  `arn:aws:kms:${scope.region}:${scope.accountId}:${aliasName}`;

export const scopeKey = (scope: Scope): string => `${scope.accountId}/${scope.region}`;

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** "arn:aws:iam::<account>:role[/path]/<name>": the account and the role name (the path dropped). */
export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const match = ROLE_ARN.exec(arn);
  return match ? { accountId: match[1] ?? '', roleName: match[2] ?? '' } : undefined;
}
