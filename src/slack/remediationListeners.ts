// Button listeners of the remediation flow. Remediate / Revert / Retire and a key choice hand
// the work to the worker (it reads Glue and KMS); Approve / Reject are decided here, at once,
// with a conditional write, so the clicker learns the outcome before Slack's 3 seconds pass.
import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import * as z from 'zod/mini';
import type { AppConfig } from '../config.js';
import { decide, type Decision } from '../remediation/approval.js';
import { auditSubject } from '../remediation/lifecycle.js';
import { remediationServices, type RemediationServices } from '../remediation/runtime.js';
import { parseButtonValue } from './buttonValues.js';
import type { JobDispatcher, WorkerJob } from './jobs.js';
import type { Refusal, RefusalAuditor } from './refusals.js';
import { renderFailure, renderNotice } from './views/notice.js';
import { literalExceptMentions } from './views/blocks.js';
import { requestMessages } from './requestMessages.js';
import { recordRemediationOutcome } from '../operations/metrics.js';
import { parseRemediateValue } from './views/findings.js';
import { ApproverGroupCache } from './approverGroup.js';
import { ACTIONS } from './views/remediation.js';
import { slackErrorCode } from './publish.js';
import { INVALID_BUTTON, describeRaw, ephemeral, type Respond } from './clickAnswers.js';

const idValue = z.strictObject({ id: z.uuid() });
// Approve also carries the plan fingerprint; Reject does not need it.
const decisionValue = z.strictObject({ id: z.uuid(), p: z.optional(z.string().check(z.regex(/^[0-9a-f]{16}$/))) });
// A key choice names the request and the option's place in the menu, never the key itself: an
// option value holds at most 150 characters, and an alias name up to 256. The worker lists the
// keys again and resolves the index.
const keyValue = z.strictObject({ id: z.uuid(), i: z.int().check(z.gte(0), z.lt(100)) });

export function remediationEnabled(config: AppConfig): boolean {
  return Boolean(config.tables.audit && config.tables.state && config.remediation.stateMachineArn);
}

const NOT_ENABLED = 'Remediation is not enabled in this installation (no state machine or tables configured).';

/** Thrown by the approver-group lookup when Slack cannot say who is in the group: nobody is approved on a guess. */
class ApproverGroupUnreadable extends Error {
  override readonly name = 'ApproverGroupUnreadable';
  constructor(readonly slackError: string) {
    super(`The approver group could not be read (Slack said ${slackError}); nothing was changed.`);
  }
}

