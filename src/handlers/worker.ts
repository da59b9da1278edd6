// Lambda entry point for work the Slack handler hands off (invoked asynchronously): checks,
// remediation plans, history, status and message updates after a decision; and, on a schedule, the expiry sweep. Thin: validate the job, call the use case.
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, requiredSetting, type AppConfig } from '../config.js';
import { accountAccess } from '../remediation/accountAccess.js';
import { remediationServices } from '../remediation/runtime.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WebClient } from '@slack/web-api';
import { SnapshotStore } from '../digests/snapshotStore.js';
import { SubscriptionStore } from '../digests/subscriptionStore.js';
import { RemediationStore } from '../remediation/store.js';
import { runCheckJob } from '../slack/checkJob.js';
import { runHomeJob } from '../slack/homeJob.js';
import { runReportJob } from '../slack/reportJob.js';
import { runExpirySweep } from '../slack/expiryJob.js';
import { workerJobSchema } from '../slack/jobs.js';
import { runHistoryJob, runNotifyJob, runPlanJob, runReplanJob, runStatusJob } from '../slack/remediationJobs.js';
import { loadBotToken } from '../slack/secrets.js';
import { requestMessages } from '../slack/requestMessages.js';
import { webClient } from '../slack/webClient.js';
import { runWaiverJob, runWaiverSweep } from '../slack/waiverJobs.js';
import { WaiverStore } from '../waivers/store.js';
import { waiversEnabled } from '../waivers/source.js';
import { AuditLog } from '../audit/auditLog.js';

const logger = new Logger({ serviceName: 'glue-encrypt-worker' });

export async function handleWorkerEvent(event: unknown, config: AppConfig): Promise<{ ok: boolean; error?: string }> {
  const parsed = workerJobSchema.safeParse(event);
  if (!parsed.success) {
    // Nothing to answer: this payload did not come from our Slack handler.
    logger.error('Refused a malformed worker job', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return { ok: false, error: 'malformed job' };
  }
  const job = parsed.data;
  const web = webClient(config, await loadBotToken(config.slack));
  if (job.kind === 'check') {
    await runCheckJob(job, { config, web, logger });
    return { ok: true };
  }
  if (job.kind === 'report') {
    await runReportJob(job, { config, web, logger });
    return { ok: true };
  }
  if (job.kind === 'waiver') {
    await runWaiverJob(job, waiverDeps(config, web));
    return { ok: true };
  }
  if (job.kind === 'home') {
    await runHomeJob(job, homeDeps(config, web));
    return { ok: true };
  }
  const deps = { config, web, logger, runtime: { ...remediationServices(config, requestMessages(web)), ...accountAccess(config, 'read') } };
  switch (job.kind) {
    case 'plan':
      await runPlanJob(job, deps);
      break;
    case 'replan':
      await runReplanJob(job, deps);
      break;
    case 'history':
      await runHistoryJob(job, deps);
      break;
    case 'status':
      await runStatusJob(job, deps);
      break;
    case 'notify':
      await runNotifyJob(job, deps);
      break;
    case 'sweep':
      await runExpirySweep(deps);
      // Waivers end on their day whether or not remediation is set up.
      if (waiversEnabled(config)) await runWaiverSweep(waiverDeps(config, web));
      break;
  }
  return { ok: true };
}

function waiverDeps(config: AppConfig, web: WebClient) {
  const dynamo = new DynamoDBClient({});
  const purpose = 'waivers cannot be kept';
  return {
    config,
    web,
    logger,
    store: new WaiverStore(dynamo, requiredSetting(config.tables.state, 'GLUE_ENCRYPT_STATE_TABLE', purpose)),
    audit: new AuditLog(dynamo, requiredSetting(config.tables.audit, 'GLUE_ENCRYPT_AUDIT_TABLE', purpose)),
  };
}

/** What the Home tab reads; without the digests' tables it shows no scan. */
function homeDeps(config: AppConfig, web: WebClient) {
  const dynamo = new DynamoDBClient({});
  const purpose = 'the Home tab cannot be shown';
  const state = requiredSetting(config.tables.state, 'GLUE_ENCRYPT_STATE_TABLE', purpose);
  const remediations = new RemediationStore(dynamo, state);
  return {
    config,
    web,
    logger,
    snapshots: SnapshotStore.fromConfig(dynamo, config, purpose),
    subscriptions: new SubscriptionStore(dynamo, state),
    inFlight: () => remediations.inFlight(),
    ...(waiversEnabled(config) ? { waivers: () => new WaiverStore(dynamo, state).all() } : {}),
  };
}

export const handler = async (event: unknown): Promise<{ ok: boolean; error?: string }> => handleWorkerEvent(event, loadConfig());
