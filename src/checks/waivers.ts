// Accepted risks applied to findings. Pure: findings and the approved waivers in, findings out.
// A waiver is bound to a transform ID and the failing reasons it was approved for: a reason it
// does not name (the key now pending deletion, say) keeps the finding FAIL, and an unchecked
// part (ERROR) is never waived, since nobody accepted what nobody saw.
import type { Finding, FindingWaiver, ReasonCode } from './types.js';

/** An approved waiver as the checks see it. */
export interface ApprovedWaiver extends Omit<FindingWaiver, 'notCovered'> {
  accountId: string;
  region: string;
  transformId: string;
}

/** The failing reasons of a finding: what a waiver of it would cover. */
export function failingCodes(finding: Pick<Finding, 'reasons'>): ReasonCode[] {
  return [...new Set(finding.reasons.filter((r) => r.status === 'FAIL').map((r) => r.code))];
}

/** The day a waiver runs to: it ends at the end of that day, UTC (its expiresAt is that instant). */
export function endDay(waiver: Pick<ApprovedWaiver, 'expiresAt'>): string {
  return waiver.expiresAt.slice(0, 10);
}

/** Whether a waiver still holds at `now` (it ends at its expiry instant). */
export function inForce(waiver: Pick<ApprovedWaiver, 'expiresAt'>, now: Date): boolean {
  return Date.parse(waiver.expiresAt) > now.getTime();
}

export function applyWaivers(findings: readonly Finding[], waivers: readonly ApprovedWaiver[], now: Date): Finding[] {
  const byTransform = new Map<string, ApprovedWaiver>();
  for (const w of waivers) {
    if (!inForce(w, now)) continue;
    const key = `${w.accountId}|${w.region}|${w.transformId}`;
    const held = byTransform.get(key);
    // Two at once only for a moment (a replacement being approved): the later expiry holds.
    if (!held || held.expiresAt < w.expiresAt) byTransform.set(key, w);
  }
  return findings.map((f) => {
    const w = byTransform.get(`${f.accountId}|${f.region}|${f.transformId}`);
    const failing = failingCodes(f);
    if (!w || failing.length === 0) return f;
    const { accountId: _a, region: _r, transformId: _t, ...shown } = w;
    const notCovered = failing.filter((code) => !w.reasonCodes.includes(code));
    const waiver: FindingWaiver = { ...shown, reasonCodes: [...w.reasonCodes], notCovered };
    if (notCovered.length > 0) return { ...f, waiver };
    const unchecked = f.reasons.some((r) => r.status === 'ERROR');
    return { ...f, status: unchecked ? 'ERROR' : 'WAIVED', waiver };
  });
}
