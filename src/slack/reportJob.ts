// /glue-encrypt report: the findings of a fresh scan of the whole estate and the audit trail of
// the period, uploaded to the channel as one file that says when it was made, by whom and from
// which scan. Refusals (no files:write, the bot not in the channel) are told to the requester.
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WebClient } from '@slack/web-api';
import { AuditLog, auditEventsSince } from '../audit/auditLog.js';
import type { AppConfig } from '../config.js';
import { evidenceCsv } from '../evidence/csv.js';
import { buildEvidence } from '../evidence/report.js';
import { runScan, scanOptionsFrom } from '../inventory/scan.js';
import { waiverSource } from '../waivers/source.js';
import type { ReportJob } from './jobs.js';
import { slackErrorCode, tellRequester } from './publish.js';
import { mention } from './views/blocks.js';
import { renderFailure } from './views/notice.js';

export async function runReportJob(job: ReportJob, deps: { config: AppConfig; web: WebClient; logger: Pick<Logger, 'error' | 'warn'> }): Promise<void> {
  const { config, web, logger } = deps;
  const fail = (what: string, why: string, todo: string) => tellRequester(web, logger, job, renderFailure(what, why, todo));
  if (!config.tables.audit) return fail('I could not make the report.', 'No audit table is configured (GLUE_ENCRYPT_AUDIT_TABLE).', 'Ask whoever deployed glue-encrypt.');
  const audit = new AuditLog(new DynamoDBClient({}), config.tables.audit);
  let body: string;
  let summary: string;
  const now = new Date();
  try {
    const [scan, events] = await Promise.all([
      runScan({}, { ...scanOptionsFrom(config), waivers: waiverSource(config) }),
      auditEventsSince(audit, job.since, now),
    ]);
    const report = buildEvidence({ scan, audit: events, generatedAt: now, generatedBy: job.userId, since: job.since });
    body = job.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : evidenceCsv(report);
    summary = `Evidence report made ${report.generatedAt} by ${mention(job.userId).text} from the scan of ${report.scan.startedAt}: ${report.findings.length} transforms, ${report.auditEvents.length} audit events since ${job.since}.`;
  } catch (err) {
    logger.error('Could not make the evidence report', err as Error);
    return fail('I could not make the report.', `${(err as Error).name}: ${(err as Error).message.split('\n')[0]}`, 'Try again; if it keeps failing, look at the worker logs.');
  }
  const day = now.toISOString().slice(0, 10);
  try {
    await web.files.uploadV2({
      channel_id: job.channelId,
      filename: `glue-encrypt-evidence-${day}.${job.format}`,
      title: `glue-encrypt evidence ${day}`,
      content: body,
      initial_comment: summary,
    });
  } catch (err) {
    const code = slackErrorCode(err) ?? (err as Error).name;
    logger.warn('Could not upload the evidence report', { error: code });
    return fail(
      'I made the report but could not upload it here.',
      `Slack said: ${code}.`,
      code === 'missing_scope' ? 'Ask whoever manages the Slack app to add files:write (manifest.yml has it) and reinstall it; meanwhile run glue-encrypt report from the CLI.' : 'Invite the bot to the channel (/invite @glue-encrypt) and ask again, or run glue-encrypt report from the CLI.',
    );
  }
  await audit
    .append({ type: 'report.exported', actor: job.userId, teamId: job.teamId, channel: job.channelId, outcome: 'succeeded', detail: JSON.stringify({ since: job.since, format: job.format }) })
    .catch((err: unknown) => logger.error('Could not audit the report', err as Error));
}
