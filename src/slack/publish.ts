// Delivers rendered messages to a channel. The first goes to the channel, the rest as
// replies in its thread so a large result stays one conversation. When the bot is not in
// the channel (a private one, say) the slash command's response_url still reaches it.
import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from './views/blocks.js';

const NOT_REACHABLE = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

export interface Delivery {
  via: 'chat.postMessage' | 'response_url';
  channel?: string;
  ts?: string;
}

function slackErrorCode(err: unknown): string | undefined {
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

export async function publish(
  web: WebClient,
  channel: string,
  messages: SlackMessage[],
  responseUrl?: string,
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
    for (const m of messages) {
      await postToResponseUrl(responseUrl, { response_type: 'in_channel', text: m.text, blocks: m.blocks });
    }
    return { via: 'response_url' };
  }
}
