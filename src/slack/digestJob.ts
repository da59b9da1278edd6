// The last step of a scan: post each claimed digest to its channel. Channels are served one
// message at a time, at most one a second each (Slack's guidance for chat.postMessage); the
// Web API client waits out a 429's Retry-After (this runs off any Slack request's path).
// A digest that could not be posted keeps its baseline, so the next one reports every change
// since the last digest the channel actually saw.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebClient } from '@slack/web-api';
import type { AuditLog } from '../audit/auditLog.js';
import { buildReport } from '../digests/report.js';
import type { ClaimedDigest } from '../digests/due.js';
import type { RunSnapshot, SnapshotStore } from '../digests/snapshotStore.js';
import type { SubscriptionStore } from '../digests/subscriptionStore.js';
import type { Subscription } from '../digests/types.js';
import type { Remediation } from '../remediation/types.js';
import { findingsCsv } from '../report/findingsCsv.js';
import { slackErrorCode } from './publish.js';
import { renderDigest, renderScanFailed } from './views/digest.js';
import type { SlackMessage } from './views/blocks.js';

export interface DigestJobDeps {
  web: WebClient;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  snapshots: SnapshotStore;
  subscriptions: SubscriptionStore;
  audit: AuditLog;
  /** Remediations waiting for approval or running (the state table's index). */
  inFlight(): Promise<Remediation[]>;
  remediate: boolean;
  acceptRisk?: boolean;
  /** Milliseconds between two messages to one channel. */
  channelIntervalMs: number;
  now(): Date;
}

export interface DigestOutcome {
  posted: number;
  failed: number;
  skipped: number;
}


/**
 * At most one message per `intervalMs` to each channel, counted from when the previous one was
 * answered (a call that waited out a 429 posted late: the next waits from then).
 */
class ChannelPace {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}
  async send<T>(channel: string, call: () => Promise<T>): Promise<T> {
    const wait = (this.last.get(channel) ?? -Infinity) + this.intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    try {
      return await call();
    } finally {
      this.last.set(channel, Date.now());
    }
  }
}

/**
 * Posts the claimed digests of run `runId`. With `scanFailure` (the accounts could not be listed,
 * so nothing was scanned) each claimed channel is told why instead, and keeps its baseline.
 */
export async function runDigests(runId: string, claimed: ClaimedDigest[], scanFailure: string | undefined, deps: DigestJobDeps): Promise<DigestOutcome> {
  const outcome: DigestOutcome = { posted: 0, failed: 0, skipped: 0 };
  if (scanFailure) return tellScanFailed(runId, claimed, scanFailure, deps);
  const current = await deps.snapshots.read(runId);
  if (!current) throw new Error(`Scan run ${runId} has no snapshot`);
  // The run is whole: App Home shows it from now on.
  await deps.snapshots.setLatestRun(current.run);
  const inFlight = await deps.inFlight().catch((err: unknown) => {
    deps.logger.warn('Could not read the remediations in flight; the digests leave them out', { error: (err as Error).message });
    return [];
  });
  // Earlier runs, each read once however many subscriptions compare with it.
  const earlier = new Map<string, Promise<RunSnapshot | undefined>>();
  const previous = (id: string) => {
    if (!earlier.has(id)) earlier.set(id, deps.snapshots.read(id));
    return earlier.get(id)!;
  };
  const pace = new ChannelPace(deps.channelIntervalMs);

  const byChannel = new Map<string, ClaimedDigest[]>();
  for (const c of claimed) byChannel.set(c.channelId, [...(byChannel.get(c.channelId) ?? []), c]);
  await Promise.all(
    [...byChannel.values()].map(async (digests) => {
      for (const c of digests) {
        const s = await deps.subscriptions.get(c.channelId, c.id);
        // Unsubscribed since, already posted by an earlier attempt of this step, or claimed by a later run.
        if (!s || s.lastRunId === runId || s.claimedRunId !== runId) {
          outcome.skipped += 1;
          continue;
        }
        const ok = await postOne(s, current, s.lastRunId ? await previous(s.lastRunId) : undefined, inFlight, pace, deps);
        if (ok) outcome.posted += 1;
        else outcome.failed += 1;
      }
    }),
  );
  return outcome;
}

