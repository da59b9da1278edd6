// Delivers rendered messages to a channel. The first goes to the channel, the rest as
// replies in its thread so a large result stays one conversation. When the bot is not in
// the channel (a private one, say) the slash command's response_url still reaches it.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from './views/blocks.js';

const NOT_REACHABLE = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

export interface Delivery {
  via: 'chat.postMessage' | 'response_url';
  channel?: string;
  ts?: string;
}

/** The error code Slack's Web API answered (`not_in_channel`, ...), when `err` came from it. */
export function slackErrorCode(err: unknown): string | undefined {
  return (err as { data?: { error?: string } }).data?.error;
}

export async function postToResponseUrl(responseUrl: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
}

/** Who asked, and where to answer them. */
export interface Requester {
  channelId: string;
  userId: string;
  responseUrl?: string;
}

/**
 * An ephemeral answer to the person who asked: through the response_url when there is one (it
 * reaches channels the bot is not in), else chat.postEphemeral. A failure is logged, not thrown.
 */
export async function tellRequester(web: WebClient, logger: Pick<Logger, 'error'>, requester: Requester, message: SlackMessage): Promise<void> {
  try {
    if (requester.responseUrl) await postToResponseUrl(requester.responseUrl, { response_type: 'ephemeral', replace_original: false, ...message });
    else await web.chat.postEphemeral({ channel: requester.channelId, user: requester.userId, text: message.text, blocks: message.blocks });
  } catch (err) {
    logger.error('Could not reach the requester', err as Error);
  }
}

export async function publish(
  web: WebClient,
  channel: string,
  messages: SlackMessage[],
  responseUrl?: string,
  /** What to post through response_url instead, when it must say something else (no thread to point to there). */
  viaResponseUrl: SlackMessage[] = messages,
): Promise<Delivery> {
  const [first, ...rest] = messages;
  if (!first) return { via: 'chat.postMessage', channel };
  try {
    const posted = await web.chat.postMessage({ channel, text: first.text, blocks: first.blocks, unfurl_links: false });
    for (const m of rest) {
      await web.chat.postMessage({ channel, text: m.text, blocks: m.blocks, thread_ts: posted.ts });
    }
    return { via: 'chat.postMessage', channel: posted.channel ?? channel, ts: posted.ts };
  } catch (err) {
    const code = slackErrorCode(err);
    if (!responseUrl || !code || !NOT_REACHABLE.has(code)) throw err;
    // response_url allows five uses: enough for the capped number of messages.
    for (const m of viaResponseUrl) {
      await postToResponseUrl(responseUrl, { response_type: 'in_channel', text: m.text, blocks: m.blocks });
    }
    return { via: 'response_url' };
  }
}
