// The Slack signing secret and bot token: plain environment values locally and in tests,
// SSM Parameter Store SecureStrings on Lambda (cached by Powertools for SECRET_CACHE_SECONDS).
import type { SlackConfig } from '../config.js';
import { ConfigError } from '../config.js';

/** How long a secret read from SSM is trusted before it is read again. */
export const SECRET_CACHE_SECONDS = 300;

export interface LoadOptions {
  /** Read SSM now, past the cache (a signature check failed: the secret may have been rotated). */
  fresh?: boolean;
}

async function fromSsm(name: string, options: LoadOptions): Promise<string> {
  // Loaded lazily so local runs never pull in the SSM client.
  const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
  const value = await getParameter(name, { decrypt: true, maxAge: SECRET_CACHE_SECONDS, forceFetch: options.fresh ?? false });
  if (!value) throw new ConfigError(`SSM parameter ${name} is empty or missing`);
  return value;
}

async function resolve(plain: string | undefined, param: string | undefined, what: string, options: LoadOptions = {}): Promise<string> {
  if (plain) return plain;
  if (param) return fromSsm(param, options);
  throw new ConfigError(`No Slack ${what}: set ${what === 'signing secret' ? 'SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_PARAM' : 'SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_PARAM'}`);
}

export async function loadSigningSecret(slack: SlackConfig, options: LoadOptions = {}): Promise<string> {
  return resolve(slack.signingSecret, slack.signingSecretParam, 'signing secret', options);
}

/** Whether the signing secret can change under a running function (it comes from SSM, not the environment). */
export function signingSecretRotates(slack: SlackConfig): boolean {
  return !slack.signingSecret && Boolean(slack.signingSecretParam);
}

export async function loadBotToken(slack: SlackConfig): Promise<string> {
  return resolve(slack.botToken, slack.botTokenParam, 'bot token');
}
