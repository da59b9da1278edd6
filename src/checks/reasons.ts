// How a reason is built: its severity and controls come from one table keyed by code, so a rule
// only says which code, what status and what words.

import { REASON_CONTROLS } from './controls.js';
import { resolveLevel, type PolicyCode } from './policy.js';
import type { Policy, Reason, ReasonCode, Severity, Status } from './types.js';

/**
 * Severity of each reason: how bad the underlying situation is. It does not change with the
 * policy level (a policy decides whether to fail, warn or stay quiet, not how bad a thing is).
 */
export const REASON_SEVERITY: Readonly<Record<ReasonCode, Severity>> = {
  USER_DATA_NOT_ENCRYPTED: 'HIGH',
  KMS_KEY_ID_MISSING: 'HIGH',
  KMS_KEY_NOT_FOUND: 'HIGH',
  KMS_KEY_ACCESS_DENIED: 'MEDIUM',
  KMS_KEY_LOOKUP_FAILED: 'MEDIUM',
  KMS_KEY_NOT_ENABLED: 'HIGH',
  KMS_KEY_PENDING_DELETION: 'CRITICAL',
  KMS_KEY_OTHER_REGION: 'HIGH',
  KMS_KEY_NOT_SYMMETRIC: 'HIGH',
  KMS_KEY_AWS_MANAGED: 'MEDIUM',
  KMS_KEY_NOT_ALLOWED: 'MEDIUM',
  KMS_KEY_ROTATION_OFF: 'MEDIUM',
  KMS_KEY_ROTATION_UNKNOWN: 'LOW',
  SECURITY_CONFIGURATION_MISSING: 'MEDIUM',
  SECURITY_CONFIGURATION_NOT_FOUND: 'MEDIUM',
  SECURITY_CONFIGURATION_UNREADABLE: 'LOW',
  TASK_OUTPUT_S3_NOT_ENCRYPTED: 'MEDIUM',
  TASK_OUTPUT_S3_SSE_S3: 'LOW',
  TASK_LOGS_NOT_ENCRYPTED: 'LOW',
  JOB_BOOKMARKS_NOT_ENCRYPTED: 'LOW',
  TRANSFORM_NOT_EVALUATED: 'MEDIUM',
};

/** A reason with a fixed status (not policy-controlled). */
export function reason(code: ReasonCode, status: Reason['status'], message: string): Reason {
  return { code, status, severity: REASON_SEVERITY[code], message, controls: [...REASON_CONTROLS[code]] };
}

/** A policy-controlled reason at the level the policy sets; none when the policy turns it off. */
export function policyReason(policy: Policy, code: PolicyCode, message: string): Reason[] {
  const level = resolveLevel(policy, code);
  if (level === 'off') return [];
  return [reason(code, level === 'fail' ? 'FAIL' : 'WARN', message)];
}

// WAIVED ranks just above PASS: a known failure someone accepted, below anything still open.
const STATUS_RANK: Readonly<Record<Status, number>> = { PASS: 0, WAIVED: 1, WARN: 2, ERROR: 3, FAIL: 4 };
const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 2,
  HIGH: 3,
  CRITICAL: 4,
};

/** Ranks for ordering; unknown values (odd input) rank lowest instead of throwing. */
export function statusRank(status: Status): number {
  return STATUS_RANK[status] ?? -1;
}
export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity] ?? -1;
}

/** A value from the outside named for a message: strings as they are, anything else as JSON. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
