// What a channel subscription is, as stored and as the digest reads it.
import type { Cadence } from './schedule.js';

export interface Subscription {
  /** Six hex characters, unique within the channel: what `unsubscribe <id>` names. */
  id: string;
  channelId: string;
  teamId?: string;
  cadence: Cadence;
  /** IANA zone the cadence's clock time is read in. */
  timeZone: string;
  /** Leave passing transforms out of the digest's lists (totals still count them). */
  onlyFailures: boolean;
  /** Narrow the digest to these accounts / regions; absent = everything the scan reads. */
  accounts?: string[];
  regions?: string[];
  createdBy: string;
  createdAt: string;
  /** When the next digest is due (ISO, UTC). Claimed forward by the scan that posts it. */
  nextDueAt: string;
  /** The scan run the channel's last digest reported: the baseline of the next digest's changes. */
  lastRunId?: string;
  lastDigestAt?: string;
  /** The scan run that claimed the next digest (see digests/due.ts). */
  claimedRunId?: string;
  /** Why the last digest could not be posted (a Slack error code), until one is. */
  lastError?: string;
  /** Bumped by every write; writes are conditional on it, so two scans cannot both claim a digest. */
  version: number;
}

/** The most subscriptions one channel may have: a channel with more is a configuration mistake. */
export const MAX_SUBSCRIPTIONS_PER_CHANNEL = 5;
