// The first step of every scan: which digests this run will post. A scheduled run claims every
// subscription whose time has come, moving its next time forward in the same conditional write,
// so an overlapping run cannot claim it again; `/glue-encrypt digest` claims the channel's own.
import { nextOccurrence } from './schedule.js';
import type { SubscriptionStore } from './subscriptionStore.js';
import type { Subscription } from './types.js';
import type { ScanTrigger } from './snapshotStore.js';

export interface ClaimedDigest {
  channelId: string;
  id: string;
}

export interface DueResult {
  runId: string;
  /** Whether to scan at all: nothing due means no scan and no digest. */
  scan: boolean;
  subscriptions: ClaimedDigest[];
}

export async function claimDue(runId: string, trigger: ScanTrigger, deps: { store: SubscriptionStore; now(): Date }): Promise<DueResult> {
  const now = deps.now();
  const candidates =
    trigger.trigger === 'command'
      ? await deps.store.forChannel(trigger.channelId)
      : (await deps.store.all()).filter((s) => Date.parse(s.nextDueAt) <= now.getTime());
  const claimed: ClaimedDigest[] = [];
  for (const s of candidates) {
    const next: Subscription = {
      ...s,
      claimedRunId: runId,
      // A scheduled digest's next time moves on now; one asked for by hand keeps the schedule.
      ...(trigger.trigger === 'schedule' ? { nextDueAt: nextOccurrence(s.cadence, s.timeZone, now).toISOString() } : {}),
    };
    // Lost to another writer (a concurrent run, an unsubscribe): that writer has it.
    if (await deps.store.update(next)) claimed.push({ channelId: s.channelId, id: s.id });
  }
  return { runId, scan: claimed.length > 0, subscriptions: claimed };
}
