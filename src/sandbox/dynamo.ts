// The embedded DynamoDB: dynalite (the real DynamoDB JSON 1.0 protocol, in memory) on
// loopback, with the bot's tables created from the same definitions the code relies on.
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { auditTableDefinition, stateTableDefinition } from '../audit/tables.js';

export interface DynamoSandbox {
  endpoint: string;
  tables: { audit: string; state: string };
  close(): Promise<void>;
}

export async function startDynamo(tables = { audit: 'glue-encrypt-audit', state: 'glue-encrypt-state' }): Promise<DynamoSandbox> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  await client.send(new CreateTableCommand(auditTableDefinition(tables.audit)));
  await client.send(new CreateTableCommand(stateTableDefinition(tables.state)));
  client.destroy();
  return {
    endpoint,
    tables,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
