// Snapshots against the embedded DynamoDB (dynalite, the real wire protocol): what a run stores
// reads back whole, a large account-region is split under the 400 KB item limit, and an account
// whose outcome was never written is not taken for a snapshot.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PART_BYTES, SnapshotStore, splitFindings } from '../../src/digests/snapshotStore.js';
import { startDynamo, type DynamoSandbox } from '../../src/sandbox/dynamo.js';
import { ACCOUNT, REGION, finding, reason } from '../slack/factories.js';

let dynamo: DynamoSandbox;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamo = await startDynamo();
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const run = (runId: string) => ({ runId, startedAt: '2026-12-02T09:00:00.000Z', trigger: 'schedule' as const, accounts: [ACCOUNT], regions: [REGION], source: 'configuration' as const });

describe('SnapshotStore', () => {
  it('stores 3,000 findings of one account-region in parts under 400 KB each, and reads them back whole', async () => {
    const store = new SnapshotStore(client, dynamo.tables.snapshots, 40);
    // Long reasons: more than a megabyte in all, several items' worth.
    const findings = Array.from({ length: 3000 }, (_, i) => finding(`transform-${String(i).padStart(4, '0')}`, [reason('USER_DATA_NOT_ENCRYPTED', { message: 'x'.repeat(600) })]));
    await store.startRun(run('big'));
    await store.putAccount('big', { accountId: ACCOUNT, scannedAt: '2026-12-02T09:01:00.000Z', errors: [], transforms: findings.length }, new Map([[REGION, findings]]), []);

    // A Query answers at most 1 MB a page: read them all.
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await DynamoDBDocumentClient.from(client).send(
        new QueryCommand({ TableName: dynamo.tables.snapshots, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'RUN#big' }, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const parts = items.filter((i) => String(i.sk).startsWith('AR#'));
    const total = Buffer.byteLength(JSON.stringify(findings));
    expect(total).toBeGreaterThan(1_000_000);
    expect(parts.length).toBe(Math.ceil(total / PART_BYTES));
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThan(400 * 1024);
    // Every item expires through TTL: 40 days after the scan.
    expect(parts.every((p) => p.expiresAt === Math.floor(Date.parse('2026-12-02T09:01:00.000Z') / 1000) + 40 * 86_400)).toBe(true);

    const read = await store.read('big');
    expect(read?.regions.get(`${ACCOUNT}#${REGION}`)?.findings.map((f) => f.name)).toEqual(findings.map((f) => f.name));
  });

  it('ignores the findings of an account whose outcome was never written (a scan that died half way)', async () => {
    const store = new SnapshotStore(client, dynamo.tables.snapshots, 40);
    await store.startRun(run('half'));
    // Written as putAccount writes them, minus the outcome it writes last.
    const doc = DynamoDBDocumentClient.from(client);
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await doc.send(new PutCommand({ TableName: dynamo.tables.snapshots, Item: { pk: 'RUN#half', sk: `AR#${ACCOUNT}#${REGION}#000`, accountId: ACCOUNT, region: REGION, part: 0, parts: 1, findings: '[]' } }));
    const read = await store.read('half');
    expect(read?.regions.size).toBe(0);
    expect(read?.accounts.size).toBe(0);
    expect(await store.read('never')).toBeUndefined();
  });

  it('splits by size, never leaving a part over the limit unless one finding alone is', () => {
    const findings = Array.from({ length: 50 }, (_, i) => finding(`t-${i}`));
    const parts = splitFindings(findings, 2_000);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2_000);
    expect(parts.flatMap((p) => JSON.parse(p) as unknown[])).toHaveLength(50);
    expect(PART_BYTES).toBeLessThan(400 * 1024);
  });
});
