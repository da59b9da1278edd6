// Small Block Kit helpers shared by the views: the message type, Slack's limits, mrkdwn
// escaping and length-safe truncation.

import type { Button, KnownBlock, SectionBlock } from '@slack/types';

/** A message ready for chat.postMessage / chat.update / respond(): `text` is the notification fallback. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Block Kit limits (https://docs.slack.dev/reference/block-kit). */
export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  /** Slack truncates `text` beyond 40,000 characters; notifications show far less. */
  fallbackText: 4000,
} as const;

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An ISO timestamp to the minute, as people read it: "2026-11-28 09:32 UTC". */
export function utcMinute(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * A time as each reader's Slack shows it, in their own time zone ("Dec 2nd, 2026 9:32 AM"),
 * with the UTC minute as the fallback for clients (and the terminal) that cannot format it.
 */
export function slackTime(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return utcMinute(iso);
  return `<!date^${seconds}^{date_short_pretty} {time}|${utcMinute(iso)}>`;
}

/** Undoes escapeMrkdwn, as Slack escapes &, < and > in slash-command text and message text. */
export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Shortens text to at most `max` characters, ending with "…" when cut. Never cuts an HTML
 * entity (`&amp;`) or a surrogate pair in half, so escaped text stays valid.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  // Do not split a surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  // Do not split an entity: if an "&" within the last few characters has no ";" before the cut, cut before it.
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp !== -1 && cut - amp < 6 && !text.slice(amp, cut).includes(';')) cut = amp;
  return `${text.slice(0, cut)}…`;
}

export function mrkdwnSection(text: string, accessory?: Button): SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
    ...(accessory ? { accessory } : {}),
  };
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