export function registerRemediationListeners(app: App, config: AppConfig, dispatcher: JobDispatcher, auditRefusal: RefusalAuditor): void {
  let services: RemediationServices | undefined;
  const getServices = (client: WebClient) => (services ??= remediationServices(config, requestMessages(client), 'click'));

  /** Audits a refused click (`<action>.refused`), then tells the clicker. */
  const refuse = async (
    respond: Respond,
    body: BlockAction,
    action: string,
    detail: string,
    message: { text: string; blocks: unknown[] },
    subject: Omit<Refusal, 'action' | 'actor' | 'teamId' | 'detail'> = {},
  ): Promise<void> => {
    await auditRefusal({
      action,
      actor: body.user.id,
      teamId: body.team?.id ?? body.user.team_id,
      channel: body.channel?.id ?? body.container?.channel_id,
      messageTs: body.message?.ts ?? body.container?.message_ts,
      detail,
      ...subject,
    });
    await ephemeral(respond, message);
  };
  const invalid = (respond: Respond, body: BlockAction, action: string, raw: string | undefined) =>
    refuse(respond, body, action, `The button's payload did not pass validation (${describeRaw(raw)}); nothing was done.`, INVALID_BUTTON, { value: raw });
  const notEnabled = (respond: Respond, body: BlockAction, action: string, value: string | undefined) =>
    refuse(respond, body, action, `${NOT_ENABLED} Nothing was done.`, renderNotice(NOT_ENABLED), { value });

  const requester = (body: BlockAction) => ({
    channelId: body.channel?.id ?? body.container?.channel_id ?? '',
    userId: body.user.id,
    teamId: body.team?.id ?? body.user.team_id,
    responseUrl: body.response_url,
  });

  /**
   * Hands a job to the worker; when that fails the clicker is told at once (and nothing is
   * promised), instead of the click failing with HTTP 500.
   */
  const handOffOrSay = async (respond: Respond, job: WorkerJob, what: string): Promise<boolean> => {
    try {
      await dispatcher.dispatch(job);
      return true;
    } catch (err) {
      app.logger.error(`Could not hand ${job.kind} to the worker`, err);
      await ephemeral(respond, renderFailure(`I could not start ${what}.`, `The hand-off to the worker failed (${(err as Error).name || 'error'}); nothing was done.`, 'Press the button again in a minute; if it keeps failing, check the worker function and its logs.'));
      return false;
    }
  };

  /** A plan is posted in the channel the button was in: a click without one (a DM app view, a forged payload) gets none promised. */
  const needsChannel = (respond: Respond, body: BlockAction, action: string): Promise<void> | undefined =>
    requester(body).channelId
      ? undefined
      : refuse(respond, body, action, 'The click came without a channel; nothing was done.', renderFailure('This button works only in a channel.', 'The plan is posted in the channel for approval, and this click came from nowhere the bot can post.', 'Run /glue-encrypt check in a channel and use its buttons.'));

  const handOff = (action: 'remediate' | 'revert' | 'retire') =>
    app.action<BlockAction<ButtonAction>>(ACTIONS[action], async ({ ack, body, action: button, respond }) => {
      await ack();
      if (!remediationEnabled(config)) return notEnabled(respond, body, action, button.value);
      const noChannel = needsChannel(respond, body, action);
      if (noChannel) return noChannel;
      const who = requester(body);
      const what = `the ${action === 'remediate' ? 'remediation' : action} plan`;
      let job: WorkerJob;
      if (action === 'remediate') {
        const v = parseRemediateValue(button.value ?? '');
        if (!v) return invalid(respond, body, action, button.value);
        job = { kind: 'plan', action, accountId: v.a, region: v.r, transformId: v.t, ...who };
      } else {
        const v = parseButtonValue(idValue, button.value);
        if (!v) return invalid(respond, body, action, button.value);
        job = { kind: 'plan', action, parentId: v.id, ...who };
      }
      if (!(await handOffOrSay(respond, job, what))) return;
      await ephemeral(respond, renderNotice(`Preparing ${what}… it will appear in this channel for approval.`));
    });
  handOff('remediate');
  handOff('revert');
  handOff('retire');

  app.action<BlockAction<StaticSelectAction>>(ACTIONS.chooseKey, async ({ ack, body, action, respond }) => {
    await ack();
    if (!remediationEnabled(config)) return notEnabled(respond, body, ACTIONS.chooseKey, action.selected_option?.value);
    const v = parseButtonValue(keyValue, action.selected_option?.value);
    if (!v) return invalid(respond, body, ACTIONS.chooseKey, action.selected_option?.value);
    // The option's text rides along so the worker can tell when the menu no longer matches the keys.
    const shown = action.selected_option?.text?.text;
    await handOffOrSay(respond, {
      kind: 'replan',
      remediationId: v.id,
      keyIndex: v.i,
      ...(shown ? { keyText: shown.slice(0, 200) } : {}),
      ...requester(body),
    }, 'the key change');
  });

  const approverGroupCache = new ApproverGroupCache();
  /** After a decision the request's message changes: the worker updates it, waiting out Slack's rate limits off this path. */
  const showDecision = (id: string) =>
    dispatcher.dispatch({ kind: 'notify', remediationId: id }).catch((err: unknown) => app.logger.warn('Could not hand the message update to the worker', err));

  const decideOn = (decision: Decision) =>
    app.action<BlockAction<ButtonAction>>(ACTIONS[decision], async ({ ack, body, action, respond, client }) => {
      await ack();
      if (!remediationEnabled(config)) return notEnabled(respond, body, decision, action.value);
      const v = parseButtonValue(decisionValue, action.value);
      if (!v) return invalid(respond, body, decision, action.value);
      const rt = getServices(client);
      const { approverGroup } = config.remediation;
      let result: Awaited<ReturnType<typeof decide>>;
      try {
        result = await decide(v.id, decision, { userId: body.user.id, teamId: body.team?.id ?? body.user.team_id, planDigest: v.p }, {
          ...rt,
          config: config.remediation,
          now: () => new Date(),
          isInApproverGroup: async (userId) => {
            if (!approverGroup) return false;
            try {
              return await approverGroupCache.includes(client, approverGroup, userId);
            } catch (err) {
              // Not a member as far as anyone can tell; but say why, rather than "not an approver".
              throw new ApproverGroupUnreadable(slackErrorCode(err) ?? (err as Error).message);
            }
          },
        });
      } catch (err) {
        if (!(err instanceof ApproverGroupUnreadable)) {
          // The state table or Step Functions did not answer in time, or something else failed: the
          // clicker is told at once. A write may still have landed, so the message is the record of what did.
          app.logger.error('A decision could not be completed', err);
          await ephemeral(
            respond,
            renderFailure(
              `I could not complete your ${decision}.`,
              /timeout/i.test((err as Error).name ?? '') ? `AWS did not answer in time (${(err as Error).name}).` : `It failed (${(err as Error).name || 'Error'}); whoever deployed glue-encrypt can find the details in the slack function's logs.`,
              "Look at the request's message in a minute: if it still has its buttons, nothing was decided; press again.",
            ),
          );
          return;
        }
        // The lookup runs before decide() writes anything: the request is as it was.
        const r = await rt.store.get(v.id).catch(() => undefined);
        return refuse(
          respond,
          body,
          r ? `${r.kind}.${decision}` : decision,
          err.message,
          renderFailure(`You cannot ${decision} this request.`, err.message, 'Try again in a minute; if it keeps failing, ask whoever deployed glue-encrypt to check the usergroups:read scope and the approver group ID.'),
          r ? auditSubject(r) : { remediationId: v.id },
        );
      }
      if (!result.ok) {
        await ephemeral(respond, renderFailure(`You cannot ${decision} this request.`, literalExceptMentions(result.reason, [result.remediation?.decidedBy]), 'Nothing was changed; the refusal is in the audit trail.'));
        // Only an expiry changes what the message should say; any other refusal leaves it as the winner wrote it.
        // (The expiry sweep then posts the thread notice and counts the outcome, once.)
        if (result.remediation?.status === 'expired') await showDecision(result.remediation.id);
        return;
      }
      if (decision === 'reject') recordRemediationOutcome(result.remediation.kind, 'rejected');
      // Replace the buttons with who decided and when.
      await showDecision(result.remediation.id);
    });
  decideOn('approve');
  decideOn('reject');
}
