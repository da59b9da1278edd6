// The expiry sweep's Slack half: each request the sweep expired loses its buttons and says it
// expired, and its thread tells the requester (an edit alone notifies nobody).
import { recordRemediationOutcome } from '../operations/metrics.js';
import { expireOverdue, type ExpiryResult } from '../remediation/expiry.js';
import type { RemediationJobDeps } from './remediationJobs.js';

export async function runExpirySweep(deps: RemediationJobDeps): Promise<ExpiryResult> {
  const now = deps.now ?? (() => new Date());
  const result = await expireOverdue({
    store: deps.runtime.store,
    audit: deps.runtime.audit,
    now,
    // One request after another: chat.update and chat.postMessage are rate-limited per channel,
    // and the worker's client waits out a 429. An update that fails throws: the sweep tries again later.
    async deliver(r) {
      // A request whose message was never posted has nothing to update, and nobody saw it: not an outcome.
      if (!r.slack.ts) return;
      await deps.runtime.notify(r);
      await deps.runtime.announce(r);
      recordRemediationOutcome(r.kind, 'expired');
    },
  });
  if (result.expired + result.delivered + result.retried + result.errors.length > 0) deps.logger.info('Expiry sweep', { ...result });
  for (const e of result.errors) deps.logger.warn('Expiry sweep could not finish a request; the next sweep tries again', e);
  return result;
}
