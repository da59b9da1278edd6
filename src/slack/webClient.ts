import { WebClient } from '@slack/web-api';
import type { AppConfig } from '../config.js';

/** The bot's Web API client; SLACK_API_URL points it at a stand-in when set. */
export function webClient(config: AppConfig, token: string): WebClient {
  return new WebClient(token, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
  });
}
