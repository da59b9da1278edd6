// A CloudTrail event about a transform, key or security configuration: re-check what it touches
// and alert the channels that follow that account and region (their digest subscriptions, and
// the findings channel). A burst about one subject is one alert, updated as events arrive; the
// bot's own workflow is not drift; events from accounts the bot does not read are refused.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebClient } from '@slack/web-api';
import type { AuditLog } from '../audit/auditLog.js';
import type { AppConfig } from '../config.js';
import type { SnapshotStore } from '../digests/snapshotStore.js';
import type { SubscriptionStore } from '../digests/subscriptionStore.js';
import { assess, causedByBot } from '../drift/assess.js';
import type { AlertStore, PostedAlert } from '../drift/alertStore.js';
import { parseCloudTrailEvent, subjectKey, type DriftEvent } from '../drift/events.js';
import { slackErrorCode } from './publish.js';
import { renderDriftAlert } from './views/drift.js';

export interface DriftJobDeps {
  config: AppConfig;
  web: WebClient;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  alerts: AlertStore;
  subscriptions: SubscriptionStore;
  snapshots: SnapshotStore;
  audit: AuditLog;
  /** Role names the bot's own workflow acts through (its changes are not drift). */
  workflowRoleNames: readonly string[];
  remediate: boolean;
  acceptRisk?: boolean;
  now(): Date;
}

export type DriftOutcome = { outcome: 'refused' | 'ignored' | 'own'; reason: string } | { outcome: 'alerted' | 'updated' | 'unwatched'; channels: string[] };

/** How long a later event of a burst waits for the first one's alert to be posted, before updating it. */
const FIRST_POST_WAIT_MS = 10_000;

async function watched(e: DriftEvent, deps: DriftJobDeps): Promise<boolean> {
  const { scope, digests } = deps.config;
  if (e.accountId === scope.homeAccountId || scope.accounts.includes(e.accountId)) return true;
  // An organisation's account is one the scheduled scan has read.
  return digests.organizationScan && (await deps.snapshots.latest(e.accountId, [e.region])).size > 0;
}

async function channelsFor(e: DriftEvent, deps: DriftJobDeps): Promise<string[]> {
  const subscribed = (await deps.subscriptions.all()).filter((s) => (!s.accounts || s.accounts.includes(e.accountId)) && (!s.regions || s.regions.includes(e.region))).map((s) => s.channelId);
  const findings = deps.config.slack.findingsChannel;
  return [...new Set([...subscribed, ...(findings ? [findings] : [])])];
}

export async function runDrift(raw: unknown, deps: DriftJobDeps): Promise<DriftOutcome> {
  const parsed = parseCloudTrailEvent(raw);
  if (!parsed.ok) {
    deps.logger.warn('Ignored an event', { reason: parsed.reason });
    return { outcome: 'ignored', reason: parsed.reason };
  }
  const e = parsed.event;
  if (!(await watched(e, deps))) {
    // The bus admits only the organisation or the listed accounts; this is the second check.
    deps.logger.warn('Refused an event from an account the bot does not read', { account: e.accountId, region: e.region, eventName: e.eventName, eventId: e.eventId });
    return { outcome: 'refused', reason: `account ${e.accountId} is not one the bot reads` };
  }
  if (causedByBot(e, deps.workflowRoleNames)) {
    deps.logger.info('The bot\'s own change; not drift', { eventName: e.eventName, eventId: e.eventId });
    return { outcome: 'own', reason: 'the bot\'s own workflow' };
  }

  const assessment = await assess(e, deps.config);
  const channels = await channelsFor(e, deps);
  const subject = subjectKey(e);
  const { first, record } = await deps.alerts.count(subject, e.actor.display, deps.now());
  const message = renderDriftAlert(assessment, record, deps.remediate, deps.acceptRisk);

  let messages: PostedAlert[] = [];
  if (first) {
    for (const channel of channels) {
      try {
        const posted = await deps.web.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false });
        if (posted.ts) messages.push({ channel: posted.channel ?? channel, ts: posted.ts });
      } catch (err) {
        deps.logger.warn('Could not post a drift alert', { channel, error: slackErrorCode(err) ?? (err as Error).message });
      }
    }
    await deps.alerts.posted(subject, messages);
  } else {
    // The first event of the burst may still be posting: wait for its messages, then update them.
    for (let waited = 0; waited < FIRST_POST_WAIT_MS; waited += 100) {
      messages = (await deps.alerts.get(subject))?.messages ?? [];
      if (messages.length > 0 || channels.length === 0) break;
      await sleep(100);
    }
    for (const m of messages) {
      await deps.web.chat
        .update({ channel: m.channel, ts: m.ts, text: message.text, blocks: message.blocks })
        .catch((err: unknown) => deps.logger.warn('Could not update a drift alert', { channel: m.channel, error: slackErrorCode(err) ?? (err as Error).message }));
    }
  }

  await deps.audit
    .append({
      type: 'drift.alerted',
      actor: 'system',
      accountId: e.accountId,
      region: e.region,
      ...(e.subject.kind === 'transform' && e.subject.transformId ? { transformId: e.subject.transformId } : {}),
      outcome: 'info',
      detail: JSON.stringify({
        eventId: e.eventId,
        eventName: e.eventName,
        by: e.actor.arn ?? e.actor.display,
        subject: e.subject,
        transforms: assessment.affected.map((f) => ({ transformId: f.transformId, name: f.name, status: f.status })),
        channels: messages.map((m) => m.channel),
        burst: { first, events: record.events },
      }),
    })
    .catch((err: unknown) => deps.logger.error('Could not audit a drift alert', err as Error));
  if (channels.length === 0) return { outcome: 'unwatched', channels: [] };
  return { outcome: first ? 'alerted' : 'updated', channels: messages.map((m) => m.channel) };
}
