// The Slack half of waivers on the click path. Accept risk opens the form (views.open must use
// the click's trigger within 3 s, so it is called here, bounded); the submission is checked and
// stored here, so a bad field is shown under that field and nothing is kept; Approve, Reject
// and Revoke are decided here with a conditional write. Messages are posted by the worker.
import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WebClient } from '@slack/web-api';
import { AuditLog } from '../audit/auditLog.js';
import type { AppConfig } from '../config.js';
import { CLICK_PATH_CLIENT } from '../operations/clickPath.js';
import { validateWaiverForm } from '../waivers/form.js';
import { decideWaiver, requestWaiver, revokeWaiver, withdrawUnposted, type DecisionDeps, type WaiverDeps, type WaiverOutcome } from '../waivers/lifecycle.js';
import { waiversEnabled } from '../waivers/source.js';
import { WaiverStore } from '../waivers/store.js';
import { ApproverGroupCache } from './approverGroup.js';
import type { JobDispatcher } from './jobs.js';
import { slackErrorCode } from './publish.js';
import { INVALID_BUTTON, describeRaw, ephemeral, type Respond } from './clickAnswers.js';
import type { RefusalAuditor } from './refusals.js';
import { literalExceptMentions } from './views/blocks.js';
import { renderFailure, renderNotice } from './views/notice.js';
import { WAIVER_ACTIONS, WAIVER_VIEW, parseAcceptRiskValue, parseWaiverIdValue, parseWaiverMetadata, readWaiverForm, renderWaiverModal } from './views/waivers.js';

const NOT_ENABLED = 'Waivers are not enabled in this installation (they need the state and audit tables).';

/**
 * The waiver store and audit log of the slack function, built at first use (most requests need
 * neither), bounded like every AWS call on the click path; the listeners and `/glue-encrypt
 * waivers` share them.
 */
export function clickPathWaiverDeps(config: AppConfig): () => WaiverDeps {
  let deps: WaiverDeps | undefined;
  return () => {
    if (deps) return deps;
    const dynamo = new DynamoDBClient(CLICK_PATH_CLIENT);
    return (deps = { store: new WaiverStore(dynamo, config.tables.state!), audit: new AuditLog(dynamo, config.tables.audit!), now: () => new Date() });
  };
}

