// The expiry sweep's Slack half: each request the sweep expired loses its buttons and says it
// expired, and its thread tells the requester (an edit alone notifies nobody).
import { recordRemediationOutcome } from '../operations/metrics.js';
import { expireOverdue } from '../remediation/expiry.js';
import { slackErrorCode } from './publish.js';
import type { RemediationJobDeps } from './remediationJobs.js';

export interface SweepSummary {
  expired: number;
  raced: number;
  /** Messages that could not be updated or notices not posted (logged; the requests are expired all the same). */
  slackFailures: number;
}

export async function runExpirySweep(deps: RemediationJobDeps): Promise<SweepSummary> {
  const now = deps.now ?? (() => new Date());
  const { expired, raced } = await expireOverdue({ store: deps.runtime.store, audit: deps.runtime.audit, now });
  let slackFailures = 0;
  // One after another: chat.update and chat.postMessage are rate-limited per channel.
  for (const r of expired) {
    recordRemediationOutcome(r.kind, 'expired');
    for (const [what, send] of [['update the request message', deps.runtime.notify], ['post the expiry notice', deps.runtime.announce]] as const) {
      try {
        await send(r);
      } catch (err) {
        slackFailures += 1;
        deps.logger.warn(`Could not ${what} of an expired request`, { remediationId: r.id, error: slackErrorCode(err) ?? (err as Error).message });
      }
    }
  }
  if (expired.length > 0 || raced > 0) deps.logger.info('Expiry sweep', { expired: expired.length, raced, slackFailures });
  return { expired: expired.length, raced, slackFailures };
}
