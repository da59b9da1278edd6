// What the Accept-risk form may hold. Checked here, not only by Slack's own input limits: a
// submission is a request anyone could replay with other values, and a bad one stores nothing.

import { DAY_MS, isUtcDay, utcDay } from '../utcDays.js';

export interface WaiverFormInput {
  reason?: string | null;
  /** YYYY-MM-DD, as Slack's date picker sends it. */
  expiryDate?: string | null;
  ticket?: string | null;
}

export interface WaiverForm {
  justification: string;
  expiresAt: string;
  ticket?: string;
}

/** The form's field names, which are also its input block IDs: Slack shows an error under the field it names. */
export type WaiverField = 'reason' | 'expiry' | 'ticket';

export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 1000;
export const TICKET_MAX = 100;

export type FormOutcome = { ok: true; form: WaiverForm } | { ok: false; errors: Partial<Record<WaiverField, string>> };

/** The last day a waiver requested `now` may run to. */
export function latestExpiryDay(now: Date, maxDays: number): string {
  return utcDay(new Date(now.getTime() + maxDays * DAY_MS));
}

export function validateWaiverForm(input: WaiverFormInput, now: Date, maxDays: number): FormOutcome {
  const errors: Partial<Record<WaiverField, string>> = {};
  const justification = (input.reason ?? '').trim();
  if (justification.length === 0) errors.reason = 'Say why this risk is accepted: an auditor will read it.';
  else if (justification.length < JUSTIFICATION_MIN) errors.reason = `Say a little more (at least ${JUSTIFICATION_MIN} characters): an auditor will read it.`;
  else if (justification.length > JUSTIFICATION_MAX) errors.reason = `At most ${JUSTIFICATION_MAX} characters.`;

  const date = input.expiryDate ?? '';
  const latest = latestExpiryDay(now, maxDays);
  if (!date) errors.expiry = 'Pick the day the waiver ends.';
  else if (!isUtcDay(date)) errors.expiry = `"${date}" is not a date.`;
  else if (date <= utcDay(now)) errors.expiry = `Pick a day after today (${utcDay(now)}, UTC): a waiver cannot end in the past.`;
  else if (date > latest) errors.expiry = `A waiver may run at most ${maxDays} days: pick ${latest} or earlier.`;

  const ticket = (input.ticket ?? '').trim();
  if (ticket.length > TICKET_MAX) errors.ticket = `At most ${TICKET_MAX} characters.`;
  else if (/[\n\r<>]/.test(ticket)) errors.ticket = 'One line, without < or >: a ticket key or a link.';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, form: { justification, expiresAt: `${date}T23:59:59.999Z`, ...(ticket ? { ticket } : {}) } };
}
