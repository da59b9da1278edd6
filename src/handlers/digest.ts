// Lambda entry point for the scan state machine's Slack-facing steps: which digests are due
// (first, so a run with nothing due scans nothing), and posting them (last).
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditLog } from '../audit/auditLog.js';
import { loadConfig, requiredSetting, type AppConfig } from '../config.js';
import { claimDue, type DueResult } from '../digests/due.js';
import { describeStepFailure, digestStepSchema, parseStep } from '../digests/jobs.js';
import { SnapshotStore } from '../digests/snapshotStore.js';
import { SubscriptionStore } from '../digests/subscriptionStore.js';
import { RemediationStore } from '../remediation/store.js';
import { runDigests, type DigestOutcome } from '../slack/digestJob.js';
import { remediationEnabled } from '../slack/remediationListeners.js';
import { waiversEnabled } from '../waivers/source.js';
import { loadBotToken } from '../slack/secrets.js';
import { webClient } from '../slack/webClient.js';

const logger = new Logger({ serviceName: 'glue-encrypt-digest' });

export async function handleDigestStep(event: unknown, config: AppConfig): Promise<DueResult | DigestOutcome> {
  const step = parseStep(digestStepSchema, event);
  const dynamo = new DynamoDBClient({});
  const subscriptions = new SubscriptionStore(dynamo, requiredSetting(config.tables.state, 'GLUE_ENCRYPT_STATE_TABLE', 'digests cannot run'));
  if (step.step === 'due') return claimDue(step.runId, step.trigger, { store: subscriptions, now: () => new Date() });

  const web = webClient(config, await loadBotToken(config.slack));
  const remediations = new RemediationStore(dynamo, config.tables.state!);
  const outcome = await runDigests(step.runId, step.subscriptions, step.failure ? describeStepFailure(step.failure) : undefined, {
    web,
    logger,
    snapshots: SnapshotStore.fromConfig(dynamo, config, 'digests cannot run'),
    subscriptions,
    audit: new AuditLog(dynamo, requiredSetting(config.tables.audit, 'GLUE_ENCRYPT_AUDIT_TABLE', 'digests cannot run')),
    inFlight: () => remediations.inFlight(),
    remediate: remediationEnabled(config),
    acceptRisk: waiversEnabled(config),
    channelIntervalMs: config.digests.channelIntervalMs,
    now: () => new Date(),
  });
  logger.debug('Digests done', { runId: step.runId, ...outcome });
  return outcome;
}

export const handler = async (event: unknown): Promise<DueResult | DigestOutcome> => handleDigestStep(event, loadConfig());
