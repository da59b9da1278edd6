// Accepted risks in Slack: the Accept-risk button and its form, the request's message with its
// decision buttons, the notices in its thread, the list. Pure: data in, Block Kit out.
import type { ActionsBlock, Button, KnownBlock, ModalView } from '@slack/types';
import * as z from 'zod/mini';
import { ACCOUNT_PATTERN, REGION_PATTERN } from '../../config.js';
import { REASON_CODES, type Finding, type FindingWaiver, type ReasonCode } from '../../checks/types.js';
import { endDay, failingCodes, inForce } from '../../checks/waivers.js';
import { JUSTIFICATION_MAX, JUSTIFICATION_MIN, TICKET_MAX, latestExpiryDay, type WaiverFormInput } from '../../waivers/form.js';
import { decisionDeadline, standing } from '../../waivers/lifecycle.js';
import type { Waiver } from '../../waivers/types.js';
import { parseButtonValue } from '../buttonValues.js';
import { LIMITS, literal, mention, mrkdwnContext, mrkdwnSection, plural, truncate, utcMinute, type SlackMessage } from './blocks.js';

export const WAIVER_ACTIONS = {
  acceptRisk: 'accept_risk',
  approve: 'waiver_approve',
  reject: 'waiver_reject',
  revoke: 'waiver_revoke',
} as const;
/** The form's callback_id: its submission comes back as a view_submission with this ID. */
export const WAIVER_VIEW = 'waiver_request';

const reasonCode = z.enum(REASON_CODES as unknown as [ReasonCode, ...ReasonCode[]]);
const subjectShape = {
  a: z.string().check(z.regex(ACCOUNT_PATTERN)),
  r: z.string().check(z.regex(REGION_PATTERN)),
  t: z.string().check(z.minLength(1), z.maxLength(255)),
  n: z.string().check(z.minLength(1), z.maxLength(255)),
  c: z.array(reasonCode).check(z.minLength(1), z.maxLength(REASON_CODES.length)),
};
const acceptRiskValue = z.strictObject(subjectShape);
/** The form carries what it is about and where it was opened (a view has no channel of its own). */
const formMetadata = z.strictObject({ ...subjectShape, ch: z.string().check(z.regex(/^[CGD][A-Z0-9]{2,}$/)) });
const idValue = z.strictObject({ id: z.uuid() });

export type AcceptRiskValue = z.infer<typeof acceptRiskValue>;
export type WaiverFormMetadata = z.infer<typeof formMetadata>;

export const parseAcceptRiskValue = (raw: string | undefined) => parseButtonValue(acceptRiskValue, raw);
export const parseWaiverMetadata = (raw: string | undefined) => parseButtonValue(formMetadata, raw);
export const parseWaiverIdValue = (raw: string | undefined) => parseButtonValue(idValue, raw);

/** "Accept risk" on a failing finding: it names the transform and the failing reasons a waiver would cover. */
export function acceptRiskButton(f: Finding): Button | undefined {
  const codes = failingCodes(f);
  if (codes.length === 0) return undefined;
  const value = JSON.stringify({ a: f.accountId, r: f.region, t: f.transformId, n: f.name, c: codes } satisfies AcceptRiskValue);
  if (value.length > LIMITS.buttonValue) return undefined;
  return { type: 'button', action_id: WAIVER_ACTIONS.acceptRisk, text: { type: 'plain_text', text: 'Accept risk' }, value, accessibility_label: truncate(`Accept the risk of ${f.name}`, LIMITS.buttonText) };
}

/** The waiver line of a finding: who accepted what until when, or what it no longer covers. */
export function findingWaiverText(w: FindingWaiver): string {
  const who = `asked by ${mention(w.requestedBy).text}, approved by ${mention(w.approvedBy).text}${w.ticket ? `, ticket ${literal(w.ticket)}` : ''}`;
  if (w.notCovered.length > 0) {
    return `:warning: Waiver until ${endDay(w)} (${who}) covers ${w.reasonCodes.join(', ')}, not ${w.notCovered.join(', ')}: still failing.`;
  }
  return `:shield: Accepted risk until *${endDay(w)}* (${who}): “${literal(truncate(w.justification, 300))}”`;
}

function codesText(codes: readonly string[]): string {
  return codes.map((c) => `\`${c}\``).join(', ');
}