async function tellScanFailed(runId: string, claimed: ClaimedDigest[], why: string, deps: DigestJobDeps): Promise<DigestOutcome> {
  const outcome: DigestOutcome = { posted: 0, failed: 0, skipped: 0 };
  const pace = new ChannelPace(deps.channelIntervalMs);
  for (const c of claimed) {
    const s = await deps.subscriptions.get(c.channelId, c.id);
    if (!s || s.claimedRunId !== runId) {
      outcome.skipped += 1;
      continue;
    }
    const message = renderScanFailed(s, why);
    const error = await pace
      .send(s.channelId, () => deps.web.chat.postMessage({ channel: s.channelId, text: message.text, blocks: message.blocks }))
      .then(() => undefined)
      .catch((err: unknown) => slackErrorCode(err) ?? (err as Error).name);
    await deps.subscriptions.update({ ...s, lastError: error ?? 'scan_failed' });
    await deps.audit
      .append({ type: 'digest.failed', actor: 'system', teamId: s.teamId, channel: s.channelId, outcome: 'failed', detail: JSON.stringify({ subscription: s.id, runId, scanFailure: why, ...(error ? { error } : {}) }) })
      .catch((err: unknown) => deps.logger.error('Could not audit a digest', err as Error));
    if (error) outcome.failed += 1;
    else outcome.posted += 1;
  }
  return outcome;
}

async function postOne(s: Subscription, current: RunSnapshot, before: RunSnapshot | undefined, inFlight: Remediation[], pace: ChannelPace, deps: DigestJobDeps): Promise<boolean> {
  const filter = { accounts: s.accounts, regions: s.regions, onlyFailures: s.onlyFailures };
  const report = buildReport(current, before, filter);
  const inScope = inFlight.filter((r) => (!s.accounts || s.accounts.includes(r.accountId)) && (!s.regions || s.regions.includes(r.region)));
  const now = deps.now();
  const rendered = renderDigest(report, { subscription: s, inFlight: inScope, remediate: deps.remediate, acceptRisk: deps.acceptRisk, now });
  const post = (message: SlackMessage, threadTs?: string) =>
    pace.send(s.channelId, () => deps.web.chat.postMessage({ channel: s.channelId, text: message.text, blocks: message.blocks, unfurl_links: false, ...(threadTs ? { thread_ts: threadTs } : {}) }));

  let error: string | undefined;
  try {
    const posted = await post(rendered.message);
    for (const reply of rendered.replies) await post(reply, posted.ts);
    if (rendered.unlisted.length > 0 && posted.ts) {
      const day = report.scannedAt.slice(0, 10);
      const ts = posted.ts;
      await pace
        .send(s.channelId, () =>
          deps.web.files.uploadV2({
            channel_id: s.channelId,
            thread_ts: ts,
            filename: `glue-encrypt-digest-${day}.csv`,
            title: `glue-encrypt digest ${day} (${rendered.unlisted.length} transforms)`,
            content: findingsCsv({ findings: rendered.unlisted }),
          }),
        )
        // The digest itself is out; a missing file is logged, not a failed digest.
        .catch((err: unknown) => deps.logger.warn('Could not attach the digest CSV', { channel: s.channelId, error: slackErrorCode(err) ?? (err as Error).message }));
    }
  } catch (err) {
    error = slackErrorCode(err) ?? (err as Error).name;
    deps.logger.warn('Could not post a digest', { channel: s.channelId, subscription: s.id, error });
  }

  const saved = await deps.subscriptions.update(
    error ? { ...s, lastError: error } : { ...s, lastRunId: report.runId, lastDigestAt: now.toISOString(), lastError: undefined },
  );
  if (!saved) deps.logger.warn('The subscription changed while its digest was posted; its baseline was not moved', { channel: s.channelId, subscription: s.id });
  await deps.audit
    .append({
      type: error ? 'digest.failed' : 'digest.posted',
      actor: 'system',
      teamId: s.teamId,
      channel: s.channelId,
      outcome: error ? 'failed' : 'succeeded',
      detail: JSON.stringify({ subscription: s.id, runId: report.runId, comparedWith: report.changes?.since.runId, totals: report.totals, ...(error ? { error } : {}) }),
    })
    .catch((err: unknown) => deps.logger.error('Could not audit a digest', err as Error));
  return !error;
}
