// One alert per burst: the first event about a transform or key within the window posts the
// alert; the others update it. The first is decided by a conditional write, so twenty events
// arriving at once still post once.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '../audit/dynamo.js';

/** Events about one subject this close together are one alert. */
export const BURST_WINDOW_MS = 5 * 60_000;

export interface PostedAlert {
  channel: string;
  ts: string;
}

export interface AlertRecord {
  subject: string;
  firstAt: string;
  windowEndsAt: number;
  /** Events counted in this burst so far. */
  events: number;
  /** Who did them, in order of first appearance. */
  actors: string[];
  messages: PostedAlert[];
}

const key = (subject: string) => ({ pk: `DRIFT#${subject}`, sk: 'ALERT' });

export class AlertStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * Counts the event in its subject's burst. `first` is true for the event that opens a burst
   * (no alert yet, or the last one's window has passed): it posts; the others update.
   */
  async count(subject: string, actor: string, now: Date): Promise<{ first: boolean; record: AlertRecord }> {
    const fresh: AlertRecord = { subject, firstAt: now.toISOString(), windowEndsAt: now.getTime() + BURST_WINDOW_MS, events: 1, actors: [actor], messages: [] };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(subject), ...fresh, expiresAt: Math.floor(fresh.windowEndsAt / 1000) + 86_400 },
          ConditionExpression: 'attribute_not_exists(pk) OR windowEndsAt < :now',
          ExpressionAttributeValues: { ':now': now.getTime() },
        }),
      );
      return { first: true, record: fresh };
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(subject),
        UpdateExpression: 'ADD events :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const record = strip(out.Attributes ?? {});
    if (!record.actors.includes(actor)) {
      await this.doc.send(
        new UpdateCommand({ TableName: this.tableName, Key: key(subject), UpdateExpression: 'SET actors = list_append(actors, :a)', ExpressionAttributeValues: { ':a': [actor] } }),
      );
      record.actors.push(actor);
    }
    return { first: false, record };
  }

  async get(subject: string): Promise<AlertRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(subject), ConsistentRead: true }));
    return out.Item ? strip(out.Item) : undefined;
  }

  /** Where the burst's alert was posted, for the events that follow to update it. */
  async posted(subject: string, messages: PostedAlert[]): Promise<void> {
    await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: key(subject), UpdateExpression: 'SET messages = :m', ExpressionAttributeValues: { ':m': messages } }));
  }
}

function strip(item: Record<string, unknown>): AlertRecord {
  const { pk: _pk, sk: _sk, expiresAt: _e, ...record } = item;
  return record as unknown as AlertRecord;
}
