// Lambda entry point for the scan state machine's reading steps: which accounts to scan
// (targets), and one account's scan (the Map's iteration). Reads AWS, writes snapshots; never Slack.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { loadConfig, type AppConfig } from '../config.js';
import { parseStep, scanStepSchema } from '../digests/jobs.js';
import { scanAccount } from '../digests/scanAccount.js';
import { SnapshotStore } from '../digests/snapshotStore.js';
import { scanTargets } from '../digests/targets.js';

export type ScanStepResult =
  | { runId: string; accounts: string[]; count: number; regions: string[]; skipped: number }
  | { accountId: string; transforms: number; unreadable: number };

function snapshotStore(config: AppConfig): SnapshotStore {
  if (!config.digests.snapshotTable) throw new Error('GLUE_ENCRYPT_SNAPSHOT_TABLE is not set: the scan has nowhere to store what it finds');
  return new SnapshotStore(new DynamoDBClient({}), config.digests.snapshotTable, config.digests.snapshotRetentionDays);
}

export async function handleScanStep(event: unknown, config: AppConfig): Promise<ScanStepResult> {
  const step = parseStep(scanStepSchema, event);
  const snapshots = snapshotStore(config);
  if (step.step === 'targets') {
    const home = config.scope.homeAccountId ?? (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Account!;
    const targets = await scanTargets(config, home);
    const regions = config.scope.regions;
    await snapshots.startRun({ runId: step.runId, startedAt: new Date().toISOString(), trigger: step.trigger.trigger, accounts: targets.accounts, regions, source: targets.source });
    return { runId: step.runId, accounts: targets.accounts, count: targets.accounts.length, regions, skipped: targets.skipped.length };
  }
  const outcome = await scanAccount(step, { config, snapshots, now: () => new Date() });
  return { accountId: outcome.accountId, transforms: outcome.transforms, unreadable: outcome.errors.length };
}

export const handler = async (event: unknown): Promise<ScanStepResult> => handleScanStep(event, loadConfig());
