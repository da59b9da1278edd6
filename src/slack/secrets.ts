// The Slack signing secret and bot token: plain environment values locally and in tests,
// SSM Parameter Store SecureStrings on Lambda (read once, cached by Powertools).
import type { SlackConfig } from '../config.js';
import { ConfigError } from '../config.js';

const CACHE_SECONDS = 300;

async function fromSsm(name: string): Promise<string> {
  // Loaded lazily so local runs never pull in the SSM client.
  const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
  const value = await getParameter(name, { decrypt: true, maxAge: CACHE_SECONDS });
  if (!value) throw new ConfigError(`SSM parameter ${name} is empty or missing`);
  return value;
}

async function resolve(plain: string | undefined, param: string | undefined, what: string): Promise<string> {
  if (plain) return plain;
  if (param) return fromSsm(param);
  throw new ConfigError(`No Slack ${what}: set ${what === 'signing secret' ? 'SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_PARAM' : 'SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_PARAM'}`);
}

export async function loadSigningSecret(slack: SlackConfig): Promise<string> {
  return resolve(slack.signingSecret, slack.signingSecretParam, 'signing secret');
}

export async function loadBotToken(slack: SlackConfig): Promise<string> {
  return resolve(slack.botToken, slack.botTokenParam, 'bot token');
}
