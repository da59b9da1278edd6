// The check use case behind /glue-encrypt check: scan, render, post to the channel (and the
// findings channel), and record that it happened. Failures become a message the requester
// can act on, never a stack trace in the channel.
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WebClient } from '@slack/web-api';
import { AuditLog } from '../audit/auditLog.js';
import { summarize } from '../checks/evaluate.js';
import type { AppConfig } from '../config.js';
import { recordFindings } from '../operations/metrics.js';
import { runScan, scanOptionsFrom } from '../inventory/scan.js';
import { waiverSource, waiversEnabled } from '../waivers/source.js';
import type { ScanResult } from '../inventory/types.js';
import type { CheckJob } from './jobs.js';
import { publish, slackErrorCode, tellRequester, type Delivery } from './publish.js';
import { remediationEnabled } from './remediationListeners.js';
import { findingsCsv } from '../report/findingsCsv.js';
import { renderScanPages } from './views/findings.js';
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
      ...scanOptionsFrom(config),
      waivers: waiverSource(config),
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

  // A check of the whole estate (no transform, region or account named) is the posture: only it
  // goes to the findings channel and into the Findings metric.
  const fullScope = !job.request.transform && !job.request.regions && !job.request.accounts;
  if (fullScope) recordFindings(summarize(result.findings));
  // Remediate buttons only where the workflow is deployed: a button that cannot act is noise.
  const remediate = remediationEnabled(config);
  const { messages, unlisted } = renderScanPages(result, { remediate, acceptRisk: waiversEnabled(config), fullListInThread: true });
  // Through response_url (the bot not in the channel) there is no thread for a file: point to the CLI there.
  const withoutThread = unlisted > 0 ? renderScanPages(result, { remediate, acceptRisk: waiversEnabled(config) }).messages : messages;
  try {
    const delivery = await publish(web, job.channelId, messages, job.responseUrl, withoutThread);
    if (unlisted > 0 && delivery.via === 'chat.postMessage') await attachFullList(deps, job, result, delivery);
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
  if (findingsChannel && findingsChannel !== job.channelId && fullScope) {
    await publish(web, findingsChannel, messages)
      .then((delivery) => (unlisted > 0 ? attachFullList(deps, { ...job, channelId: findingsChannel, responseUrl: undefined }, result, delivery) : undefined))
      .catch((err: unknown) => logger.warn('Could not post to the findings channel', { error: (err as Error).message, findingsChannel }));
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

/**
 * Findings that did not fit in the messages, as a CSV file in the first message's thread. When
 * Slack refuses the file (no files:write scope, the bot not in the channel), the requester is
 * told what to do; the messages already posted stay.
 */
async function attachFullList(deps: CheckJobDeps, job: CheckJob, result: ScanResult, delivery: Delivery): Promise<void> {
  const { web, logger } = deps;
  const day = result.finishedAt.toISOString().slice(0, 10);
  const why = async (code: string) =>
    tellRequester(
      web,
      logger,
      job,
      renderFailure(
        'I could not attach the CSV file with every finding.',
        `Slack said: ${code}.`,
        code === 'missing_scope'
          ? 'Ask whoever manages the Slack app to add the files:write scope (manifest.yml has it) and reinstall it; meanwhile run glue-encrypt check --json from the CLI.'
          : 'Invite the bot to the channel (/invite @glue-encrypt) and run the check again, or run glue-encrypt check --json from the CLI.',
      ),
    );
  if (!delivery.ts || !delivery.channel) return why('not_in_channel');
  try {
    await web.files.uploadV2({
      channel_id: delivery.channel,
      thread_ts: delivery.ts,
      filename: `glue-encrypt-findings-${day}.csv`,
      title: `glue-encrypt findings ${day} (${result.findings.length} transforms)`,
      content: findingsCsv(result),
      initial_comment: `Every finding of this check: ${result.findings.length} transforms, one row each.`,
    });
  } catch (err) {
    logger.warn('Could not attach the findings CSV', { error: slackErrorCode(err) ?? (err as Error).message });
    await why(slackErrorCode(err) ?? (err as Error).name);
  }
}
