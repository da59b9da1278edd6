// Requests nobody decided in time: the sweep (a schedule on the worker) marks them expired,
// so their messages can lose the Approve / Reject buttons without waiting for a click.
import type { AuditLog } from '../audit/auditLog.js';
import { auditSubject } from './lifecycle.js';
import { ConcurrentUpdateError, type RemediationStore } from './store.js';
import type { Remediation } from './types.js';

export interface ExpiryDeps {
  store: RemediationStore;
  audit: AuditLog;
  now(): Date;
}

export interface ExpiryResult {
  /** Requests this sweep expired (each audited), for the messages and notices. */
  expired: Remediation[];
  /** Due entries whose request was decided meanwhile: a later sweep finds them again. */
  raced: number;
}

export async function expireOverdue(deps: ExpiryDeps): Promise<ExpiryResult> {
  const now = deps.now();
  const expired: Remediation[] = [];
  let raced = 0;
  for (const entry of await deps.store.dueForExpiry(now)) {
    const r = await deps.store.get(entry.remediationId);
    if (r?.status === 'pending_approval') {
      // The index holds the expiry a request was opened with; the request's own is the one that counts.
      if (r.expiresAt >= now.toISOString()) continue;
      try {
        const saved = await deps.store.save({ ...r, status: 'expired' }, r.version);
        await deps.audit.append({
          type: `${r.kind}.expired`,
          actor: 'system',
          outcome: 'info',
          detail: `Nobody approved or rejected it before ${r.expiresAt}; its buttons are removed.`,
          ...auditSubject(r),
        });
        expired.push(saved);
      } catch (err) {
        if (!(err instanceof ConcurrentUpdateError)) throw err;
        raced += 1; // Decided at this very moment: the next sweep sees it decided.
        continue;
      }
    }
    await deps.store.markSwept(entry);
  }
  return { expired, raced };
}
