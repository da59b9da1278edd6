// Wires the remediation use cases to real clients from the configuration: DynamoDB stores,
// Glue/KMS for the right account (member accounts through the remediation role), Step
// Functions, and the Slack message that shows a workflow's progress.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WebClient } from '@slack/web-api';
import { AuditLog } from '../audit/auditLog.js';
import type { AppConfig } from '../config.js';
import { AwsClientFactory, CallCounter, type AccountClients } from '../inventory/awsClients.js';
import { renderRemediation } from '../slack/views/remediation.js';
import { RemediationStore } from './store.js';
import type { Remediation } from './types.js';

export interface RemediationRuntime {
  store: RemediationStore;
  audit: AuditLog;
  clients(accountId: string, region: string): Promise<AccountClients>;
  /** The account the bot's own credentials belong to. */
  homeAccountId(): Promise<string>;
  startWorkflow(r: Remediation): Promise<void>;
  /** Updates the remediation's Slack message to show where it stands. */
  notify(r: Remediation): Promise<void>;
}

export function requireTables(config: AppConfig): { audit: string; state: string } {
  const { audit, state } = config.tables;
  if (!audit || !state) throw new Error('GLUE_ENCRYPT_AUDIT_TABLE and GLUE_ENCRYPT_STATE_TABLE must be set for remediation');
  return { audit, state };
}

export function remediationRuntime(config: AppConfig, web: WebClient): RemediationRuntime {
  const tables = requireTables(config);
  const dynamo = new DynamoDBClient({ maxAttempts: 5 });
  const factory = new AwsClientFactory({ maxAttempts: config.maxAttempts, counter: new CallCounter() }, config.scope.regions[0] ?? 'us-east-1');
  return {
    store: new RemediationStore(dynamo, tables.state),
    audit: new AuditLog(dynamo, tables.audit),
    homeAccountId: () => factory.homeAccountId(),
    async clients(accountId, region) {
      const home = await factory.homeAccountId();
      if (accountId === home) return factory.forTarget(region);
      if (!config.scope.accounts.includes(accountId)) throw new Error(`Account ${accountId} is not configured (GLUE_ENCRYPT_ACCOUNTS)`);
      const roleArn = `arn:aws:iam::${accountId}:role/${config.remediation.remediationRoleName}`;
      return factory.forTarget(region, () => factory.assumeRole(roleArn));
    },
    async startWorkflow(r) {
      if (!config.remediation.stateMachineArn) throw new Error('GLUE_ENCRYPT_STATE_MACHINE_ARN is not set');
      const sfn = new SFNClient({ maxAttempts: 3 });
      try {
        // The execution name is the remediation id: Step Functions refuses a second start.
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: config.remediation.stateMachineArn,
            name: r.id,
            input: JSON.stringify({ remediationId: r.id }),
          }),
        );
      } catch (err) {
        if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
      }
    },
    async notify(r) {
      if (!r.slack.ts) return;
      const message = renderRemediation(r);
      await web.chat.update({ channel: r.slack.channel, ts: r.slack.ts, text: message.text, blocks: message.blocks });
    },
  };
}
