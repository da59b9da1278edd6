// Waivers in the state table, one partition for all of them (a list is one query): a few
// hundred items at most, since each is bound to one failing transform. Never deleted: an ended
// waiver is evidence. Every save is conditional on the version it read.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, queryAll } from '../audit/dynamo.js';
import type { ApprovedWaiver } from '../checks/waivers.js';
import type { Waiver } from './types.js';

const PARTITION = 'WAIVERS';
const key = (id: string) => ({ pk: PARTITION, sk: `WAIVER#${id}` });

export class WaiverConflictError extends Error {
  override readonly name = 'WaiverConflictError';
}

export class WaiverStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(w: Waiver): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(w.id), ...w }, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async get(id: string): Promise<Waiver | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }));
    return out.Item ? strip(out.Item) : undefined;
  }

  /** Saves `next` if the stored version is still the one read; the saved copy has the next version. */
  async save(next: Waiver, expectedVersion: number): Promise<Waiver> {
    const saved = { ...next, version: expectedVersion + 1 };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(next.id), ...saved },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new WaiverConflictError('Someone else changed this waiver a moment ago.');
      throw err;
    }
    return saved;
  }

  /** Every waiver, newest request first. */
  async all(): Promise<Waiver[]> {
    const items = await queryAll(this.doc, { TableName: this.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': PARTITION }, ConsistentRead: true });
    return items.map(strip).sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  }

  /** The approved waivers, as the checks apply them (each check decides what is still in force). */
  async approved(): Promise<ApprovedWaiver[]> {
    return (await this.all()).filter((w) => w.status === 'active').map(toApproved);
  }
}

export function toApproved(w: Waiver): ApprovedWaiver {
  return {
    id: w.id,
    accountId: w.accountId,
    region: w.region,
    transformId: w.transformId,
    reasonCodes: w.reasonCodes,
    justification: w.justification,
    ...(w.ticket ? { ticket: w.ticket } : {}),
    requestedBy: w.requestedBy,
    approvedBy: w.decidedBy ?? '',
    approvedAt: w.decidedAt ?? '',
    expiresAt: w.expiresAt,
  };
}

function strip(item: Record<string, unknown>): Waiver {
  const { pk: _pk, sk: _sk, ...w } = item;
  return w as unknown as Waiver;
}
