// The audit trail: append-only events in DynamoDB. Every write is a conditional put that
// refuses to overwrite, so an event, once written, never changes.
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamo.js';

export interface AuditEventInput {
  /** What happened, e.g. "check.requested", "remediation.approved", "step.succeeded". */
  type: string;
  /** Slack user ID, or "system" for the workflow itself. */
  actor: string;
  teamId?: string;
  accountId?: string;
  region?: string;
  transformId?: string;
  transformName?: string;
  remediationId?: string;
  /** The accepted risk an event is about (waiver.requested, .approved, .revoked, .expired). */
  waiverId?: string;
  step?: string;
  outcome: 'requested' | 'succeeded' | 'failed' | 'refused' | 'info';
  /** Encryption before/after, as shown to people (e.g. "SSE-KMS alias/glue-ml"). */
  before?: string;
  after?: string;
  channel?: string;
  messageTs?: string;
  detail?: string;
}

export interface AuditEvent extends AuditEventInput {
  eventId: string;
  at: string;
}

export function transformSubject(accountId: string, region: string, transformName: string): string {
  return `TRANSFORM#${accountId}#${region}#${transformName}`;
}

export class AuditLog {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async append(input: AuditEventInput): Promise<AuditEvent> {
    const at = this.now().toISOString();
    const eventId = randomUUID();
    const event: AuditEvent = { ...input, eventId, at };
    const subject =
      input.accountId && input.region && input.transformName
        ? transformSubject(input.accountId, input.region, input.transformName)
        : `SCOPE#${input.accountId ?? 'all'}`;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: subject, sk: `${at}#${eventId}`, gsi1pk: `DAY#${at.slice(0, 10)}`, gsi1sk: `${at}#${eventId}`, ...event },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return event;
  }

  /** A transform's newest `limit` events, oldest first. */
  async forTransform(accountId: string, region: string, transformName: string, limit = 100): Promise<AuditEvent[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': transformSubject(accountId, region, transformName) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(stripKeys).reverse();
  }

  /** Every event of one UTC day (YYYY-MM-DD), oldest first, however many pages. */
  async allOfDay(day: string): Promise<AuditEvent[]> {
    const items = await queryAll(this.doc, { TableName: this.tableName, IndexName: 'byTime', KeyConditionExpression: 'gsi1pk = :d', ExpressionAttributeValues: { ':d': `DAY#${day}` } });
    return items.map(stripKeys);
  }
}

/** Every event from the start of UTC day `sinceDay` (YYYY-MM-DD) through `until`, oldest first, every page read. */
export async function auditEventsSince(log: AuditLog, sinceDay: string, until: Date): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (let day = new Date(`${sinceDay}T00:00:00.000Z`); day.getTime() <= until.getTime(); day = new Date(day.getTime() + 86_400_000)) {
    events.push(...(await log.allOfDay(day.toISOString().slice(0, 10))));
  }
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

function stripKeys(item: Record<string, unknown>): AuditEvent {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...event } = item;
  return event as unknown as AuditEvent;
}
