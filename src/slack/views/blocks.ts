// Small Block Kit helpers shared by the views: the message type, Slack's limits, mrkdwn
// escaping and length-safe truncation.

import type { Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';

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

const ZERO_WIDTH_SPACE = '\u200B';

/** Looks like a backtick but never opens inline code (U+02CB MODIFIER LETTER GRAVE ACCENT). */
const BACKTICK_LOOKALIKE = '\u02CB';

/**
 * Keeps text from outside the bot (a transform name, an AWS message) from formatting. Slack has
 * no escape for `*`, `_` and `~`, but it only treats them as markup at a word boundary, so a
 * zero-width space on each side of one that could be at a boundary makes it literal; one after
 * a colon that starts a word stops an `:emoji:` code from forming. The space is invisible, and
 * the command parser drops it, so a name copied from Slack into a command still matches. A
 * backtick, which may open code even inside a word, becomes a look-alike. Does not escape &, <
 * and > (see `literal`).
 */
export function unformatted(text: string): string {
  return (
    text
      // Between two letters or digits a marker never opens or closes (customer_dedupe_v2 stays as typed).
      .replace(/[*_~]/g, (c, at: number, all: string) => (/[\p{L}\p{N}]/u.test(all[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(all[at + 1] ?? '') ? c : `${ZERO_WIDTH_SPACE}${c}${ZERO_WIDTH_SPACE}`))
      // An :emoji: code after a letter or digit (arn:aws:kms:…) is left as it is; one at a word start is broken.
      // (Before the backtick becomes its look-alike, which counts as a letter.)
      .replace(/(^|[^\p{L}\p{N}]):(?=[\w+'-]+:)/gu, `$1:${ZERO_WIDTH_SPACE}`)
      .replaceAll('`', BACKTICK_LOOKALIKE)
  );
}

/** Text from outside the bot, shown in mrkdwn or a `text` fallback exactly as written: no mention, link, emoji or formatting can form. */
export function literal(text: string): string {
  return escapeMrkdwn(unformatted(text));
}

/** Inline code, where Slack formats nothing; a value with a backtick (which would end the code early) is shown as `literal` text instead. */
export function code(text: string): string {
  return text.includes('`') ? literal(text) : `\`${escapeMrkdwn(text)}\``;
}

/** mrkdwn the bot composed, with any outside values already made literal: views insert it as it is. */
export class Mrkdwn {
  constructor(readonly text: string) {}
}

/**
 * mrkdwn from a template: the template's own text is markup, each value is shown `literal`ly
 * unless it is Mrkdwn already (a mention, a time).
 */
export function mrkdwn(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number | Mrkdwn>): Mrkdwn {
  return new Mrkdwn(strings.reduce((out, part, i) => {
    if (i === 0) return part;
    const value = values[i - 1]!;
    return out + (value instanceof Mrkdwn ? value.text : literal(String(value))) + part;
  }, ''));
}

/** A Slack user ID (U… or W…), the only thing the bot writes inside `<@…>`. */
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** A mention of a Slack user by ID; anything that is not a user ID is shown as text. */
export function mention(userId: string): Mrkdwn {
  return new Mrkdwn(USER_ID.test(userId) ? `<@${userId}>` : literal(userId));
}

/**
 * Outside text shown `literal`ly except mentions of the given users (IDs the bot knows, such as
 * who decided a request), which a use case may write as `<@U…>`.
 */
export function literalExceptMentions(text: string, userIds: ReadonlyArray<string | undefined>): Mrkdwn {
  let out = literal(text);
  for (const id of userIds) if (id && USER_ID.test(id)) out = out.replaceAll(`&lt;@${id}&gt;`, `<@${id}>`);
  return new Mrkdwn(out);
}

/** Undoes `unformatted`, for the terminal and for tests that read what a person sees. */
export function withoutZeroWidthSpaces(text: string): string {
  return text.replaceAll(ZERO_WIDTH_SPACE, '');
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
    // verbatim: no auto-linking of bare URLs, #channel names or @here in text the bot did not mark up.
    text: { type: 'mrkdwn', verbatim: true, text: truncate(text, LIMITS.sectionText) },
    ...(accessory ? { accessory } : {}),
  };
}

/** A context block of one mrkdwn element, verbatim like every section (see mrkdwnSection). */
export function mrkdwnContext(text: string): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', verbatim: true, text: truncate(text, LIMITS.sectionText) }] };
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
