// Button listeners of the remediation flow. Remediate / Revert / Retire and a key choice hand
// the work to the worker (it reads Glue and KMS); Approve / Reject are decided here, at once,
// with a conditional write, so the clicker learns the outcome before Slack's 3 seconds pass.
import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import * as z from 'zod/mini';
import type { AppConfig } from '../config.js';
import { decide, type Decision } from '../remediation/approval.js';
import { remediationServices, type RemediationServices } from '../remediation/runtime.js';
import type { JobDispatcher } from './jobs.js';
import { renderFailure, renderNotice } from './views/notice.js';
import { parseRemediateValue } from './views/findings.js';
import { ACTIONS } from './views/remediation.js';

const idValue = z.strictObject({ id: z.uuid() });
const keyValue = z.strictObject({ id: z.uuid(), k: z.string().check(z.minLength(1), z.maxLength(2048)) });

function parseValue<T>(schema: z.ZodMiniType<T>, raw: string | undefined): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function remediationEnabled(config: AppConfig): boolean {
  return Boolean(config.tables.audit && config.tables.state && config.remediation.stateMachineArn);
}

type Respond = (message: { response_type: 'ephemeral'; replace_original: false; text: string; blocks?: unknown[] }) => Promise<unknown>;

async function ephemeral(respond: Respond, message: { text: string; blocks: unknown[] }): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, ...message }).catch(() => undefined);
}

const INVALID = renderFailure('That button is not valid.', 'Its payload did not pass validation, so nothing was done.', 'Run /glue-encrypt check again and use the new buttons.');

export function registerRemediationListeners(app: App, config: AppConfig, dispatcher: JobDispatcher): void {
  let services: RemediationServices | undefined;
  const getServices = (client: WebClient) => (services ??= remediationServices(config, client));

  const requester = (body: BlockAction) => ({
    channelId: body.channel?.id ?? body.container?.channel_id ?? '',
    userId: body.user.id,
    teamId: body.team?.id ?? body.user.team_id,
    responseUrl: body.response_url,
  });

  const handOff = (action: 'remediate' | 'revert' | 'retire') =>
    app.action<BlockAction<ButtonAction>>(ACTIONS[action], async ({ ack, body, action: button, respond }) => {
      await ack();
      if (!remediationEnabled(config)) {
        await ephemeral(respond, renderNotice('Remediation is not enabled in this installation (no state machine or tables configured).'));
        return;
      }
      const who = requester(body);
      if (action === 'remediate') {
        const v = parseRemediateValue(button.value ?? '');
        if (!v) return ephemeral(respond, INVALID);
        await dispatcher.dispatch({ kind: 'plan', action, accountId: v.a, region: v.r, transformId: v.t, ...who });
      } else {
        const v = parseValue(idValue, button.value);
        if (!v) return ephemeral(respond, INVALID);
        await dispatcher.dispatch({ kind: 'plan', action, parentId: v.id, ...who });
      }
      await ephemeral(respond, renderNotice(`Preparing the ${action === 'remediate' ? 'remediation' : action} plan… it will appear in this channel for approval.`));
    });
  handOff('remediate');
  handOff('revert');
  handOff('retire');

  app.action<BlockAction<StaticSelectAction>>(ACTIONS.chooseKey, async ({ ack, body, action, respond }) => {
    await ack();
    const v = parseValue(keyValue, action.selected_option?.value);
    if (!v) return ephemeral(respond, INVALID);
    await dispatcher.dispatch({ kind: 'replan', remediationId: v.id, keyId: v.k, ...requester(body) });
  });

  const decideOn = (decision: Decision) =>
    app.action<BlockAction<ButtonAction>>(ACTIONS[decision], async ({ ack, body, action, respond, client }) => {
      await ack();
      const v = parseValue(idValue, action.value);
      if (!v) return ephemeral(respond, INVALID);
      const rt = getServices(client);
      const { approverGroup } = config.remediation;
      const result = await decide(v.id, decision, { userId: body.user.id, teamId: body.team?.id ?? body.user.team_id }, {
        ...rt,
        config: config.remediation,
        now: () => new Date(),
        isInApproverGroup: async (userId) => {
          if (!approverGroup) return false;
          const members = await client.usergroups.users.list({ usergroup: approverGroup });
          return (members.users ?? []).includes(userId);
        },
      });
      if (!result.ok) {
        await ephemeral(respond, renderFailure(`You cannot ${decision} this request.`, result.reason, 'Nothing was changed; the refusal is in the audit trail.'));
        // Only an expiry changes what the message should say; any other refusal leaves it as the winner wrote it.
        if (result.remediation?.status === 'expired') await rt.notify(result.remediation).catch(() => undefined);
        return;
      }
      // Replace the buttons with who decided and when.
      await rt.notify(result.remediation).catch(() => undefined);
    });
  decideOn('approve');
  decideOn('reject');
}
