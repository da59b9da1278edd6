// Lambda entry point for drift: EventBridge delivers each CloudTrail event of the watched Glue
// and KMS calls (the bot account's own, and those member accounts forward to the bot's bus).
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditLog } from '../audit/auditLog.js';
import { loadConfig, requiredSetting, type AppConfig } from '../config.js';
import { SnapshotStore } from '../digests/snapshotStore.js';
import { SubscriptionStore } from '../digests/subscriptionStore.js';
import { AlertStore } from '../drift/alertStore.js';
import { runDrift, type DriftOutcome } from '../slack/driftJob.js';
import { remediationEnabled } from '../slack/remediationListeners.js';
import { waiversEnabled } from '../waivers/source.js';
import { loadBotToken } from '../slack/secrets.js';
import { webClient } from '../slack/webClient.js';

const logger = new Logger({ serviceName: 'glue-encrypt-drift' });

export async function handleDriftEvent(event: unknown, config: AppConfig): Promise<DriftOutcome> {
  const dynamo = new DynamoDBClient({});
  const state = requiredSetting(config.tables.state, 'GLUE_ENCRYPT_STATE_TABLE', 'drift alerts cannot run');
  return runDrift(event, {
    config,
    web: webClient(config, await loadBotToken(config.slack)),
    logger,
    alerts: new AlertStore(dynamo, state),
    subscriptions: new SubscriptionStore(dynamo, state),
    snapshots: SnapshotStore.fromConfig(dynamo, config, 'drift alerts cannot run'),
    audit: new AuditLog(dynamo, requiredSetting(config.tables.audit, 'GLUE_ENCRYPT_AUDIT_TABLE', 'drift alerts cannot run')),
    workflowRoleNames: config.remediation.workflowRoleNames,
    remediate: remediationEnabled(config),
    acceptRisk: waiversEnabled(config),
    now: () => new Date(),
  });
}

export const handler = async (event: unknown): Promise<DriftOutcome> => handleDriftEvent(event, loadConfig());
