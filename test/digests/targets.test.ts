// Which accounts the scheduled scan reads, against the Organizations stand-in through the real SDK.
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { scanTargets } from '../../src/digests/targets.js';
import { AwsSandbox, SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY } from '../../src/sandbox/aws/index.js';

let aws: AwsSandbox;
let client: OrganizationsClient;
const HOME = '111111111111';

beforeAll(async () => {
  aws = await AwsSandbox.start();
  client = new OrganizationsClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY }, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await aws.close();
});

function config(env: Record<string, string>): AppConfig {
  return loadConfig({ AWS_REGION: 'eu-west-1', GLUE_ENCRYPT_ACCOUNTS: '222222222222', ...env });
}

describe('scanTargets', () => {
  it('is the bot account and the configured members without an organisation scan', async () => {
    expect(await scanTargets(config({}), HOME, client)).toEqual({ accounts: [HOME, '222222222222'], source: 'configuration', skipped: [] });
  });

  it('lists every active account of the organisation across pages, skipping suspended and closing ones', async () => {
    const org = aws.organization;
    org.create();
    org.unevenPages = true;
    const members = org.addAccounts(45);
    org.addAccount({ id: '999999999991', state: 'SUSPENDED' });
    org.addAccount({ id: '999999999992', state: 'PENDING_CLOSURE' });
    const targets = await scanTargets(config({ GLUE_ENCRYPT_ORGANIZATION_SCAN: 'true' }), HOME, client);
    expect(targets.source).toBe('organization');
    expect(targets.accounts).toEqual([HOME, ...members.map((m) => m.Id!)].sort());
    expect(targets.skipped).toEqual([
      { accountId: '999999999991', state: 'SUSPENDED' },
      { accountId: '999999999992', state: 'PENDING_CLOSURE' },
    ]);

    // Only under one OU, nested OUs included.
    const data = org.addOrganizationalUnit('data');
    const ml = org.addOrganizationalUnit('ml', data.Id);
    const inData = org.addAccounts(2, { parentId: data.Id });
    const inMl = org.addAccounts(3, { parentId: ml.Id });
    const underData = await scanTargets(config({ GLUE_ENCRYPT_ORGANIZATION_SCAN: 'true', GLUE_ENCRYPT_ORGANIZATION_PARENTS: data.Id! }), HOME, client);
    expect(underData.accounts).toEqual([...inData, ...inMl].map((a) => a.Id!).sort());
  });

  it('fails with the Organizations error when the bot account may not list the organisation', async () => {
    aws.failNext('organizations:ListAccounts', { code: 'AccessDeniedException', message: "You don't have permissions to access this resource." });
    await expect(scanTargets(config({ GLUE_ENCRYPT_ORGANIZATION_SCAN: 'true' }), HOME, client)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
