// KMS and STS through the real SDK clients, and the deny rules.
import { GetMLTransformsCommand, type GlueClient } from '@aws-sdk/client-glue';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSInvalidStateException,
  ListAliasesCommand,
  ListKeysCommand,
  NotFoundException,
  UnsupportedOperationException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { DEMO_KEY_ARNS, DEMO_KEY_IDS, DEMO_ROLE_ARN, seedDemo } from '../../src/sandbox/fixtures.js';
import { glueClient, kmsClient, rejection, stsClient } from './clients.js';

let sandbox: AwsSandbox;
let kms: KMSClient;
let sts: STSClient;

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  seedDemo(sandbox.state);
  kms = kmsClient(sandbox);
  sts = stsClient(sandbox);
});

afterAll(() => sandbox.close());

const describeKey = async (keyId: string, client = kms) => (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;

describe('DescribeKey', () => {
  it('finds the same key by alias, alias ARN, key ARN and key id', async () => {
    const refs = ['alias/glue-ml', 'arn:aws:kms:eu-west-1:111111111111:alias/glue-ml', DEMO_KEY_ARNS.glueMl, DEMO_KEY_IDS.glueMl];
    for (const ref of refs) {
      const key = await describeKey(ref);
      expect(key).toMatchObject({
        KeyId: DEMO_KEY_IDS.glueMl,
        Arn: DEMO_KEY_ARNS.glueMl,
        AWSAccountId: '111111111111',
        KeyState: 'Enabled',
        Enabled: true,
        KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        MultiRegion: false,
      });
      expect(key?.CreationDate).toBeInstanceOf(Date);
    }
  });

  it('reports disabled, pending-deletion and AWS managed keys as they are', async () => {
    expect(await describeKey('alias/glue-old')).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    const retiring = await describeKey('alias/glue-retiring');
    expect(retiring).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
    const daysLeft = ((retiring?.DeletionDate?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(daysLeft).toBeGreaterThan(10);
    expect(daysLeft).toBeLessThan(12);
    expect(await describeKey('alias/aws/glue')).toMatchObject({ KeyId: DEMO_KEY_IDS.awsGlue, KeyManager: 'AWS' });
    expect((await describeKey('alias/glue-ml'))?.DeletionDate).toBeUndefined();
  });

  it('creates an AWS managed key the first time its predefined alias is described', async () => {
    const first = await describeKey('alias/aws/s3');
    expect(first?.KeyManager).toBe('AWS');
    expect((await describeKey('alias/aws/s3'))?.KeyId).toBe(first?.KeyId);
  });

  it('does not find a key ARN of another region, which that region does find', async () => {
    const inEu = await rejection(kms.send(new DescribeKeyCommand({ KeyId: DEMO_KEY_ARNS.usGlueMl })));
    expect(inEu).toBeInstanceOf(NotFoundException);
    expect(inEu.name).toBe('NotFoundException');
    expect((await describeKey(DEMO_KEY_ARNS.usGlueMl, kmsClient(sandbox, { region: 'us-east-1' })))?.KeyId).toBe(DEMO_KEY_IDS.usGlueMl);
    // The same alias name means a different key in each region.
    expect((await describeKey('alias/glue-ml', kmsClient(sandbox, { region: 'us-east-1' })))?.KeyId).toBe(DEMO_KEY_IDS.usGlueMl);
  });

  it('answers NotFoundException for unknown aliases and ids', async () => {
    expect(await rejection(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })))).toBeInstanceOf(NotFoundException);
    expect(await rejection(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })))).toBeInstanceOf(NotFoundException);
  });

  it('answers AccessDeniedException for a key whose describe is denied, by any reference', async () => {
    sandbox.state.denyKeyDescribe(DEMO_KEY_ARNS.glueNoRotate);
    for (const ref of [DEMO_KEY_ARNS.glueNoRotate, 'alias/glue-norotate']) {
      const denied = await rejection(kms.send(new DescribeKeyCommand({ KeyId: ref })));
      expect(denied.name).toBe('AccessDeniedException');
      expect(denied.message).toContain('kms:DescribeKey');
    }
    expect((await describeKey('alias/glue-ml'))?.KeyId).toBe(DEMO_KEY_IDS.glueMl);
  });
});

