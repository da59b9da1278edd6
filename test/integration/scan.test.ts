// runScan over the AWS sandbox: paging, the cost of a scan in AWS calls, throttling, and the
// accounts and regions that cannot be read. Each test starts an empty sandbox and seeds what it needs.
import { randomBytes } from 'node:crypto';
import type { TransformEncryption } from '@aws-sdk/client-glue';
import { afterEach, describe, expect, it } from 'vitest';
import { summarize } from '../../src/checks/evaluate.js';
import type { Finding } from '../../src/checks/types.js';
import { runScan, type ScanRequest } from '../../src/inventory/scan.js';
import type { ScanResult } from '../../src/inventory/types.js';
import type { Scope } from '../../src/sandbox/aws/arns.js';
import type { SandboxState } from '../../src/sandbox/aws/state.js';
import { seedScale } from '../../src/sandbox/fixtures.js';
import { startHarness, type Harness } from '../../src/sandbox/harness.js';

const HOME = '111111111111';
const MEMBER = '222222222222';
const DENYING_MEMBER = '333333333333';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(env: Record<string, string>): Promise<Harness> {
  h = await startHarness({
    seed: 'none',
    env: {
      // The bot's own account ID is cached per process and credentials; fresh credentials make
      // every test's first scan ask STS like a cold start does.
      AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      ...env,
    },
  });
  return h;
}

function scan(harness: Harness, request: ScanRequest = {}): Promise<ScanResult> {
  const { config } = harness;
  return runScan(request, {
    scope: config.scope,
    policy: config.policy,
    concurrency: config.concurrency,
    maxAttempts: config.maxAttempts,
    pageSize: config.pageSize,
  });
}

/** A KMS key and a security configuration that encrypts everything with it: what a compliant transform uses. */
function seedCompliantSetup(state: SandboxState, scope: Scope, config = 'kms-everything'): { keyArn: string; config: string } {
  const key = state.addKey(scope, { rotationEnabled: true, aliases: ['alias/compliant'] });
  state.addSecurityConfiguration(scope, {
    Name: config,
    EncryptionConfiguration: {
      S3Encryption: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: key.arn }],
      CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: key.arn },
      JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: key.arn },
    },
  });
  return { keyArn: key.arn, config };
}

function seedTransform(state: SandboxState, scope: Scope, name: string, encryption?: TransformEncryption): string {
  return state.addTransform(scope, {
    Name: name,
    Role: `arn:aws:iam::${scope.accountId}:role/GlueMLRole`,
    GlueVersion: '2.0',
    MaxCapacity: 10,
    InputRecordTables: [{ DatabaseName: 'db', TableName: name }],
    Parameters: { TransformType: 'FIND_MATCHES', FindMatchesParameters: { PrimaryKeyColumnName: 'id' } },
    ...(encryption ? { TransformEncryption: encryption } : {}),
  }).definition.TransformId;
}

function sseKms(kmsKeyId: string, config?: string): TransformEncryption {
  return { MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: kmsKeyId }, ...(config ? { TaskRunSecurityConfigurationName: config } : {}) };
}

function byName(result: ScanResult, name: string): Finding {
  const found = result.findings.filter((f) => f.name === name);
  expect(found, `one finding for ${name}`).toHaveLength(1);
  return found[0]!;
}

/** What a person compares between two scans: which transform, what status, which reasons. */
function verdicts(result: ScanResult): string[] {
  return result.findings.map((f) => `${f.accountId}/${f.region}/${f.transformId} ${f.status} ${f.reasons.map((r) => r.code).join(',')}`).sort();
}

