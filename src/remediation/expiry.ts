// Requests nobody decided in time: the sweep (a schedule on the worker) marks them expired,
// so their messages can lose the Approve / Reject buttons without waiting for a click.
// An entry of the expiry index is marked swept only once its request has been told (message
// updated, thread notice posted): a sweep that fails part-way, or a Slack that refuses, leaves
// it for the next sweep, up to MAX_DELIVERY_ATTEMPTS.
import type { AuditLog } from '../audit/auditLog.js';
import { auditSubject } from './lifecycle.js';
import { ConcurrentUpdateError, MAX_DELIVERY_ATTEMPTS, type DueEntry, type RemediationStore } from './store.js';
import type { Remediation } from './types.js';

export interface ExpiryDeps {
  store: RemediationStore;
  audit: AuditLog;
  now(): Date;
  /** Shows the expired request as expired (message and notice); throws when Slack refused. */
  deliver(r: Remediation): Promise<void>;
}

export interface ExpiryResult {
  /** Requests this sweep expired (each audited). */
  expired: number;
  /** Expired requests whose message and notice went out in this sweep. */
  delivered: number;
  /** Entries left for the next sweep: decided at this very moment, or not delivered (given up after MAX_DELIVERY_ATTEMPTS). */
  retried: number;
  /** Errors, by remediation id: each entry is handled on its own, so one failure costs the others nothing. */
  errors: { remediationId: string; error: string }[];
}

export async function expireOverdue(deps: ExpiryDeps): Promise<ExpiryResult> {
  const now = deps.now();
  const result: ExpiryResult = { expired: 0, delivered: 0, retried: 0, errors: [] };
  for (const entry of await deps.store.dueForExpiry(now)) {
    try {
      await sweepOne(entry, now, deps, result);
    } catch (err) {
      result.errors.push({ remediationId: entry.remediationId, error: (err as Error).message });
    }
  }
  return result;
}

async function sweepOne(entry: DueEntry, now: Date, deps: ExpiryDeps, result: ExpiryResult): Promise<void> {
  let r = await deps.store.get(entry.remediationId);
  if (r?.status === 'pending_approval') {
    // The index holds the expiry a request was opened with; the request's own is the one that counts.
    if (r.expiresAt >= now.toISOString()) return;
    try {
      r = await deps.store.save({ ...r, status: 'expired' }, r.version);
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError)) throw err;
      result.retried += 1; // Decided at this very moment: the next sweep sees it decided.
      return;
    }
    await deps.audit.append({
      type: `${r.kind}.expired`,
      actor: 'system',
      outcome: 'info',
      detail: `Nobody approved or rejected it before ${r.expiresAt}; its buttons are removed.`,
      ...auditSubject(r),
    });
    result.expired += 1;
  }
  // Expired now, by an earlier sweep that could not tell it, or by a click: its message and thread say so.
  if (r?.status === 'expired' && !r.failure) {
    try {
      await deps.deliver(r);
      result.delivered += 1;
    } catch (err) {
      // Counted; the entry stays due until MAX_DELIVERY_ATTEMPTS sweeps have tried.
      const attempts = (entry.attempts ?? 0) + 1;
      await deps.store.markSwept(entry, { attempts });
      if (attempts < MAX_DELIVERY_ATTEMPTS) result.retried += 1;
      throw err;
    }
  }
  await deps.store.markSwept(entry);
}
