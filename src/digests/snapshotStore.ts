// Scan snapshots: what each scheduled scan found, per run, account and region, kept for
// GLUE_ENCRYPT_SNAPSHOT_RETENTION_DAYS (DynamoDB TTL on `expiresAt`). A digest compares two
// runs; App Home and drift alerts read the latest state of an account-region without a scan.
//
//   RUN#<runId>                 #RUN                       the run: when, why, which accounts and regions
//   RUN#<runId>                 ACCOUNT#<account>          one account's outcome: read or not, and why
//   RUN#<runId>                 AR#<account>#<region>#<n>  part n of the account-region's findings
//   LATEST#<account>#<region>   LATEST                     the last run that read it, and since when each failure is open
//
// An item holds at most 400 KB: an account-region's findings are split into parts of at most
// PART_BYTES of JSON.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, queryAll } from '../audit/dynamo.js';
import type { Finding, Status } from '../checks/types.js';
import { requiredSetting, type AppConfig } from '../config.js';
import type { ScopeError } from '../inventory/types.js';

/** Well under DynamoDB's 400 KB item limit, leaving room for the keys and attributes. */
export const PART_BYTES = 300_000;
const BATCH_WRITE = 25;
const BATCH_GET = 100;

export type ScanTrigger = { trigger: 'schedule' } | { trigger: 'command'; channelId: string; userId: string };

export interface ScanRun {
  runId: string;
  startedAt: string;
  trigger: ScanTrigger['trigger'];
  accounts: string[];
  regions: string[];
  /** Where the account list came from. */
  source: 'configuration' | 'organization';
}

export interface AccountOutcome {
  accountId: string;
  scannedAt: string;
  /** Regions (or the whole account) that could not be read: reported, never fatal. */
  errors: ScopeError[];
  transforms: number;
  /** Region -> transforms by status, for the regions that were read (App Home shows them). */
  counts?: Record<string, Record<Status, number>>;
}

export interface AccountRegionState {
  accountId: string;
  region: string;
  runId: string;
  scannedAt: string;
  counts: Record<Status, number>;
  /** transformId -> when it was first seen failing, carried from run to run while it stays failing. */
  failingSince: Record<string, string>;
  /**
   * transformId -> the waiver that waived it at this run (absent in runs before waivers existed):
   * which transforms were waived, and by which waiver, since a replacement is news to Security Hub too.
   */
  waivedBy?: Record<string, string>;
}

export interface RegionSnapshot {
  findings: Finding[];
  /** transformId -> since when it has been failing (see AccountRegionState). */
  failingSince: Record<string, string>;
}

export interface RunSnapshot {
  run: ScanRun;
  accounts: Map<string, AccountOutcome>;
  /** `${account}#${region}` -> what was found there, only for account-regions that were read. */
  regions: Map<string, RegionSnapshot>;
}

export const accountRegion = (accountId: string, region: string) => `${accountId}#${region}`;

/** Splits findings into parts whose JSON stays under `maxBytes` each (a single larger finding gets a part alone). */
export function splitFindings(findings: Finding[], maxBytes = PART_BYTES): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const f of findings) {
    const json = JSON.stringify(f);
    const bytes = Buffer.byteLength(json) + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      parts.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(json);
    size += bytes;
  }
  parts.push(`[${current.join(',')}]`);
  return parts;
}