describe('runScan over more than one page', () => {
  // The lead's question: how many AWS calls does a check of 250 transforms using 3 keys in one region make?
  it('reports each of 250 transforms exactly once, for 3 pages, 3 key lookups and one lookup per security configuration', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1' });
    const seeded = seedScale(harness.aws.state, { accounts: [HOME], regions: ['eu-west-1'], transforms: 250, keys: 3, securityConfigurations: 2 });
    expect(seeded).toMatchObject({ keysReferenced: 3, securityConfigurationsReferenced: 2, unencryptedTransforms: 25 });

    const result = await scan(harness);

    const ids = result.findings.map((f) => f.transformId);
    const stored = [...harness.aws.state.region(HOME, 'eu-west-1').transforms.keys()];
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect([...ids].sort()).toEqual([...stored].sort());
    expect(result.scopeErrors).toEqual([]);

    // Every tenth transform has no encryption; the rest use rotating keys and KMS-everything configurations.
    expect(summarize(result.findings)).toEqual({ FAIL: 25, ERROR: 0, WARN: 0, WAIVED: 0, PASS: 225 });
    const unencrypted = [...harness.aws.state.region(HOME, 'eu-west-1').transforms.values()]
      .filter((t) => !t.definition.TransformEncryption)
      .map((t) => t.definition.TransformId)
      .sort();
    expect(result.findings.filter((f) => f.status === 'FAIL').map((f) => f.transformId).sort()).toEqual(unencrypted);

    const expectedCalls = {
      'sts:GetCallerIdentity': 1,
      'glue:GetMLTransforms': 3,
      'kms:DescribeKey': 3,
      'kms:GetKeyRotationStatus': 3,
      'glue:GetSecurityConfiguration': 2,
    };
    // What AWS saw (no GetMLTransform per transform, no AssumeRole) and what the scan says it made.
    expect(harness.aws.callCounts()).toEqual(expectedCalls);
    expect(result.stats.calls).toEqual(expectedCalls);
    expect(result.stats).toMatchObject({ transforms: 250, keys: 3, securityConfigurations: 2 });
  });

  it('reads the same 250 transforms in one GetMLTransforms call with GLUE_ENCRYPT_PAGE_SIZE=1000', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1', GLUE_ENCRYPT_PAGE_SIZE: '1000' });
    seedScale(harness.aws.state, { accounts: [HOME], regions: ['eu-west-1'], transforms: 250, keys: 3, securityConfigurations: 2 });

    const result = await scan(harness);

    expect(new Set(result.findings.map((f) => f.transformId)).size).toBe(250);
    expect(harness.aws.callCounts()).toMatchObject({ 'glue:GetMLTransforms': 1, 'kms:DescribeKey': 3, 'kms:GetKeyRotationStatus': 3 });
  });
});

describe('runScan paging and counting', () => {
  it('reports the region, and nothing half-read from it, when a later page fails while the one before is being worked on', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1' });
    seedScale(harness.aws.state, { accounts: [HOME], regions: ['eu-west-1'], transforms: 250, keys: 3, securityConfigurations: 2 });
    // The first page is answered; the second (asked for as soon as the first arrived) is denied.
    harness.aws.failNext('glue:GetMLTransforms', { code: 'AccessDeniedException', message: 'not authorized to perform glue:GetMLTransforms' }, 1, 1);

    const result = await scan(harness);

    expect(result.findings).toEqual([]);
    expect(result.scopeErrors).toHaveLength(1);
    expect(result.scopeErrors[0]).toMatchObject({ accountId: HOME, region: 'eu-west-1', operation: 'glue:GetMLTransforms', code: 'AccessDeniedException' });
    // Pages one and two were asked for, and never a third after the failure.
    expect(harness.aws.callCounts()['glue:GetMLTransforms']).toBe(2);
  });

  it('counts two scans that run at once on the same clients apart', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1' });
    seedScale(harness.aws.state, { accounts: [HOME], regions: ['eu-west-1'], transforms: 250, keys: 3, securityConfigurations: 2 });
    const one = seedTransform(harness.aws.state, { accountId: HOME, region: 'eu-west-1' }, 'just-this-one');
    await scan(harness); // the bot's own account is now known: neither scan below asks STS
    harness.aws.resetCounts();

    const [all, single] = await Promise.all([scan(harness), scan(harness, { transform: one })]);

    expect(all.findings).toHaveLength(251);
    expect(single.findings.map((f) => f.transformId)).toEqual([one]);
    expect(all.stats.calls).toEqual({ 'glue:GetMLTransforms': 3, 'kms:DescribeKey': 3, 'kms:GetKeyRotationStatus': 3, 'glue:GetSecurityConfiguration': 2 });
    expect(single.stats.calls).toEqual({ 'glue:GetMLTransform': 1 });
    expect(harness.aws.callCounts()).toEqual({ 'glue:GetMLTransforms': 3, 'glue:GetMLTransform': 1, 'kms:DescribeKey': 3, 'kms:GetKeyRotationStatus': 3, 'glue:GetSecurityConfiguration': 2 });
  });
});

