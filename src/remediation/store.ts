// Remediation state in the state table. Every save is conditional on the version it read,
// so two writers (double clicks, two approvers, a resumed step) can never both win.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, queryAll } from '../audit/dynamo.js';
import { TERMINAL_STATUSES } from './lifecycle.js';
import type { Remediation, RemediationStatus } from './types.js';

export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
}

const IN_FLIGHT: RemediationStatus[] = ['pending_approval', 'running', 'rolling_back'];

/** Sweeps that try to tell an expired request before giving up on its message (an archived channel, say). */
export const MAX_DELIVERY_ATTEMPTS = 3;

/** The partition of requests by expiry time, read by the expiry sweep. */
const PENDING_INDEX = 'INDEX#PENDING';

/** A request in the expiry index. */
export interface DueEntry {
  sk: string;
  remediationId: string;
  expiresAt: number;
  /** Sweeps that could not tell the request it expired. */
  attempts?: number;
}

/** Rounds of claim, look, take over before a claim gives up (each lost round means another writer moved). */
const CLAIM_ATTEMPTS = 5;
/** How long a claim whose request cannot be read yet counts as still being written. */
const CLAIM_GRACE_MS = 60_000;


/** The item that holds the lock on a transform name in an account and region. */
const lockKey = (accountId: string, region: string, transformName: string) => ({ pk: `LOCK#${accountId}#${region}#${transformName}`, sk: 'LOCK' });
/** The item that holds the one open request per kind and transform. */
const requestKey = (r: Remediation) => ({ pk: `REQUEST#${r.kind}#${r.accountId}#${r.region}#${r.source.transformId}`, sk: 'REQUEST' });

