// The embedded DynamoDB: dynalite (the real DynamoDB JSON 1.0 protocol, in memory) on
// loopback, with the bot's tables created from the same definitions the code relies on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { auditTableDefinition, snapshotTableDefinition, stateTableDefinition } from '../audit/tables.js';

export interface DynamoSandbox {
  endpoint: string;
  tables: { audit: string; state: string; snapshots: string };
  /** Every write (PutItem, UpdateItem, DeleteItem) is answered this many milliseconds late: races need time to show. */
  setWriteLatency(ms: number): void;
  close(): Promise<void>;
}

const WRITES = new Set(['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.UpdateItem', 'DynamoDB_20120810.DeleteItem']);

export async function startDynamo(tables = { audit: 'glue-encrypt-audit', state: 'glue-encrypt-state', snapshots: 'glue-encrypt-snapshots' }): Promise<DynamoSandbox> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Writes reach dynalite late when asked to: the request waits before dynalite reads it.
  let writeLatencyMs = 0;
  const [dynaliteListener] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const delay = WRITES.has(String(req.headers['x-amz-target'])) ? writeLatencyMs : 0;
    if (delay > 0) setTimeout(() => dynaliteListener?.(req, res), delay);
    else dynaliteListener?.(req, res);
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  await client.send(new CreateTableCommand(auditTableDefinition(tables.audit)));
  await client.send(new CreateTableCommand(stateTableDefinition(tables.state)));
  await client.send(new CreateTableCommand(snapshotTableDefinition(tables.snapshots)));
  client.destroy();
  return {
    endpoint,
    tables,
    setWriteLatency: (ms) => {
      writeLatencyMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
