// The policy defaults, in one place. A policy decides, for the reasons it controls, whether a
// problem is a failure, a warning, or not reported at all; every other reason has a fixed status
// (a missing or unusable key always fails: no policy makes unencrypted data acceptable).

import type { Policy, ReasonCode, RuleLevel } from './types.js';

/** Default level of every policy-controlled reason. A code not listed here is not policy-controlled. */
export const POLICY_LEVEL_DEFAULTS = {
  KMS_KEY_ACCESS_DENIED: 'warn',
  KMS_KEY_AWS_MANAGED: 'fail',
  KMS_KEY_NOT_ALLOWED: 'fail',
  KMS_KEY_ROTATION_OFF: 'warn',
  KMS_KEY_ROTATION_UNKNOWN: 'warn',
  SECURITY_CONFIGURATION_MISSING: 'warn',
  TASK_OUTPUT_S3_NOT_ENCRYPTED: 'fail',
  TASK_OUTPUT_S3_SSE_S3: 'warn',
  TASK_LOGS_NOT_ENCRYPTED: 'warn',
  JOB_BOOKMARKS_NOT_ENCRYPTED: 'warn',
} as const satisfies Partial<Record<ReasonCode, RuleLevel>>;

/** A reason whose level the policy decides. */
export type PolicyCode = keyof typeof POLICY_LEVEL_DEFAULTS;

export const POLICY_CODES = Object.keys(POLICY_LEVEL_DEFAULTS) as PolicyCode[];

/** Every level a policy can give a reason. */
export const RULE_LEVELS = ['fail', 'warn', 'off'] as const satisfies readonly RuleLevel[];
const LEVELS: readonly string[] = RULE_LEVELS;

export function isPolicyCode(code: string): code is PolicyCode {
  return Object.hasOwn(POLICY_LEVEL_DEFAULTS, code);
}

/** The policy used when nothing is configured. Frozen: build a new object to override it. */
export const DEFAULT_POLICY: Policy = Object.freeze({
  levels: Object.freeze({ ...POLICY_LEVEL_DEFAULTS }),
  requiredS3Encryption: 'SSE-KMS',
  allowedKeys: Object.freeze([]) as unknown as string[],
});

/**
 * The level the policy sets for a policy-controlled reason: the configured level, or the default
 * when the policy leaves it out (or holds something that is not a level).
 */
export function resolveLevel(policy: Policy, code: PolicyCode): RuleLevel {
  const configured: unknown = policy?.levels?.[code];
  return typeof configured === 'string' && LEVELS.includes(configured)
    ? (configured as RuleLevel)
    : POLICY_LEVEL_DEFAULTS[code];
}
