import { WebClient } from '@slack/web-api';
import type { AppConfig } from '../config.js';

/**
 * The bot's Web API client; SLACK_API_URL points it at a stand-in when set. Every request is
 * bounded in time. `workflow` clients (the advance function) give up on a rate limit at once:
 * a progress update is not worth a step's time budget, and the next step updates the message.
 */
export function webClient(config: AppConfig, token: string, use: 'worker' | 'workflow' = 'worker'): WebClient {
  return new WebClient(token, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    timeout: 10_000,
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    rejectRateLimitedCalls: use === 'workflow',
  });
}
