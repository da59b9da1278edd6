// Where a workflow starts and which states end it. Kept apart from the steps so the Slack
// handler (which approves, but never calls Glue) does not load the Glue and KMS clients.
import type { Remediation, RemediationStatus, StepName } from './types.js';

export const FIRST_STEP: Record<Remediation['kind'], StepName> = {
  remediate: 'preflight',
  revert: 'preflight',
  retire: 'check_twin',
};

export const TERMINAL_STATUSES: ReadonlySet<RemediationStatus> = new Set(['completed', 'rolled_back', 'failed', 'rejected', 'expired']);

/** Puts an approved remediation on its first step. */
export function startState(r: Remediation): Remediation {
  return { ...r, status: 'running', step: FIRST_STEP[r.kind] };
}