describe('runScan under throttling', () => {
  it('completes with the same findings when 30% of calls are throttled', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1' });
    seedScale(harness.aws.state, { accounts: [HOME], regions: ['eu-west-1'], transforms: 120, keys: 3, securityConfigurations: 2 });
    const calm = await scan(harness);
    expect(calm.findings).toHaveLength(120);
    expect(harness.aws.throttledCount()).toBe(0);

    harness.aws.setThrottleRate(0.3);
    const throttled = await scan(harness);

    expect(harness.aws.throttledCount()).toBeGreaterThan(0);
    expect(throttled.scopeErrors).toEqual([]);
    expect(verdicts(throttled)).toEqual(verdicts(calm));
  }, 60_000);
});

describe('runScan with accounts and regions it cannot read', () => {
  it('reports a member account that denies sts:AssumeRole and still reports the other member account', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1,us-east-1', GLUE_ENCRYPT_ACCOUNTS: `${MEMBER},${DENYING_MEMBER}` });
    const state = harness.aws.state;
    const memberEu = seedTransform(state, { accountId: MEMBER, region: 'eu-west-1' }, 'member-eu');
    const memberUs = seedTransform(state, { accountId: MEMBER, region: 'us-east-1' }, 'member-us');
    seedTransform(state, { accountId: DENYING_MEMBER, region: 'eu-west-1' }, 'hidden');
    const home = seedTransform(state, { accountId: HOME, region: 'eu-west-1' }, 'home-eu');
    state.denyAssumeRole(DENYING_MEMBER);

    const result = await scan(harness);

    expect(result.findings.map((f) => [f.accountId, f.region, f.transformId]).sort()).toEqual(
      [
        [HOME, 'eu-west-1', home],
        [MEMBER, 'eu-west-1', memberEu],
        [MEMBER, 'us-east-1', memberUs],
      ].sort(),
    );
    expect(result.findings.map((f) => f.name)).not.toContain('hidden');
    expect(result.scopeErrors.map((e) => [e.accountId, e.region]).sort()).toEqual([
      [DENYING_MEMBER, 'eu-west-1'],
      [DENYING_MEMBER, 'us-east-1'],
    ]);
    for (const error of result.scopeErrors) {
      expect(error).toMatchObject({ operation: 'sts:AssumeRole', code: 'AccessDenied' });
      expect(error.message).toContain('sts:AssumeRole');
      expect(error.message).toContain(DENYING_MEMBER);
    }
  });

  it('reports a region that denies access and still reports the other region', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1,us-east-1' });
    const eu = seedTransform(harness.aws.state, { accountId: HOME, region: 'eu-west-1' }, 'readable');
    seedTransform(harness.aws.state, { accountId: HOME, region: 'us-east-1' }, 'behind-an-scp');
    harness.aws.state.denyRegion(HOME, 'us-east-1');

    const result = await scan(harness);

    expect(result.findings.map((f) => f.transformId)).toEqual([eu]);
    expect(result.scopeErrors).toHaveLength(1);
    expect(result.scopeErrors[0]).toMatchObject({ accountId: HOME, region: 'us-east-1', operation: 'glue:GetMLTransforms', code: 'AccessDeniedException' });
    expect(result.scopeErrors[0]?.message).toContain('glue:GetMLTransforms');
    expect(result.scopeErrors[0]?.message).toContain('us-east-1');
  });

  it('refuses an account that is not configured without trying to assume a role in it', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1', GLUE_ENCRYPT_ACCOUNTS: MEMBER });
    seedTransform(harness.aws.state, { accountId: '999999999999', region: 'eu-west-1' }, 'elsewhere');

    const result = await scan(harness, { accounts: ['999999999999'] });

    expect(result.findings).toEqual([]);
    expect(result.scopeErrors).toHaveLength(1);
    expect(result.scopeErrors[0]).toMatchObject({ accountId: '999999999999', code: 'AccountNotConfigured' });
    expect(result.scopeErrors[0]?.message).toContain('GLUE_ENCRYPT_ACCOUNTS');
    const calls = harness.aws.callCounts();
    expect(calls).not.toHaveProperty('sts:AssumeRole');
    expect(Object.keys(calls).filter((op) => op.startsWith('glue:') || op.startsWith('kms:'))).toEqual([]);
  });
});

