// Builds API Gateway HTTP API (payload v2) events exactly as Slack's requests arrive on
// Lambda: form-encoded, base64 body, signed with the signing secret (v0 HMAC-SHA256).
import { createHmac } from 'node:crypto';
import type { AwsEventV2 } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';

export interface SignOptions {
  signingSecret: string;
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
  /** Leave the signature headers off (to test refusals). */
  unsigned?: boolean;
  /** Send the body as plain text rather than base64. */
  plainBody?: boolean;
}

export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function signedEvent(body: string, options: SignOptions, contentType = 'application/x-www-form-urlencoded'): AwsEventV2 {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (!options.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = slackSignature(options.signingSecret, timestamp, body);
  }
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers,
    requestContext: { http: { method: 'POST', path: '/slack/events' }, timeEpoch: timestamp * 1000 },
    body: options.plainBody ? body : Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: !options.plainBody,
  };
}

export interface SlashCommandFields {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  teamId?: string;
  responseUrl?: string;
  command?: string;
}

export function slashCommandBody(f: SlashCommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: f.teamId ?? 'T0SANDBOX',
    team_domain: 'sandbox',
    channel_id: f.channelId ?? 'C0SECURITY',
    channel_name: 'security',
    user_id: f.userId ?? 'U0ALICE',
    user_name: f.userName ?? 'alice',
    command: f.command ?? '/glue-encrypt',
    text: f.text,
    api_app_id: 'A0GLUEENC',
    response_url: f.responseUrl ?? 'https://hooks.slack.com/commands/T0SANDBOX/1/none',
    trigger_id: `${Date.now()}.1.sandbox`,
  }).toString();
}

export function signedSlashCommand(f: SlashCommandFields, options: SignOptions): AwsEventV2 {
  return signedEvent(slashCommandBody(f), options);
}

/** An interactive payload (button click), form-encoded as `payload=<json>`. */
export function signedInteraction(payload: Record<string, unknown>, options: SignOptions): AwsEventV2 {
  return signedEvent(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);
}

/** An Events API delivery (JSON, `event_callback`), e.g. app_home_opened, signed like Slack's. */
export function signedEventCallback(event: Record<string, unknown>, envelope: { teamId: string; apiAppId?: string }, options: SignOptions): AwsEventV2 {
  const body = JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: envelope.teamId,
    api_app_id: envelope.apiAppId ?? 'A0GLUEENC',
    event: { event_ts: `${Date.now() / 1000}`, ...event },
    type: 'event_callback',
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: envelope.teamId, is_bot: true }],
  });
  return signedEvent(body, options, 'application/json');
}
