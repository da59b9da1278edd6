// Channel subscriptions in the state table, all in one partition (SUBSCRIPTIONS): a due check
// reads them with one paged Query, a channel's with a key prefix. Every write is conditional on
// the version read, so two writers (two scans, a scan and an unsubscribe) never both win.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, queryAll } from '../audit/dynamo.js';
import type { Subscription } from './types.js';

export const SUBSCRIPTIONS_PARTITION = 'SUBSCRIPTIONS';

const key = (channelId: string, id: string) => ({ pk: SUBSCRIPTIONS_PARTITION, sk: `${channelId}#${id}` });

export class SubscriptionStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Stores a new subscription; false when its id is taken in the channel. */
  async create(s: Subscription): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(s.channelId, s.id), ...s }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async get(channelId: string, id: string): Promise<Subscription | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(channelId, id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...s } = out.Item;
    return s as Subscription;
  }

  async forChannel(channelId: string): Promise<Subscription[]> {
    return this.query('begins_with(sk, :prefix)', { ':prefix': `${channelId}#` });
  }

  async all(): Promise<Subscription[]> {
    return this.query();
  }

  /** Removes the subscription if it is still the version read; false when it changed or is gone. */
  async remove(s: Subscription): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: key(s.channelId, s.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': s.version } }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Saves `next` over the version it was made from; undefined when another writer got there first. */
  async update(next: Subscription): Promise<Subscription | undefined> {
    const saved = { ...next, version: next.version + 1 };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(next.channelId, next.id), ...saved },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': next.version },
        }),
      );
      return saved;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }

  private async query(condition?: string, values: Record<string, unknown> = {}): Promise<Subscription[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: condition ? `pk = :pk AND ${condition}` : 'pk = :pk',
      ExpressionAttributeValues: { ':pk': SUBSCRIPTIONS_PARTITION, ...values },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...s }) => s as unknown as Subscription);
  }
}