export function renderWaiverModal(m: WaiverFormMetadata, options: { maxDays: number; now: Date }): ModalView {
  const latest = latestExpiryDay(options.now, options.maxDays);
  const suggested = latestExpiryDay(options.now, Math.min(30, options.maxDays));
  return {
    type: 'modal',
    callback_id: WAIVER_VIEW,
    private_metadata: JSON.stringify(m),
    title: { type: 'plain_text', text: 'Accept risk' },
    submit: { type: 'plain_text', text: 'Ask for approval' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      mrkdwnSection(
        truncate(
          `Leave *${literal(m.n)}* (\`${literal(m.t)}\`, ${m.a} · ${m.r}) as it is until a date, for ${codesText(m.c)}.\n` +
            'An approver other than you must agree. Until the date it shows as WAIVED; a reason not listed here still fails it.',
          LIMITS.sectionText,
        ),
      ),
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Why is this risk accepted?' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, min_length: JUSTIFICATION_MIN, max_length: JUSTIFICATION_MAX },
      },
      {
        type: 'input',
        block_id: 'expiry',
        label: { type: 'plain_text', text: 'Until (end of day, UTC)' },
        hint: { type: 'plain_text', text: `At most ${options.maxDays} days: ${latest} at the latest.` },
        element: { type: 'datepicker', action_id: 'value', initial_date: suggested },
      },
      {
        type: 'input',
        block_id: 'ticket',
        optional: true,
        label: { type: 'plain_text', text: 'Ticket (optional)' },
        element: { type: 'plain_text_input', action_id: 'value', max_length: TICKET_MAX },
      },
    ],
  };
}

/** The form's answers as Slack sends them (view.state.values[block][action]). */
export function readWaiverForm(values: Record<string, Record<string, { value?: string | null; selected_date?: string | null }>> | undefined): WaiverFormInput {
  return {
    reason: values?.reason?.value?.value ?? null,
    expiryDate: values?.expiry?.value?.selected_date ?? null,
    ticket: values?.ticket?.value?.value ?? null,
  };
}

const idButton = (actionId: string, text: string, id: string, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text },
  value: JSON.stringify({ id }),
  ...(style ? { style } : {}),
});

function statusLine(w: Waiver, now: Date): string {
  switch (w.status) {
    case 'pending_approval':
      return `Waiting for an approver other than ${mention(w.requestedBy).text}. Decide by ${utcMinute(decisionDeadline(w))}.`;
    case 'active':
      return inForce(w, now) ? `:shield: *Approved* by ${mention(w.decidedBy ?? '').text}: WAIVED until ${endDay(w)}.` : `Ended ${endDay(w)}.`;
    case 'rejected':
      return w.decidedBy === w.requestedBy ? `Withdrawn by ${mention(w.requestedBy).text}.` : `*Rejected* by ${mention(w.decidedBy ?? '').text}.`;
    case 'revoked':
      return w.endNote ? `Ended: ${literal(w.endNote)}` : `*Revoked* by ${mention(w.revokedBy ?? '').text}: the transform counts as FAIL again.`;
    case 'expired':
      return w.decidedBy ? `*Expired* ${endDay(w)}: the transform counts as FAIL again.` : `*Expired* before anyone approved it.`;
  }
}

/** The buttons a waiver's status allows (Approve / Reject while waiting, Revoke while in force), as on its message. */
export function decisionButtons(w: Waiver, now: Date): ActionsBlock | undefined {
  const where = standing(w, now);
  if (where === 'waiting') {
    return { type: 'actions', block_id: `waiver:${w.id}:v${w.version}`, elements: [idButton(WAIVER_ACTIONS.approve, 'Approve', w.id, 'primary'), idButton(WAIVER_ACTIONS.reject, 'Reject', w.id, 'danger')] };
  }
  if (where === 'in_force') {
    return { type: 'actions', block_id: `waiver:${w.id}:v${w.version}`, elements: [idButton(WAIVER_ACTIONS.revoke, 'Revoke', w.id, 'danger')] };
  }
  return undefined;
}

/** The request's message in the channel: what is accepted, why, until when; its buttons follow its status. */
export function renderWaiver(w: Waiver, approvers: string, now: Date): SlackMessage {
  const head = `${mention(w.requestedBy).text} asks to accept the risk of *${literal(w.transformName)}* (\`${literal(w.transformId)}\`) in ${w.accountId} · ${w.region} until *${endDay(w)}* (end of day, UTC)`;
  const body = [
    `*Covers:* ${codesText(w.reasonCodes)}; any other failing reason still fails it.`,
    `*Why:* ${literal(w.justification)}`,
    ...(w.ticket ? [`*Ticket:* ${literal(w.ticket)}`] : []),
  ].join('\n');
  const blocks: KnownBlock[] = [mrkdwnSection(head), mrkdwnSection(body), mrkdwnContext(`${statusLine(w, now)}${w.status === 'pending_approval' ? ` Approvers: ${approvers}.` : ''} Waiver ${w.id}.`)];
  const buttons = decisionButtons(w, now);
  if (buttons) blocks.push(buttons);
  return { text: truncate(`Waiver request for ${w.transformName} until ${endDay(w)}: ${w.status.replace('_', ' ')}`, LIMITS.fallbackText), blocks };
}

