// Where a scan reads the approved waivers from: the state table, when the installation has one.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApprovedWaiver } from '../checks/waivers.js';
import type { AppConfig } from '../config.js';
import { WaiverStore } from './store.js';

/** Loads the approved waivers; undefined without a state table (nothing can have been waived). */
export function waiverSource(config: Pick<AppConfig, 'tables'>): (() => Promise<readonly ApprovedWaiver[]>) | undefined {
  const table = config.tables.state;
  if (!table) return undefined;
  // A client per scan: the endpoint is read from the environment when it is made (the sandbox starts a new one per test).
  return async () => {
    const client = new DynamoDBClient({});
    try {
      return await new WaiverStore(client, table).approved();
    } finally {
      client.destroy();
    }
  };
}

/** Waivers are asked for and decided in Slack, stored in the state table and audited: both tables are needed. */
export function waiversEnabled(config: Pick<AppConfig, 'tables'>): boolean {
  return Boolean(config.tables.state && config.tables.audit);
}
