// Lambda entry point for Slack (HTTP API, POST /slack/events): slash commands and buttons.
// Thin: normalise the HTTP event, verify it came from Slack (Bolt), call the listeners.
import type { AwsEvent, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, type AppConfig } from '../config.js';
import { recordAck } from '../operations/metrics.js';
import { createSlackApp } from '../slack/app.js';
import { LambdaDispatcher, type JobDispatcher } from '../slack/jobs.js';
import { loadBotToken, loadSigningSecret, SECRET_CACHE_SECONDS, signingSecretRotates } from '../slack/secrets.js';

type Handler = (event: AwsEvent, context: unknown) => Promise<AwsResponse>;

const logger = new Logger({ serviceName: 'glue-encrypt-slack' });

function header(headers: AwsEvent['headers'], name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/**
 * HTTP APIs base64-encode form posts; Bolt would decode them as ASCII and mangle UTF-8.
 * Decode here, and give Bolt the bare media type it compares against.
 */
export function normaliseEvent(event: AwsEvent): AwsEvent {
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const headers = { ...event.headers };
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === 'content-type') headers[key] = headers[key]?.split(';')[0]?.trim().toLowerCase();
  }
  return { ...event, body: body ?? '', headers, isBase64Encoded: false } as AwsEvent;
}

/**
 * A button click or form carries the person who did it; one without (a forged or damaged
 * payload) is refused before any listener could act on nobody's behalf.
 */
function interactionWithoutUser(body: string | null | undefined): boolean {
  const payload = new URLSearchParams(body ?? '').get('payload');
  if (payload === null) return false;
  try {
    const parsed = JSON.parse(payload) as { user?: { id?: unknown } };
    return typeof parsed.user?.id !== 'string' || parsed.user.id === '';
  } catch {
    return true;
  }
}

export async function buildSlackHandler(config: AppConfig, dispatcher?: JobDispatcher): Promise<Handler> {
  const [signingSecret, botToken] = await Promise.all([loadSigningSecret(config.slack), loadBotToken(config.slack)]);
  if (!dispatcher && !config.workerFunction) {
    throw new Error('GLUE_ENCRYPT_WORKER_FUNCTION is not set: the Slack handler has nowhere to send checks');
  }
  const jobs = dispatcher ?? new LambdaDispatcher(config.workerFunction!);
  const start = (secret: string) => createSlackApp({ config, signingSecret: secret, botToken, dispatcher: jobs, logger }).receiver.start();
  let current = { secret: signingSecret, handle: await start(signingSecret), checkedAt: Date.now() };

  /**
   * A signature that does not verify may mean the secret was rotated (Slack's "Regenerate"):
   * past the cache age, read it again, and if it changed, answer with the new one. At most one
   * read per cache age, so forged requests cannot make the function hammer SSM.
   */
  const afterBadSignature = async (event: AwsEvent, context: unknown): Promise<AwsResponse | undefined> => {
    if (!signingSecretRotates(config.slack) || Date.now() - current.checkedAt < SECRET_CACHE_SECONDS * 1000) return undefined;
    current.checkedAt = Date.now();
    const fresh = await loadSigningSecret(config.slack, { fresh: true }).catch((err: unknown) => {
      logger.error('Could not read the signing secret again', err as Error);
      return undefined;
    });
    if (!fresh || fresh === current.secret) return undefined;
    logger.info('The signing secret changed; using the new one');
    current = { secret: fresh, handle: await start(fresh), checkedAt: Date.now() };
    return current.handle(event, context);
  };

  return async (event, context) => {
    const started = performance.now();
    const normalised = normaliseEvent(event);
    try {
      return await answer(normalised, context);
    } finally {
      recordAck(kindOf(normalised.body), performance.now() - started);
    }
  };

  /** `event` normalised: its body decoded once, for the checks, Bolt and the metric alike. */
  async function answer(event: AwsEvent, context: unknown): Promise<AwsResponse> {
    // Unsigned requests stop here: they reach no listener and change nothing.
    if (!header(event.headers, 'x-slack-signature') || !header(event.headers, 'x-slack-request-timestamp')) {
      logger.warn('Refused a request without Slack signature headers');
      return { statusCode: 401, body: '' };
    }
    // Bolt refuses stale requests; Slack's guidance is five minutes either way, so future ones too.
    const sentAt = Number(header(event.headers, 'x-slack-request-timestamp'));
    if (!Number.isFinite(sentAt) || Math.abs(Date.now() / 1000 - sentAt) > 300) {
      logger.warn('Refused a request whose Slack timestamp is more than five minutes off');
      return { statusCode: 401, body: '' };
    }
    if (!header(event.headers, 'content-type')) return { statusCode: 400, body: 'Content-Type required' };
    if (interactionWithoutUser(event.body)) {
      logger.warn('Refused an interaction without a user');
      return { statusCode: 400, body: 'interaction without a user' };
    }
    try {
      let response = await current.handle(event, context);
      if (response.statusCode === 401) response = (await afterBadSignature(event, context)) ?? response;
      if (response.statusCode === 401) logger.warn('Refused a request with an invalid or stale Slack signature');
      return response;
    } catch (err) {
      logger.error('Slack request failed', err as Error);
      return { statusCode: 400, body: '' };
    }
  }
}

/** What Slack sent (the decoded body), for the ack-time metric: a slash command, a click or form, or something else. */
function kindOf(body: string | null | undefined): 'command' | 'interaction' | 'other' {
  const form = new URLSearchParams(body ?? '');
  if (form.has('payload')) return 'interaction';
  if (form.has('command')) return 'command';
  return 'other';
}

let cached: Promise<Handler> | undefined;

export const handler = async (event: AwsEvent, context: unknown): Promise<AwsResponse> => {
  cached ??= buildSlackHandler(loadConfig());
  // A failed start (bad config, SSM down) is not cached: the next request tries again.
  cached.catch(() => (cached = undefined));
  const h = await cached;
  return h(event, context);
};