describe('GetKeyRotationStatus, ListAliases, ListKeys, GetKeyPolicy', () => {
  const rotation = (keyId: string) => kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));

  it('reports rotation, and refuses keys pending deletion, asymmetric keys and aliases', async () => {
    expect((await rotation(DEMO_KEY_ARNS.glueMl)).KeyRotationEnabled).toBe(true);
    expect((await rotation(DEMO_KEY_IDS.glueNoRotate)).KeyRotationEnabled).toBe(false);
    expect((await rotation(DEMO_KEY_ARNS.awsGlue)).KeyRotationEnabled).toBe(true);
    expect(await rejection(rotation(DEMO_KEY_ARNS.glueRetiring))).toBeInstanceOf(KMSInvalidStateException);
    const signing = sandbox.state.addKey({ accountId: '111111111111', region: 'eu-west-1' }, { keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    expect(await rejection(rotation(signing.arn))).toBeInstanceOf(UnsupportedOperationException);
    // Documented input is a key id or key ARN.
    expect(await rejection(rotation('alias/glue-ml'))).toBeInstanceOf(NotFoundException);
  });

  it('pages through aliases, each once, and filters by key', async () => {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await kms.send(new ListAliasesCommand({ Limit: 2, Marker: marker }));
      expect(page.Truncated).toBe(page.NextMarker !== undefined);
      names.push(...(page.Aliases ?? []).map((a) => a.AliasName ?? ''));
      marker = page.NextMarker;
    } while (marker);
    expect(names).toEqual(expect.arrayContaining(['alias/glue-ml', 'alias/aws/glue', 'alias/glue-old', 'alias/glue-retiring', 'alias/glue-norotate']));
    expect(new Set(names).size).toBe(names.length);
    const forKey = await kms.send(new ListAliasesCommand({ KeyId: DEMO_KEY_IDS.glueOld }));
    expect(forKey.Aliases).toEqual([expect.objectContaining({ AliasName: 'alias/glue-old', TargetKeyId: DEMO_KEY_IDS.glueOld, AliasArn: 'arn:aws:kms:eu-west-1:111111111111:alias/glue-old' })]);
  });

  it('lists keys and returns a key policy', async () => {
    const keys = await kms.send(new ListKeysCommand({}));
    expect(keys.Keys?.map((k) => k.KeyArn)).toEqual(expect.arrayContaining([DEMO_KEY_ARNS.glueMl, DEMO_KEY_ARNS.glueOld]));
    const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: DEMO_KEY_ARNS.glueMl }));
    expect(policy.PolicyName).toBe('default');
    expect(JSON.parse(policy.Policy ?? '{}').Statement[0].Principal.AWS).toBe('arn:aws:iam::111111111111:root');
  });
});

describe('STS and accounts', () => {
  it('knows the default caller', async () => {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe('111111111111');
  });

  it('issues credentials whose calls land in the role account', async () => {
    sandbox.state.addTransform(
      { accountId: '222222222222', region: 'eu-west-1' },
      { Name: 'partner-dedupe', Role: 'arn:aws:iam::222222222222:role/GlueMLRole', Parameters: { TransformType: 'FIND_MATCHES' }, InputRecordTables: [] },
    );
    const { Credentials, AssumedRoleUser } = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/GlueEncryptScanner', RoleSessionName: 'glue-encrypt-scan' }),
    );
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA222222222222[A-Z0-9]{4}$/);
    expect(Credentials?.Expiration).toBeInstanceOf(Date);
    expect(AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/GlueEncryptScanner/glue-encrypt-scan');
    const credentials = {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    };

    const partnerGlue: GlueClient = glueClient(sandbox, { credentials });
    const partner = await partnerGlue.send(new GetMLTransformsCommand({}));
    expect(partner.Transforms?.map((t) => t.Name)).toEqual(['partner-dedupe']);
    const own = await glueClient(sandbox).send(new GetMLTransformsCommand({}));
    expect(own.Transforms?.map((t) => t.Name)).not.toContain('partner-dedupe');

    const who = await stsClient(sandbox, { credentials }).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/GlueEncryptScanner/glue-encrypt-scan' });
    expect(sandbox.callCountsByScope()['222222222222/eu-west-1/glue:GetMLTransforms']).toBe(1);
  });

  it('answers AccessDenied (HTTP 403) for a denied account and ValidationError for a malformed role', async () => {
    sandbox.state.denyAssumeRole('333333333333');
    const denied = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/GlueEncryptScanner', RoleSessionName: 'scan' })));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toContain('sts:AssumeRole');
    const malformed = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: 'GlueEncryptScanner', RoleSessionName: 'scan' })));
    expect(malformed.name).toBe('ValidationError');
  });
});

describe('denied regions', () => {
  it('answer AccessDeniedException or UnrecognizedClientException on Glue and KMS, and nowhere else', async () => {
    sandbox.state.denyRegion('111111111111', 'eu-north-1', 'AccessDenied');
    sandbox.state.denyRegion('111111111111', 'me-central-1', 'UnrecognizedClient');
    const north = { region: 'eu-north-1' };
    const optIn = { region: 'me-central-1' };
    expect((await rejection(glueClient(sandbox, north).send(new GetMLTransformsCommand({})))).name).toBe('AccessDeniedException');
    expect((await rejection(kmsClient(sandbox, north).send(new ListAliasesCommand({})))).name).toBe('AccessDeniedException');
    expect((await rejection(glueClient(sandbox, optIn).send(new GetMLTransformsCommand({})))).name).toBe('UnrecognizedClientException');
    expect((await rejection(kmsClient(sandbox, optIn).send(new DescribeKeyCommand({ KeyId: 'alias/glue-ml' })))).name).toBe('UnrecognizedClientException');
    // Same account, another region; and another account in the denied region: both fine.
    expect((await glueClient(sandbox).send(new GetMLTransformsCommand({}))).Transforms?.length).toBeGreaterThan(0);
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: DEMO_ROLE_ARN.replace('111111111111', '444444444444'), RoleSessionName: 'scan' }));
    const other = glueClient(sandbox, {
      ...north,
      credentials: { accessKeyId: Credentials?.AccessKeyId ?? '', secretAccessKey: Credentials?.SecretAccessKey ?? '', sessionToken: Credentials?.SessionToken ?? '' },
    });
    expect((await other.send(new GetMLTransformsCommand({}))).Transforms).toEqual([]);
  });
});
