// /glue-encrypt subscribe, unsubscribe, subscriptions and digest: answered within Slack's 3 s
// (one bounded DynamoDB round trip, or one Step Functions start), never by the worker.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WebClient } from '@slack/web-api';
import { AuditLog } from '../audit/auditLog.js';
import type { AppConfig } from '../config.js';
import { listSubscriptions, subscribe, unsubscribe, type Allowed, type SubscriptionDeps } from '../digests/manageSubscriptions.js';
import { SubscriptionStore } from '../digests/subscriptionStore.js';
import { CLICK_PATH_CLIENT } from '../operations/clickPath.js';
import { ApproverGroupCache } from './approverGroup.js';
import type { ParsedCommand } from './commands.js';
import { slackErrorCode } from './publish.js';
import { renderUsageError } from './views/help.js';
import { renderFailure, renderNotice } from './views/notice.js';
import { renderSubscribed, renderSubscriptionList, renderUnsubscribed } from './views/subscriptions.js';
import type { SlackMessage } from './views/blocks.js';

type SubscriptionCommand = Extract<ParsedCommand, { kind: 'subscribe' | 'unsubscribe' | 'subscriptions' | 'digest' }>;

export interface CommandContext {
  channelId: string;
  userId: string;
  teamId?: string;
}

/** What to answer: shown to the channel (a change everyone there should know of) or only to the one who typed it. */
export interface Answer {
  inChannel: boolean;
  message: SlackMessage;
}

export function digestsEnabled(config: AppConfig): boolean {
  return Boolean(config.tables.state && config.tables.audit && config.digests.scanStateMachineArn);
}

const only = (message: SlackMessage): Answer => ({ inChannel: false, message });

export function subscriptionCommands(config: AppConfig, client: WebClient) {
  const dynamo = new DynamoDBClient(CLICK_PATH_CLIENT);
  const sfn = new SFNClient(CLICK_PATH_CLIENT);
  const groups = new ApproverGroupCache();
  const { approvers, approverGroup } = config.remediation;

  /** The setting GLUE_ENCRYPT_SUBSCRIPTION_MANAGERS: approvers (default), anyone, or named people. */
  const mayManage = async (userId: string): Promise<Allowed> => {
    const managers = config.digests.managers;
    if (managers === 'anyone') return { ok: true };
    if (Array.isArray(managers)) return managers.includes(userId) ? { ok: true } : { ok: false, reason: "You are not one of the people who may change this installation's digests (GLUE_ENCRYPT_SUBSCRIPTION_MANAGERS); nothing was changed." };
    if (approvers.includes(userId)) return { ok: true };
    if (approverGroup) {
      try {
        if (await groups.includes(client, approverGroup, userId)) return { ok: true };
      } catch (err) {
        return { ok: false, reason: `I could not read the approver group (Slack said ${slackErrorCode(err) ?? (err as Error).message}), so I cannot tell whether you may change digests; nothing was changed.` };
      }
    }
    return { ok: false, reason: 'Only approvers may change the channel digests in this installation; nothing was changed.' };
  };

  const deps = (): SubscriptionDeps => {
    const home = config.scope.homeAccountId;
    return {
      store: new SubscriptionStore(dynamo, config.tables.state!),
      audit: new AuditLog(dynamo, config.tables.audit!),
      mayManage,
      // An organisation scan reads accounts nobody listed: any account ID may narrow it.
      scope: { regions: config.scope.regions, ...(config.digests.organizationScan || !home ? {} : { accounts: [home, ...config.scope.accounts] }) },
      now: () => new Date(),
    };
  };

  return async function answer(parsed: SubscriptionCommand, ctx: CommandContext): Promise<Answer> {
    if (!digestsEnabled(config)) {
      return only(renderUsageError(`\`${parsed.kind}\` needs the scheduled scan, which is not deployed in this installation (no scan state machine or tables configured).`));
    }
    try {
      switch (parsed.kind) {
        case 'subscribe': {
          const { kind: _kind, ...request } = parsed;
          const outcome = await subscribe({ ...request, ...ctx }, deps());
          return outcome.ok ? { inChannel: true, message: renderSubscribed(outcome.value) } : only(renderUsageError(outcome.reason));
        }
        case 'unsubscribe': {
          const outcome = await unsubscribe({ ...ctx, ...(parsed.id ? { id: parsed.id } : {}) }, deps());
          return outcome.ok ? { inChannel: true, message: renderUnsubscribed(outcome.value, ctx.userId) } : only(renderUsageError(outcome.reason));
        }
        case 'subscriptions':
          return only(renderSubscriptionList(await listSubscriptions(ctx.channelId, deps())));
        case 'digest':
          return only(await startDigest(ctx));
      }
    } catch (err) {
      return only(
        renderFailure(
          `I could not ${parsed.kind === 'subscriptions' ? 'read the subscriptions' : parsed.kind === 'digest' ? 'start the digest' : `${parsed.kind}`}.`,
          `AWS did not answer in time or refused (${(err as Error).name || 'Error'}); nothing was changed.`,
          'Try again in a minute; if it keeps failing, ask whoever deployed glue-encrypt to look at the slack function logs.',
        ),
      );
    }
  };

  /** Starts the scan state machine for this channel's digests; the digest step posts them. */
  async function startDigest(ctx: CommandContext): Promise<SlackMessage> {
    const subscriptions = await listSubscriptions(ctx.channelId, deps());
    if (subscriptions.length === 0) return renderSubscriptionList([]);
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: config.digests.scanStateMachineArn,
        // Names are unique per state machine for 90 days: the channel and the moment make it so.
        name: `digest-${ctx.channelId}-${Date.now()}`,
        input: JSON.stringify({ trigger: 'command', channelId: ctx.channelId, userId: ctx.userId }),
      }),
    );
    return renderNotice(`Scanning for this channel's ${subscriptions.length === 1 ? 'digest' : `${subscriptions.length} digests`}… ${subscriptions.length === 1 ? 'it' : 'they'} will appear here when the scan is done (usually within a few minutes).`);
  }
}
