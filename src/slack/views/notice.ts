// Short messages: progress notices and failures a person can act on.
// Both take plain text (mrkdwn markers like *bold* and `code` still work); &, < and > are
// escaped so text that came from a user or an AWS error can never become a link or a mention.

import { escapeMrkdwn, literal, LIMITS, Mrkdwn, mrkdwnSection, truncate } from './blocks.js';
import type { SlackMessage } from './blocks.js';

/** A one-line notice, e.g. "Checking 2 regions… results will appear here." */
export function renderNotice(text: string): SlackMessage {
  const escaped = escapeMrkdwn(text);
  return { text: truncate(escaped, LIMITS.fallbackText), blocks: [mrkdwnSection(escaped)] };
}

/**
 * Something failed and a person can do something about it.
 * @param what what failed, as a sentence ("I could not start the check.")
 * @param why  the cause in plain words, with the AWS/Slack error code when there is one
 * @param todo what to do about it ("Invite the bot to the channel and run the check again.")
 */
export function renderFailure(what: string | Mrkdwn, why: string | Mrkdwn, todo: string | Mrkdwn): SlackMessage {
  // A string is escaped, so nothing a user typed becomes a link or a mention; the cause often
  // quotes AWS or Slack (and through them a transform name), so it is shown literally too.
  // Mentions and times the bot writes come as Mrkdwn.
  const [w, y, t] = [what, why, todo].map((s, i) =>
    s instanceof Mrkdwn ? s.text.trim() : i === 1 ? literal(s.trim()) : escapeMrkdwn(s.trim()),
  );
  return {
    text: truncate(`${w} ${y}`, LIMITS.fallbackText),
    blocks: [mrkdwnSection(`:warning: *${w}*\n${y}\n${t}`)],
  };
}
