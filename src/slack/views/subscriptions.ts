// What the bot says about a channel's digest subscriptions.
import { describeSubscription } from '../../digests/manageSubscriptions.js';
import type { Subscription } from '../../digests/types.js';
import { LIMITS, Mrkdwn, mention, mrkdwn, mrkdwnContext, mrkdwnSection, slackTime, truncate, type SlackMessage } from './blocks.js';

/** A time each reader's Slack shows in their own zone (markup the bot writes, not a value to escape). */
const when = (iso: string) => new Mrkdwn(slackTime(iso));

function line(s: Subscription): string {
  const last = s.lastDigestAt ? mrkdwn`last ${when(s.lastDigestAt)}` : new Mrkdwn('no digest yet');
  const error = s.lastError ? mrkdwn` · :warning: last attempt failed (${s.lastError})` : new Mrkdwn('');
  return mrkdwn`\`${s.id}\` ${describeSubscription(s)} · next ${when(s.nextDueAt)} · ${last}${error}`.text;
}

/** In the channel: everyone there should know a digest will now arrive, and who set it up. */
export function renderSubscribed(s: Subscription): SlackMessage {
  const text = mrkdwn`${mention(s.createdBy)} subscribed this channel to a glue-encrypt digest (${s.id}): ${describeSubscription(s)}. First one ${when(s.nextDueAt)}.`.text;
  return {
    text: truncate(text, LIMITS.fallbackText),
    blocks: [mrkdwnSection(`:calendar: ${text}`), mrkdwnContext('Stop it with `/glue-encrypt unsubscribe`; see all with `/glue-encrypt subscriptions`.')],
  };
}

export function renderUnsubscribed(s: Subscription, by: string): SlackMessage {
  const text = mrkdwn`${mention(by)} stopped this channel's glue-encrypt digest ${s.id} (${describeSubscription(s)}).`.text;
  return { text: truncate(text, LIMITS.fallbackText), blocks: [mrkdwnSection(text)] };
}

export function renderSubscriptionList(subscriptions: Subscription[]): SlackMessage {
  if (subscriptions.length === 0) {
    const text = 'This channel has no glue-encrypt digests. Start one with `/glue-encrypt subscribe daily 09:00 --tz Europe/Paris`.';
    return { text, blocks: [mrkdwnSection(text)] };
  }
  const text = `This channel's glue-encrypt digests (${subscriptions.length}):`;
  return { text, blocks: [mrkdwnSection(`*${text}*\n${subscriptions.map(line).join('\n')}`)] };
}