describe('runScan key lookups', () => {
  it('fails a transform whose key ARN is in another region with KMS_KEY_OTHER_REGION', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1' });
    const state = harness.aws.state;
    const eu = { accountId: HOME, region: 'eu-west-1' };
    const { config } = seedCompliantSetup(state, eu);
    const usKey = state.addKey({ accountId: HOME, region: 'us-east-1' }, { rotationEnabled: true });
    seedTransform(state, eu, 'cross-region', sseKms(usKey.arn, config));

    const finding = byName(await scan(harness), 'cross-region');

    expect(finding.status).toBe('FAIL');
    expect(finding.reasons.map((r) => r.code)).toEqual(['KMS_KEY_OTHER_REGION']);
    expect(finding.reasons[0]?.message).toContain('us-east-1');
  });

  it('reads the rotation of a key given by alias name or alias ARN', async () => {
    const harness = await start({ GLUE_ENCRYPT_REGIONS: 'eu-west-1' });
    const state = harness.aws.state;
    const eu = { accountId: HOME, region: 'eu-west-1' };
    const { config } = seedCompliantSetup(state, eu);
    state.addKey(eu, { rotationEnabled: true, aliases: ['alias/rotating'] });
    state.addKey(eu, { rotationEnabled: false, aliases: ['alias/not-rotating'] });
    seedTransform(state, eu, 'by-alias', sseKms('alias/rotating', config));
    seedTransform(state, eu, 'by-alias-arn', sseKms(`arn:aws:kms:eu-west-1:${HOME}:alias/rotating`, config));
    seedTransform(state, eu, 'by-alias-no-rotation', sseKms('alias/not-rotating', config));

    const result = await scan(harness);

    for (const name of ['by-alias', 'by-alias-arn']) {
      const finding = byName(result, name);
      expect(finding.reasons.map((r) => r.code), name).toEqual([]);
      expect(finding.status).toBe('PASS');
    }
    // Rotation really was read, not just left unknown: the key without rotation is named for it.
    const off = byName(result, 'by-alias-no-rotation');
    expect(off.reasons.map((r) => r.code)).toEqual(['KMS_KEY_ROTATION_OFF']);
    expect(off.reasons[0]?.message).toContain('alias/not-rotating');
    expect(result.findings.flatMap((f) => f.reasons.map((r) => r.code))).not.toContain('KMS_KEY_ROTATION_UNKNOWN');
  });
});

describe('allowed keys named by alias', () => {
  it('a transform that names its key by ARN passes when the key is allowed by alias; another key fails', async () => {
    const harness = await startHarness({ env: { GLUE_ENCRYPT_ALLOWED_KEYS: 'alias/glue-ml', AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString('hex').toUpperCase()}` } });
    h = harness;
    const result = await scan(harness, { regions: ['eu-west-1'] });
    const byName = new Map(result.findings.map((f) => [f.name, f]));
    // customer-dedupe names alias/glue-ml's key by its ARN.
    expect(byName.get('customer-dedupe')?.status).toBe('PASS');
    const contacts = byName.get('contacts-match')!;
    expect(contacts.reasons.map((r) => r.code)).toContain('KMS_KEY_NOT_ALLOWED');
    // One ListAliases for the region, only because the policy allows by alias.
    expect(result.stats.calls['kms:ListAliases']).toBe(1);
  });

  it('without allowed aliases no ListAliases call is made', async () => {
    const harness = await startHarness({ env: { AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString('hex').toUpperCase()}` } });
    h = harness;
    const result = await scan(harness, { regions: ['eu-west-1'] });
    expect(result.stats.calls['kms:ListAliases']).toBeUndefined();
  });
});
