// The check use case behind /glue-encrypt check: scan, render, post to the channel (and the
// findings channel), and record that it happened. Failures become a message the requester
// can act on, never a stack trace in the channel.
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WebClient } from '@slack/web-api';
import { AuditLog } from '../audit/auditLog.js';
import { summarize } from '../checks/evaluate.js';
import type { AppConfig } from '../config.js';
import { runScan } from '../inventory/scan.js';
import type { ScanResult } from '../inventory/types.js';
import type { CheckJob } from './jobs.js';
import { publish, slackErrorCode, tellRequester } from './publish.js';
import { remediationEnabled } from './remediationListeners.js';
import { renderScan } from './views/findings.js';
import { renderFailure } from './views/notice.js';

export interface CheckJobDeps {
  config: AppConfig;
  web: WebClient;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
}

export async function runCheckJob(job: CheckJob, deps: CheckJobDeps): Promise<ScanResult | undefined> {
  const { config, web, logger } = deps;
  let result: ScanResult;
  try {
    result = await runScan(job.request, {
      scope: config.scope,
      policy: config.policy,
      concurrency: config.concurrency,
      maxAttempts: config.maxAttempts,
      pageSize: config.pageSize,
      // From Slack, only the regions the bot is set up for.
      allowedRegions: config.scope.regions,
    });
  } catch (err) {
    logger.error('Check failed', err as Error);
    await tellRequester(
      web,
      logger,
      job,
      renderFailure('The check could not run.', `${(err as Error).name}: ${(err as Error).message.split('\n')[0]}`, 'Try again; if it keeps failing, ask whoever deployed glue-encrypt to look at the worker logs.'),
    );
    return undefined;
  }

  // Remediate buttons only where the workflow is deployed: a button that cannot act is noise.
  const messages = renderScan(result, { remediate: remediationEnabled(config) });
  try {
    await publish(web, job.channelId, messages, job.responseUrl);
  } catch (err) {
    logger.error('Could not post findings', err as Error);
    const code = slackErrorCode(err) ?? (err as Error).name;
    await tellRequester(
      web,
      logger,
      job,
      renderFailure('I checked, but could not post the findings in this channel.', `Slack said: ${code}.`, 'Invite the bot to the channel (/invite @glue-encrypt) and run the check again.'),
    );
  }
  // The findings channel gets the posture (full-scope checks), not every narrowed ad-hoc check.
  const findingsChannel = config.slack.findingsChannel;
  const fullScope = !job.request.transform && !job.request.regions && !job.request.accounts;
  if (findingsChannel && findingsChannel !== job.channelId && fullScope) {
    await publish(web, findingsChannel, messages).catch((err: unknown) =>
      logger.warn('Could not post to the findings channel', { error: (err as Error).message, findingsChannel }),
    );
  }

  if (config.tables.audit) {
    const counts = summarize(result.findings);
    await new AuditLog(new DynamoDBClient({}), config.tables.audit)
      .append({
        type: 'check.completed',
        actor: job.userId,
        teamId: job.teamId,
        outcome: 'info',
        channel: job.channelId,
        detail: JSON.stringify({ request: job.request, counts, scopeErrors: result.scopeErrors.length }),
      })
      .catch((err: unknown) => logger.error('Could not write the audit event', err as Error));
  }
  return result;
}
