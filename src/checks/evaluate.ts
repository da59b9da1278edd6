// From facts to a finding: run the rules, combine their reasons.

import { PASS_CONTROLS, sortControls } from './controls.js';
import { reason, severityRank, statusRank } from './reasons.js';
import { ALL_RULES } from './rules/index.js';
import type { Finding, Policy, Reason, Rule, Severity, Status, TransformContext, TransformFacts } from './types.js';

/**
 * Evaluates one transform against the rules.
 *
 * Status is the worst reason's, ranked FAIL > ERROR > WARN > PASS:
 * - FAIL first: a known problem needs action whatever else could not be checked, and hiding it
 *   behind "error" would let a broken transform drop out of a failing-only view;
 * - ERROR above WARN: an unchecked part may hide a FAIL, so "we don't know" must not read as
 *   the milder "known, minor";
 * - PASS only with no reason at all (a policy level `off` removes the reason).
 *
 * Reasons are ordered the same way (status, then severity, then rule order), so the first
 * reason always explains the finding's status. Severity is the highest among the reasons,
 * whatever their status. A rule that throws (it should not) becomes an ERROR reason rather
 * than losing the transform from the scan.
 */
export function evaluateTransform(ctx: TransformContext, policy: Policy, rules: readonly Rule[] = ALL_RULES): Finding {
  const reasons: Reason[] = [];
  for (const rule of rules) {
    try {
      reasons.push(...rule.evaluate(ctx, policy));
    } catch (err) {
      reasons.push(
        reason(
          'TRANSFORM_NOT_EVALUATED',
          'ERROR',
          `Check ${rule.id} could not run (${err instanceof Error ? err.message : String(err)}); this part of the transform is unverified.`,
        ),
      );
    }
  }
  const key = ctx.key?.kind === 'found' ? ctx.key.key : undefined;
  return {
    ...finding(ctx.transform, reasons),
    ...(key ? { key: { arn: key.arn, state: key.state, ...(key.deletionDate ? { deletionDate: key.deletionDate.toISOString() } : {}) } } : {}),
  };
}

/** A finding for a transform whose facts could not be gathered. */
export function evaluationError(transform: TransformFacts, message: string): Finding {
  return finding(transform, [
    reason('TRANSFORM_NOT_EVALUATED', 'ERROR', `Not checked: ${message || 'its facts could not be gathered'}`),
  ]);
}

/** How many findings have each status (every status present, zero when none). */
export function summarize(findings: readonly Finding[]): Record<Status, number> {
  const counts: Record<Status, number> = { FAIL: 0, ERROR: 0, WARN: 0, WAIVED: 0, PASS: 0 };
  for (const f of findings) if (Object.hasOwn(counts, f.status)) counts[f.status] += 1;
  return counts;
}

function finding(transform: TransformFacts, unsorted: Reason[]): Finding {
  // Array sort is stable: reasons of equal status and severity keep the rules' order.
  const reasons = unsorted.sort((a, b) => statusRank(b.status) - statusRank(a.status) || severityRank(b.severity) - severityRank(a.severity));
  const worst = reasons[0];
  const severity = reasons.reduce<Severity>(
    (max, r) => (severityRank(r.severity) > severityRank(max) ? r.severity : max),
    'INFORMATIONAL',
  );
  return {
    accountId: transform.accountId,
    region: transform.region,
    transformId: transform.transformId,
    name: transform.name,
    status: worst ? worst.status : 'PASS',
    severity,
    reasons,
    controls: sortControls(worst ? reasons.flatMap((r) => r.controls) : PASS_CONTROLS),
    encryption: { ...transform.encryption },
    ...(transform.labelCount !== undefined ? { labelCount: transform.labelCount } : {}),
  };
}
