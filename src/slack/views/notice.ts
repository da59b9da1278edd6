// Short messages: progress notices and failures a person can act on.
// Both take plain text (mrkdwn markers like *bold* and `code` still work); &, < and > are
// escaped so text that came from a user or an AWS error can never become a link or a mention.

import { escapeMrkdwn, LIMITS, mrkdwnSection, truncate } from './blocks.js';
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
export function renderFailure(what: string, why: string, todo: string): SlackMessage {
  // Escaped so nothing a user typed becomes a link; user mentions the bot wrote stay mentions.
  const [w, y, t] = [what, why, todo].map((s) => escapeMrkdwn(s.trim()).replace(/&lt;@([UW][A-Z0-9]{2,})&gt;/g, '<@$1>'));
  return {
    text: truncate(`${w} ${y}`, LIMITS.fallbackText),
    blocks: [mrkdwnSection(`:warning: *${w}*\n${y}\n${t}`)],
  };
}
