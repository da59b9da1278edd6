// Small builders for findings and scans as the checks and the inventory produce them.
import { createHash } from 'node:crypto';
import type { Finding, Reason, ReasonCode, Status } from '../../src/checks/types.js';
import type { ScanResult, ScanTarget, ScopeError } from '../../src/inventory/types.js';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '210987654321';
export const REGION = 'eu-west-1';

/** A Glue-shaped transform ID ("tfm-" + 40 hex), stable for a given name. */
export function transformIdFor(name: string, account = ACCOUNT, region = REGION): string {
  return `tfm-${createHash('sha1').update(`${account}/${region}/${name}`).digest('hex')}`;
}

const REASONS: Partial<Record<ReasonCode, Omit<Reason, 'code'>>> = {
  USER_DATA_NOT_ENCRYPTED: {
    status: 'FAIL',
    severity: 'MEDIUM',
    message: 'User data is not encrypted (MlUserDataEncryption: DISABLED).',
    controls: ['AWS FSBP Glue.3', 'NIST 800-53 SC-28'],
  },
  KMS_KEY_PENDING_DELETION: {
    status: 'FAIL',
    severity: 'HIGH',
    message: 'Key alias/glue-ml is pending deletion (deletes 2026-12-09); data encrypted with it becomes unreadable.',
    controls: ['NIST 800-53 SC-12'],
  },
  KMS_KEY_LOOKUP_FAILED: {
    status: 'ERROR',
    severity: 'MEDIUM',
    message: 'Could not read key alias/glue-ml: kms:DescribeKey was throttled (ThrottlingException). Run the check again.',
    controls: [],
  },
  SECURITY_CONFIGURATION_MISSING: {
    status: 'WARN',
    severity: 'LOW',
    message: 'No task-run security configuration: task output in S3 is not KMS-encrypted.',
    controls: ['NIST 800-53 SC-28'],
  },
  KMS_KEY_ROTATION_OFF: {
    status: 'WARN',
    severity: 'LOW',
    message: 'Automatic rotation is off for key alias/glue-ml.',
    controls: ['AWS FSBP KMS.4'],
  },
};

export function reason(code: ReasonCode, overrides: Partial<Reason> = {}): Reason {
  const base = REASONS[code];
  if (!base) throw new Error(`no sample reason for ${code}`);
  return { code, ...base, ...overrides };
}

const SEVERITY_RANK = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
const STATUS_RANK: Status[] = ['PASS', 'WARN', 'ERROR', 'FAIL'];

/** A finding for `name`; status and severity follow from the reasons like the checks compute them. */
export function finding(
  name: string,
  reasons: Reason[] = [],
  overrides: Partial<Pick<Finding, 'accountId' | 'region' | 'transformId'>> = {},
): Finding {
  const accountId = overrides.accountId ?? ACCOUNT;
  const region = overrides.region ?? REGION;
  const status = reasons.reduce<Status>(
    (worst, r) => (STATUS_RANK.indexOf(r.status) > STATUS_RANK.indexOf(worst) ? r.status : worst),
    'PASS',
  );
  const severity = reasons.reduce<Finding['severity']>(
    (worst, r) => (SEVERITY_RANK.indexOf(r.severity) > SEVERITY_RANK.indexOf(worst) ? r.severity : worst),
    'INFORMATIONAL',
  );
  const encrypted = !reasons.some((r) => r.code === 'USER_DATA_NOT_ENCRYPTED');
  return {
    accountId,
    region,
    transformId: overrides.transformId ?? transformIdFor(name, accountId, region),
    name,
    status,
    severity,
    reasons,
    controls: status === 'PASS' ? ['AWS FSBP Glue.3'] : [...new Set(reasons.flatMap((r) => r.controls))],
    encryption: encrypted
      ? { userDataMode: 'SSE-KMS', kmsKeyId: 'alias/glue-ml', securityConfigurationName: 'glue-encrypt-kms' }
      : { userDataMode: 'DISABLED' },
    labelCount: 312,
  };
}

export function passing(count: number, prefix = 'matcher'): Finding[] {
  return Array.from({ length: count }, (_, i) => finding(`${prefix}-${String(i + 1).padStart(3, '0')}`));
}

export function scopeError(region: string, overrides: Partial<ScopeError> = {}): ScopeError {
  return {
    accountId: ACCOUNT,
    region,
    operation: 'glue:GetMLTransforms',
    code: 'AccessDeniedException',
    message:
      "The bot's role may not call glue:GetMLTransforms there. Ask your AWS admin to deploy the read-only role " +
      'in that account (README: "Target accounts").',
    ...overrides,
  };
}

export function scan(findings: Finding[], overrides: Partial<ScanResult> = {}): ScanResult {
  const targets: ScanTarget[] = overrides.targets ?? [{ accountId: ACCOUNT, region: REGION }];
  return {
    startedAt: new Date('2026-11-28T14:01:52Z'),
    finishedAt: new Date('2026-11-28T14:02:07Z'),
    targets,
    findings,
    scopeErrors: [],
    stats: { transforms: findings.length, keys: 2, securityConfigurations: 1, calls: { 'glue:GetMLTransforms': 1 } },
    ...overrides,
  };
}