export class RemediationStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private static key(id: string) {
    return { pk: `REMEDIATION#${id}`, sk: 'STATE' };
  }

  /** Creates a new remediation; refuses an existing id. */
  async create(r: Remediation): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...RemediationStore.key(r.id), gsiKind: 'REMEDIATION', ...r },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<Remediation | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: RemediationStore.key(id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, gsiKind: _k, ...r } = out.Item;
    return r as Remediation;
  }

  /** Saves `next` if the stored version is still `next.version - 1`... i.e. the one read. */
  async save(next: Remediation, expectedVersion: number): Promise<Remediation> {
    const saved = { ...next, version: expectedVersion + 1 };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...RemediationStore.key(next.id), gsiKind: 'REMEDIATION', ...saved },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) {
        throw new ConcurrentUpdateError(`Remediation ${next.id} changed since it was read`);
      }
      throw err;
    }
    return saved;
  }

  /**
   * One workflow per transform name at a time: a lock item keyed by the name the original, its
   * twin and any revert or re-key all contend for, released when the workflow ends. Returns the
   * id holding the lock when it is taken by another.
   */
  async lockTransform(accountId: string, region: string, transformName: string, remediationId: string): Promise<string | undefined> {
    const key = lockKey(accountId, region, transformName);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, remediationId },
          ConditionExpression: 'attribute_not_exists(pk) OR remediationId = :id',
          ExpressionAttributeValues: { ':id': remediationId },
        }),
      );
      return undefined;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      const held = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      const holder = held.Item?.remediationId as string | undefined;
      if (!holder) return this.lockTransform(accountId, region, transformName, remediationId);
      // A lock left by a workflow that has ended (a crash, a lost race) is taken over.
      const holding = await this.get(holder);
      if (holding && TERMINAL_STATUSES.has(holding.status)) {
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...key, remediationId },
              ConditionExpression: 'remediationId = :old',
              ExpressionAttributeValues: { ':old': holder },
            }),
          );
          return undefined;
        } catch (e) {
          if (!isConditionFailed(e)) throw e;
        }
      }
      return holder;
    }
  }

  async unlockTransform(accountId: string, region: string, transformName: string, remediationId: string): Promise<void> {
    await this.doc
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: lockKey(accountId, region, transformName),
          ConditionExpression: 'remediationId = :id',
          ExpressionAttributeValues: { ':id': remediationId },
        }),
      )
      .catch((err: unknown) => {
        if (!isConditionFailed(err)) throw err;
      });
  }

  /**
   * One open request per transform and kind: a double click or two people pressing the same
   * button get the existing request back instead of a second one. Call it after `create(r)`, so
   * the holder of a claim always has its item. Returns the open request holding the claim, or
   * undefined when `r` now holds it.
   */
  async claimRequest(r: Remediation): Promise<Remediation | undefined> {
    const key = requestKey(r);
    const put = (condition: string, values: Record<string, unknown>) =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, remediationId: r.id, expiresAt: Math.floor(Date.parse(r.expiresAt) / 1000), claimedAt: Date.now() },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        // Our own id too: a put whose answer was lost, retried by the SDK, finds its own claim.
        await put('attribute_not_exists(pk) OR expiresAt < :now OR remediationId = :id', { ':now': Math.floor(Date.now() / 1000), ':id': r.id });
        return undefined;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
      const held = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      if (!held.Item) continue; // Released meanwhile: claim again.
      const holder = held.Item.remediationId as string;
      const holding = await this.get(holder);
      if (holding?.status === 'pending_approval') return holding;
      // A claim whose request is not readable yet is young: its writer is still at work, not gone.
      if (!holding && Date.now() - Number(held.Item.claimedAt ?? 0) < CLAIM_GRACE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
        continue;
      }
      // The holder was decided without releasing its claim, or vanished long ago: take it over,
      // only if it is still that holder's. Losing that race means someone else took it: look again.
      try {
        await put('remediationId = :old', { ':old': holder });
        return undefined;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
    }
    throw new ConcurrentUpdateError(`Another ${r.kind} request for ${r.source.name} is being made at this moment; try again in a minute.`);
  }

  /**
   * Closes a request that never became the open one (it lost the claim): it was never shown or
   * audited. A conditional put, not a delete: the worker role may not delete state items.
   */
  async discard(r: Remediation): Promise<void> {
    await this.save({ ...r, status: 'expired', failure: 'Never opened: another request for this transform was already open.' }, r.version);
  }

  async releaseRequest(r: Remediation): Promise<void> {
    await this.doc
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: requestKey(r),
          ConditionExpression: 'remediationId = :id',
          ExpressionAttributeValues: { ':id': r.id },
        }),
      )
      .catch((err: unknown) => {
        if (!isConditionFailed(err)) throw err;
      });
  }

  /** Remediations waiting for approval or running (for /glue-encrypt status). */
  async inFlight(limit = 50): Promise<Remediation[]> {
    // Newest first from the index partition; finished ones are filtered out after reading.
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'INDEX#REMEDIATIONS' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const ids = (out.Items ?? []).map((i) => i.remediationId as string);
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((r): r is Remediation => r !== undefined && IN_FLIGHT.includes(r.status));
  }

  /**
   * Adds the remediation to the index /glue-encrypt status reads, and to the one the expiry
   * sweep reads (by expiry time, so a sweep reads only what is due).
   */
  async index(r: Remediation): Promise<void> {
    const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        // Index entries expire (TTL) after 30 days; the remediation items and the audit trail stay.
        Item: {
          pk: 'INDEX#REMEDIATIONS',
          sk: `${r.requestedAt}#${r.id}`,
          remediationId: r.id,
          expiresAt: epoch(r.requestedAt) + 30 * 86400,
        },
      }),
    );
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        // Gone (TTL) a week after the request expires: a sweep that was down for days still finds it.
        Item: { pk: PENDING_INDEX, sk: `${r.expiresAt}#${r.id}`, remediationId: r.id, expiresAt: epoch(r.expiresAt) + 7 * 86400 },
      }),
    );
  }

  /** Requests whose expiry time has passed and that no sweep has closed yet, oldest first. */
  async dueForExpiry(now: Date): Promise<DueEntry[]> {
    const due: DueEntry[] = [];
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk < :now',
      FilterExpression: 'attribute_not_exists(swept)',
      ExpressionAttributeValues: { ':pk': PENDING_INDEX, ':now': now.toISOString() },
    });
    for (const item of items) {
      due.push({ sk: item.sk as string, remediationId: item.remediationId as string, expiresAt: item.expiresAt as number, ...(typeof item.attempts === 'number' ? { attempts: item.attempts } : {}) });
    }
    return due;
  }

  /**
   * A due request that is done with (told it expired, or decided): later sweeps skip it. With
   * `attempts` below the limit it stays due, counting the sweeps that could not tell it.
   */
  async markSwept(entry: DueEntry, retry?: { attempts: number }): Promise<void> {
    const done = retry === undefined || retry.attempts >= MAX_DELIVERY_ATTEMPTS;
    // A put, not a delete: the worker role may not delete state items.
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: PENDING_INDEX, ...entry, ...(retry ? { attempts: retry.attempts } : {}), ...(done ? { swept: true } : {}) } }),
    );
  }
}
