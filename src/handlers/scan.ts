// Lambda entry point for the scan state machine's reading steps: which accounts to scan
// (targets), and one account's scan (the Map's iteration). Reads AWS, writes snapshots; never Slack.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { loadConfig, type AppConfig } from '../config.js';
import { parseStep, scanStepSchema } from '../digests/jobs.js';
import { scanAccount } from '../digests/scanAccount.js';
import { SnapshotStore } from '../digests/snapshotStore.js';
import { scanTargets } from '../digests/targets.js';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { Logger } from '@aws-lambda-powertools/logger';
import type { FindingsSink } from '../digests/scanAccount.js';
import { roleArn } from '../inventory/arn.js';
import { AwsClientFactory } from '../inventory/awsClients.js';
import { exportToSecurityHub } from '../securityhub/export.js';

const logger = new Logger({ serviceName: 'glue-encrypt-scan' });

export type ScanStepResult =
  | { runId: string; accounts: string[]; count: number; regions: string[]; skipped: number }
  | { accountId: string; transforms: number; unreadable: number };

export async function handleScanStep(event: unknown, config: AppConfig): Promise<ScanStepResult> {
  const step = parseStep(scanStepSchema, event);
  const snapshots = SnapshotStore.fromConfig(new DynamoDBClient({}), config, 'the scan has nowhere to store what it finds');
  if (step.step === 'targets') {
    const home = config.scope.homeAccountId ?? (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Account!;
    const targets = await scanTargets(config, home);
    const regions = config.scope.regions;
    await snapshots.startRun({ runId: step.runId, startedAt: new Date().toISOString(), trigger: step.trigger.trigger, accounts: targets.accounts, regions, source: targets.source });
    return { runId: step.runId, accounts: targets.accounts, count: targets.accounts.length, regions, skipped: targets.skipped.length };
  }
  const outcome = await scanAccount(step, { config, snapshots, now: () => new Date(), ...(config.digests.securityHub ? { sink: securityHubSink(config) } : {}) });
  return { accountId: outcome.accountId, transforms: outcome.transforms, unreadable: outcome.errors.length };
}

/**
 * Each account's findings into its own Security Hub (a default-product finding must be imported by
 * the account it names): the bot's account with its own credentials, a member through its read role.
 * A refusal is logged and costs the scan nothing.
 */
function securityHubSink(config: AppConfig): FindingsSink {
  const home = config.scope.homeAccountId;
  const factory = new AwsClientFactory({ maxAttempts: config.maxAttempts }, config.scope.regions[0] ?? 'us-east-1');
  return async (accountId, region, findings, transitions) => {
    const role = accountId === home ? undefined : roleArn(accountId, config.scope.targetRoleName, region);
    const client = new SecurityHubClient({ region, maxAttempts: config.maxAttempts, ...(role ? { credentials: () => factory.assumeRole(role) } : {}) });
    try {
      const out = await exportToSecurityHub(client, { accountId, region }, findings, transitions, new Date().toISOString());
      if (out.failed.length > 0) logger.warn('Security Hub refused some findings', { accountId, region, failed: out.failed.slice(0, 5), count: out.failed.length });
    } catch (err) {
      logger.warn('Could not import findings into Security Hub', { accountId, region, error: (err as Error).name, message: (err as Error).message });
    } finally {
      client.destroy();
    }
  };
}

export const handler = async (event: unknown): Promise<ScanStepResult> => handleScanStep(event, loadConfig());