/** What the thread is told after a decision, a revoke or the end: the requester is mentioned, so they hear of it. */
export function renderWaiverNotice(w: Waiver): SlackMessage {
  const text = `${mention(w.requestedBy).text} ${noticeText(w, `*${literal(w.transformName)}*`)}`;
  return { text: truncate(text.replace(/[*`]/g, ''), LIMITS.fallbackText), blocks: [mrkdwnSection(text)] };
}

function noticeText(w: Waiver, name: string): string {
  switch (w.status) {
    case 'active':
      return `The waiver of ${name} is *approved* by ${mention(w.decidedBy ?? '').text}: it shows as WAIVED until ${endDay(w)} for ${codesText(w.reasonCodes)}.`;
    case 'rejected':
      return `The waiver of ${name} was ${w.decidedBy === w.requestedBy ? 'withdrawn' : `*rejected* by ${mention(w.decidedBy ?? '').text}`}; it stays FAIL.`;
    case 'revoked':
      return `The waiver of ${name} was ${w.endNote ? `ended (${literal(w.endNote)})` : `*revoked* by ${mention(w.revokedBy ?? '').text}`}; it counts as FAIL again.`;
    case 'expired':
      return w.decidedBy
        ? `The waiver of ${name} *expired* at the end of ${endDay(w)}: the transform counts as FAIL again. Remediate it, or ask for a new waiver from the next check.`
        : `The request to waive ${name} *expired*: nobody approved it in time (by ${utcMinute(decisionDeadline(w))}). Ask again if the risk is still accepted.`;
    case 'pending_approval':
      return `The waiver request of ${name} is waiting for approval.`;
  }
}

/** /glue-encrypt waivers: those in force and waiting (or every one, with `all`), newest first. */
export function renderWaiverList(waivers: readonly Waiver[], now: Date, all: boolean): SlackMessage {
  const open = waivers.filter((w) => standing(w, now) !== 'over');
  const shown = all ? waivers : open;
  const MAX = 20;
  if (shown.length === 0) {
    const text = all ? 'No waivers have been asked for.' : 'No accepted risks are in force or waiting for approval. `/glue-encrypt waivers --all` lists the ended ones too.';
    return { text, blocks: [mrkdwnSection(text)] };
  }
  const blocks: KnownBlock[] = [mrkdwnSection(`*Accepted risks (waivers):* ${plural(open.filter((w) => w.status === 'active').length, 'in force')}, ${plural(open.filter((w) => w.status === 'pending_approval').length, 'waiting', 'waiting')}${all ? `, ${plural(waivers.length - open.length, 'ended', 'ended')}` : ''}.`)];
  for (const w of shown.slice(0, MAX)) {
    const where = standing(w, now);
    const state = where === 'in_force' ? `WAIVED until ${endDay(w)}, approved by ${mention(w.decidedBy ?? '').text}` : where === 'waiting' ? `waiting for approval (until ${endDay(w)}; decide by ${utcMinute(decisionDeadline(w))})` : statusLine(w, now);
    const text = `*${literal(w.transformName)}* (\`${literal(w.transformId)}\`, ${w.accountId} · ${w.region}): ${state}\n${codesText(w.reasonCodes)} · asked by ${mention(w.requestedBy).text}${w.ticket ? ` · ticket ${literal(w.ticket)}` : ''}\n“${literal(truncate(w.justification, 200))}”`;
    blocks.push(mrkdwnSection(text));
    // The same buttons as the request's own message, so a request whose message could not be posted can still be decided.
    const buttons = decisionButtons(w, now);
    if (buttons) blocks.push(buttons);
  }
  if (shown.length > MAX) blocks.push(mrkdwnContext(`…and ${plural(shown.length - MAX, 'more waiver')}; the audit trail in \`/glue-encrypt report\` has every one.`));
  return { text: truncate(`${plural(open.length, 'waiver')} in force or waiting`, LIMITS.fallbackText), blocks };
}
