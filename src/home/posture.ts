// What App Home shows, read without a scan: the newest whole scan run's outcome per account and
// region (from its snapshot), the remediations in flight, and each channel's digests.
import type { AccountOutcome, ScanRun, SnapshotStore } from '../digests/snapshotStore.js';
import type { SubscriptionStore } from '../digests/subscriptionStore.js';
import type { Subscription } from '../digests/types.js';
import type { Remediation } from '../remediation/types.js';
import { standing } from '../waivers/lifecycle.js';
import type { Waiver } from '../waivers/types.js';

export interface Posture {
  /** Absent until a scheduled scan (or /glue-encrypt digest) has run. */
  run?: ScanRun;
  accounts: AccountOutcome[];
  inFlight: Remediation[];
  subscriptions: Subscription[];
  /** Waivers in force or waiting for approval, unexpired. */
  waivers: Waiver[];
}

export interface PostureDeps {
  snapshots: SnapshotStore;
  subscriptions: SubscriptionStore;
  inFlight(): Promise<Remediation[]>;
  /** Every waiver; absent where waivers are not enabled. */
  waivers?(): Promise<Waiver[]>;
}

export async function readPosture(deps: PostureDeps): Promise<Posture> {
  const [run, inFlight, subscriptions, waivers] = await Promise.all([deps.snapshots.latestRun(), deps.inFlight(), deps.subscriptions.all(), deps.waivers?.() ?? []]);
  const accounts = run ? await deps.snapshots.outcomes(run.runId) : [];
  const now = new Date();
  const open = waivers.filter((w) => standing(w, now) !== 'over');
  return { ...(run ? { run } : {}), accounts, inFlight, subscriptions, waivers: open };
}