export function registerWaiverListeners(app: App, config: AppConfig, dispatcher: JobDispatcher, auditRefusal: RefusalAuditor, getDeps: () => WaiverDeps): void {
  const approverGroupCache = new ApproverGroupCache();
  const decisionDeps = (client: WebClient): DecisionDeps => ({
    ...getDeps(),
    approval: config.remediation,
    isInApproverGroup: (userId) => approverGroupCache.includes(client, config.remediation.approverGroup!, userId),
  });
  // A decision from the Home tab: the worker publishes the tab again, so the clicker sees what holds.
  const refreshHome = (userId: string) => dispatcher.dispatch({ kind: 'home', userId }).catch((err: unknown) => app.logger.warn('Could not hand the Home tab to the worker', err));
  const teamOf = (body: { team?: { id?: string } | null; user: { team_id?: string } }) => body.team?.id ?? body.user.team_id;

  const refuse = async (respond: Respond | undefined, body: BlockAction, action: string, detail: string, message: { text: string; blocks: unknown[] }, value?: string) => {
    await auditRefusal({ action, actor: body.user.id, teamId: teamOf(body), channel: body.channel?.id ?? body.container?.channel_id, messageTs: body.message?.ts ?? body.container?.message_ts, detail, ...(value !== undefined ? { value } : {}) });
    await ephemeral(respond, message);
  };

  app.action<BlockAction<ButtonAction>>(WAIVER_ACTIONS.acceptRisk, async ({ ack, body, action, respond, client }) => {
    await ack();
    const name = 'waiver.request';
    if (!waiversEnabled(config)) return refuse(respond, body, name, `${NOT_ENABLED} Nothing was done.`, renderNotice(NOT_ENABLED), action.value);
    const v = parseAcceptRiskValue(action.value);
    if (!v) return refuse(respond, body, name, `The button's payload did not pass validation (${describeRaw(action.value)}); nothing was done.`, INVALID_BUTTON, action.value);
    const channelId = body.channel?.id ?? body.container?.channel_id;
    if (!channelId) return refuse(respond, body, name, 'The click came without a channel; nothing was done.', renderFailure('This button works only in a channel.', 'The request is posted in the channel for approval.', 'Run /glue-encrypt check in a channel and use its buttons.'));
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: renderWaiverModal({ ...v, ch: channelId }, { maxDays: config.remediation.waiverMaxDays, now: new Date() }) });
    } catch (err) {
      const code = slackErrorCode(err) ?? (err as Error).name;
      app.logger.warn(`Could not open the waiver form: ${code}`);
      await ephemeral(respond, renderFailure('I could not open the Accept-risk form.', `Slack said ${code}; nothing was requested.`, 'Press Accept risk again (the form must open within 3 seconds of the click).'));
    }
  });

  app.view<ViewSubmitAction>(WAIVER_VIEW, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id;
    const fieldError = (field: 'reason' | 'expiry' | 'ticket', message: string) => ack({ response_action: 'errors', errors: { [field]: message } });
    const meta = parseWaiverMetadata(view.private_metadata);
    if (!meta || !waiversEnabled(config)) {
      const detail = meta ? NOT_ENABLED : `The form's metadata did not pass validation (${describeRaw(view.private_metadata)}); nothing was stored.`;
      await fieldError('reason', meta ? NOT_ENABLED : 'This form is damaged, so nothing was stored: close it and press Accept risk again.');
      await auditRefusal({ action: 'waiver.request', actor: userId, teamId, detail });
      return;
    }
    const checked = validateWaiverForm(readWaiverForm(view.state?.values), new Date(), config.remediation.waiverMaxDays);
    if (!checked.ok) {
      await ack({ response_action: 'errors', errors: checked.errors });
      return;
    }
    const d = getDeps();
    let outcome: WaiverOutcome;
    try {
      outcome = await requestWaiver({ accountId: meta.a, region: meta.r, transformId: meta.t, transformName: meta.n, reasonCodes: meta.c }, checked.form, { userId, teamId, channelId: meta.ch }, { decideWithinHours: config.remediation.approvalTtlHours }, d);
    } catch (err) {
      app.logger.error('Could not store a waiver request', err);
      await fieldError('reason', `I could not store the request (AWS said ${(err as Error).name || 'Error'}). Press the button again in a minute.`);
      return;
    }
    if (!outcome.ok) {
      // A form's error is plain text: a mention would show as its code.
      await fieldError('reason', outcome.reason.replace(/<@(\w+)>/g, (_m, id: string) => (id === userId ? 'you' : 'someone else')));
      return;
    }
    const w = outcome.waiver;
    try {
      await dispatcher.dispatch({ kind: 'waiver', waiverId: w.id });
    } catch (err) {
      // Nobody would see a request that is never posted: withdraw it, and say so in the form.
      app.logger.error('Could not hand the waiver request to the worker', err);
      await withdrawUnposted(w, (err as Error).name || 'Error', d);
      await fieldError('reason', `I could not post the request for approval (${(err as Error).name || 'Error'}); nothing is waiting. Press Ask for approval again in a minute.`);
      return;
    }
    await ack();
  });

  const decideOn = (action: 'approve' | 'reject' | 'revoke') =>
    app.action<BlockAction<ButtonAction>>(WAIVER_ACTIONS[action], async ({ ack, body, action: button, respond, client }) => {
      await ack();
      const name = `waiver.${action}`;
      if (!waiversEnabled(config)) return refuse(respond, body, name, `${NOT_ENABLED} Nothing was done.`, renderNotice(NOT_ENABLED), button.value);
      const v = parseWaiverIdValue(button.value);
      if (!v) return refuse(respond, body, name, `The button's payload did not pass validation (${describeRaw(button.value)}); nothing was done.`, INVALID_BUTTON, button.value);
      const click = { userId: body.user.id, teamId: teamOf(body) };
      let outcome: WaiverOutcome;
      try {
        outcome = action === 'revoke' ? await revokeWaiver(v.id, click, decisionDeps(client)) : await decideWaiver(v.id, action, click, decisionDeps(client));
      } catch (err) {
        app.logger.error(`A waiver ${action} could not be completed`, err);
        const slack = slackErrorCode(err);
        await ephemeral(
          respond,
          renderFailure(
            `I could not ${action} this waiver.`,
            slack ? `Slack could not say who is in the approver group (${slack}); nothing was changed.` : `It failed (${(err as Error).name || 'Error'}); the waiver's message shows what holds.`,
            'Try again in a minute.',
          ),
        );
        return;
      }
      if (!outcome.ok) {
        if (body.container?.type === 'view') await refreshHome(body.user.id);
        await ephemeral(respond, renderFailure(`You cannot ${action} this waiver.`, literalExceptMentions(outcome.reason, [outcome.waiver?.requestedBy, outcome.waiver?.decidedBy]), 'Nothing was changed; the refusal is in the audit trail.'));
        return;
      }
      await dispatcher.dispatch({ kind: 'waiver', waiverId: outcome.waiver.id }).catch((err: unknown) => app.logger.warn('Could not hand the waiver message update to the worker', err));
      if (body.container?.type === 'view') await refreshHome(body.user.id);
      await ephemeral(respond, renderNotice(action === 'approve' ? 'Approved: the transform shows as WAIVED until the waiver ends.' : action === 'reject' ? 'Done: the waiver request is closed.' : 'Revoked: the transform counts as FAIL again.'));
    });
  decideOn('approve');
  decideOn('reject');
  decideOn('revoke');
}