export class SnapshotStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** The store the configuration names; `purpose` says what cannot run without it. */
  static fromConfig(client: DynamoDBClient, config: Pick<AppConfig, 'digests'>, purpose: string): SnapshotStore {
    return new SnapshotStore(client, requiredSetting(config.digests.snapshotTable, 'GLUE_ENCRYPT_SNAPSHOT_TABLE', purpose), config.digests.snapshotRetentionDays);
  }

  private expiresAt(from: string): number {
    return Math.floor(Date.parse(from) / 1000) + this.retentionDays * 86_400;
  }

  async startRun(run: ScanRun): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `RUN#${run.runId}`, sk: '#RUN', ...run, expiresAt: this.expiresAt(run.startedAt) }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async run(runId: string): Promise<ScanRun | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `RUN#${runId}`, sk: '#RUN' }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _e, ...run } = out.Item;
    return run as ScanRun;
  }

  /** The latest state of each account-region asked for (absent when never scanned, or expired). */
  async latest(accountId: string, regions: string[]): Promise<Map<string, AccountRegionState>> {
    const found = new Map<string, AccountRegionState>();
    for (let i = 0; i < regions.length; i += BATCH_GET) {
      let keys: Record<string, unknown>[] | undefined = regions.slice(i, i + BATCH_GET).map((r) => ({ pk: `LATEST#${accountRegion(accountId, r)}`, sk: 'LATEST' }));
      for (let attempt = 0; keys && keys.length > 0 && attempt < 8; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const { pk: _pk, sk: _sk, expiresAt: _e, ...state } = item;
          const s = state as AccountRegionState;
          found.set(accountRegion(s.accountId, s.region), s);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
      if (keys && keys.length > 0) throw new Error('DynamoDB kept some snapshot reads unprocessed');
    }
    return found;
  }

  /**
   * Stores one account's findings (every account-region, split into parts), its latest-state
   * items, and last its outcome: a digest that finds the outcome finds everything before it.
   */
  async putAccount(runId: string, outcome: AccountOutcome, findingsByRegion: Map<string, Finding[]>, latest: AccountRegionState[]): Promise<void> {
    const expiresAt = this.expiresAt(outcome.scannedAt);
    const items: Record<string, unknown>[] = [];
    const sinceOf = new Map(latest.map((s) => [s.region, s.failingSince]));
    for (const [region, findings] of findingsByRegion) {
      const parts = splitFindings(findings);
      parts.forEach((json, n) =>
        items.push({
          pk: `RUN#${runId}`,
          sk: `AR#${accountRegion(outcome.accountId, region)}#${String(n).padStart(3, '0')}`,
          accountId: outcome.accountId,
          region,
          part: n,
          parts: parts.length,
          findings: json,
          // One transform ID and a timestamp per open failure: small beside the findings themselves.
          ...(n === 0 ? { failingSince: sinceOf.get(region) ?? {} } : {}),
          expiresAt,
        }),
      );
    }
    for (const s of latest) items.push({ pk: `LATEST#${accountRegion(s.accountId, s.region)}`, sk: 'LATEST', ...s, expiresAt });
    await this.writeAll(items);
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: `RUN#${runId}`, sk: `ACCOUNT#${outcome.accountId}`, ...outcome, expiresAt } }));
  }

  /** The newest run whose digests were posted: what App Home shows. */
  async latestRun(): Promise<ScanRun | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: 'LATESTRUN', sk: 'LATESTRUN' }, ConsistentRead: true }));
    const runId = out.Item?.runId as string | undefined;
    return runId ? this.run(runId) : undefined;
  }

  async setLatestRun(run: ScanRun): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: 'LATESTRUN', sk: 'LATESTRUN', runId: run.runId, startedAt: run.startedAt },
        // A slower, older run finishing later must not go back in time.
        ConditionExpression: 'attribute_not_exists(pk) OR startedAt <= :at',
        ExpressionAttributeValues: { ':at': run.startedAt },
      }),
    ).catch((err: unknown) => {
      if (!isConditionFailed(err)) throw err;
    });
  }

  /** Each account's outcome in one run (no findings): what was read, and the counts per region. */
  async outcomes(runId: string): Promise<AccountOutcome[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :account)',
      ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':account': 'ACCOUNT#' },
    });
    return items.map(({ pk: _pk, sk: _sk, expiresAt: _e, ...outcome }) => outcome as unknown as AccountOutcome);
  }

  /** Everything one run stored; undefined when the run is unknown (never stored, or expired). */
  async read(runId: string): Promise<RunSnapshot | undefined> {
    // One query reads the run's every item: the run itself (#RUN), each account's outcome, the parts.
    const items = await queryAll(this.doc, { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `RUN#${runId}` }, ConsistentRead: true });
    let run: ScanRun | undefined;
    const accounts = new Map<string, AccountOutcome>();
    const parts = new Map<string, string[]>();
    const since = new Map<string, Record<string, string>>();
    for (const item of items) {
      const sk = item.sk as string;
      const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = item;
      if (sk === '#RUN') run = rest as unknown as ScanRun;
      else if (sk.startsWith('ACCOUNT#')) accounts.set(rest.accountId as string, rest as unknown as AccountOutcome);
      else if (sk.startsWith('AR#')) {
        const key = accountRegion(item.accountId as string, item.region as string);
        const list = parts.get(key) ?? [];
        list[item.part as number] = item.findings as string;
        parts.set(key, list);
        if (item.failingSince) since.set(key, item.failingSince as Record<string, string>);
      }
    }
    if (!run) return undefined;
    const regions = new Map<string, RegionSnapshot>();
    for (const [key, list] of parts) {
      // Only account-regions whose account finished: a half-written account is not a snapshot.
      if (!accounts.has(key.split('#')[0]!)) continue;
      regions.set(key, { findings: list.flatMap((json) => JSON.parse(json) as Finding[]), failingSince: since.get(key) ?? {} });
    }
    return { run, accounts, regions };
  }

  private async writeAll(items: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] | undefined = items.slice(i, i + BATCH_WRITE).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests && requests.length > 0 && attempt < 8; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = out.UnprocessedItems?.[this.tableName] as typeof requests;
      }
      if (requests && requests.length > 0) throw new Error('DynamoDB kept some snapshot writes unprocessed');
    }
  }
}

/** Unprocessed batch items are retried with exponential backoff, as DynamoDB asks. */
const backoff = (attempt: number) => sleep(Math.min(2000, 50 * 2 ** attempt));
