// The worker's half of waivers: post a request's message for approval, bring it up to date after
// a decision (its thread tells the requester), and tell a channel when a waiver ended. Off the
// click's path, so Slack's rate limits are waited out by the worker's client.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebClient } from '@slack/web-api';
import type { AppConfig } from '../config.js';
import { expireWaivers, type WaiverExpiryResult } from '../waivers/lifecycle.js';
import { WaiverConflictError, type WaiverStore } from '../waivers/store.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { Waiver } from '../waivers/types.js';
import type { WaiverJob } from './jobs.js';
import { slackErrorCode, tellRequester } from './publish.js';
import { mrkdwn } from './views/blocks.js';
import { renderFailure } from './views/notice.js';
import { approversText } from './views/remediation.js';
import { renderWaiver, renderWaiverNotice } from './views/waivers.js';

export interface WaiverJobDeps {
  config: AppConfig;
  web: WebClient;
  store: WaiverStore;
  audit: AuditLog;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  now?: () => Date;
}

const approvers = (config: AppConfig) => approversText(config.remediation.approvers, config.remediation.approverGroup);

/** Records where the request's message is; a concurrent decision may have saved first, so it reads again. */
async function rememberMessage(store: WaiverStore, w: Waiver, ts: string): Promise<Waiver> {
  let current: Waiver | undefined = w;
  for (let attempt = 0; attempt < 3 && current; attempt++) {
    try {
      return await store.save({ ...current, messageTs: ts }, current.version);
    } catch (err) {
      if (!(err instanceof WaiverConflictError)) throw err;
      current = await store.get(w.id);
    }
  }
  return current ?? w;
}

export async function runWaiverJob(job: WaiverJob, deps: WaiverJobDeps): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  let w = await deps.store.get(job.waiverId);
  if (!w) {
    deps.logger.warn('A waiver job named no waiver', { waiverId: job.waiverId });
    return;
  }
  const message = renderWaiver(w, approvers(deps.config), now);
  if (!w.messageTs) {
    try {
      const posted = await deps.web.chat.postMessage({ channel: w.channelId, text: message.text, blocks: message.blocks, unfurl_links: false });
      if (posted.ts) w = await rememberMessage(deps.store, w, posted.ts);
    } catch (err) {
      const code = slackErrorCode(err) ?? (err as Error).name;
      deps.logger.error('Could not post a waiver request', err as Error);
      // It stays waiting: approvers can still decide it from /glue-encrypt waivers.
      await tellRequester(deps.web, deps.logger, { channelId: w.channelId, userId: w.requestedBy }, renderFailure(
        'I could not post your waiver request in this channel.',
        `Slack said ${code}.`,
        mrkdwn`Invite the bot to the channel, or ask an approver to decide it from ${'`/glue-encrypt waivers`'}.`,
      ));
      return;
    }
    if (w.status === 'pending_approval') return;
  } else {
    await deps.web.chat.update({ channel: w.channelId, ts: w.messageTs, text: message.text, blocks: message.blocks });
  }
  if (w.status === 'pending_approval' || !w.messageTs) return;
  const notice = renderWaiverNotice(w);
  await deps.web.chat.postMessage({ channel: w.channelId, thread_ts: w.messageTs, text: notice.text, blocks: notice.blocks });
}

/** The sweep's part for waivers: each one that ended is audited, its message updated and its channel told. */
export async function runWaiverSweep(deps: WaiverJobDeps): Promise<WaiverExpiryResult> {
  const now = deps.now ?? (() => new Date());
  const result = await expireWaivers({
    store: deps.store,
    audit: deps.audit,
    now,
    async tell(w) {
      const notice = renderWaiverNotice(w);
      if (w.messageTs) {
        const message = renderWaiver(w, approvers(deps.config), now());
        await deps.web.chat.update({ channel: w.channelId, ts: w.messageTs, text: message.text, blocks: message.blocks });
        await deps.web.chat.postMessage({ channel: w.channelId, thread_ts: w.messageTs, text: notice.text, blocks: notice.blocks, reply_broadcast: w.decidedBy !== undefined });
      } else {
        await deps.web.chat.postMessage({ channel: w.channelId, text: notice.text, blocks: notice.blocks });
      }
    },
  });
  if (result.expired + result.told + result.errors.length > 0) deps.logger.info('Waiver sweep', { ...result });
  for (const e of result.errors) deps.logger.warn('Waiver sweep could not finish a waiver; the next sweep tries again', e);
  return result;
}
