import { WebClient } from '@slack/web-api';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AppConfig } from '../config.js';
import { slackLogger } from '../operations/boltLogger.js';
import { recordSlackRateLimited } from '../operations/metrics.js';

const operationsLogger = new Logger({ serviceName: 'glue-encrypt' });

/**
 * The Web API client's transport: fetch, counting Slack's 429 answers (the SlackRateLimited
 * metric, by method) whatever the client then does with them.
 */
export const countingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (response.status === 429) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    // Web API methods are /api/<method>; anything else (a file upload URL) counts as one name.
    const method = /\/api\/([\w.]+)$/.exec(new URL(url).pathname)?.[1];
    recordSlackRateLimited(method ?? 'file-upload');
  }
  return response;
};

/**
 * The bot's Web API client; SLACK_API_URL points it at a stand-in when set. Every request is
 * bounded in time. `workflow` clients (the advance function) give up on a rate limit at once:
 * a progress update is not worth a step's time budget, and the next step updates the message.
 * `notice` clients (the advance function's closing thread notice) wait out two rate limits at
 * most, which stays within that function's timeout.
 */
export function webClient(config: AppConfig, token: string, use: 'worker' | 'workflow' | 'notice' = 'worker'): WebClient {
  return new WebClient(token, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    fetch: countingFetch,
    logger: slackLogger(operationsLogger, 'slack-web-api'),
    timeout: 10_000,
    retryConfig: { retries: use === 'notice' ? 2 : 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    rejectRateLimitedCalls: use === 'workflow',
  });
}
