// Lambda entry point for long work the Slack handler hands off (invoked asynchronously):
// runs a check and posts the findings. Thin: validate the job, call the use case.
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, type AppConfig } from '../config.js';
import { runCheckJob } from '../slack/checkJob.js';
import { workerJobSchema } from '../slack/jobs.js';
import { loadBotToken } from '../slack/secrets.js';
import { webClient } from '../slack/webClient.js';

const logger = new Logger({ serviceName: 'glue-encrypt-worker' });

export async function handleWorkerEvent(event: unknown, config: AppConfig): Promise<{ ok: boolean; error?: string }> {
  const parsed = workerJobSchema.safeParse(event);
  if (!parsed.success) {
    // Nothing to answer: this payload did not come from our Slack handler.
    logger.error('Refused a malformed worker job', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return { ok: false, error: 'malformed job' };
  }
  const web = webClient(config, await loadBotToken(config.slack));
  await runCheckJob(parsed.data, { config, web, logger });
  return { ok: true };
}

export const handler = async (event: unknown): Promise<{ ok: boolean; error?: string }> => handleWorkerEvent(event, loadConfig());
