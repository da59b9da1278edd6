// The seeded data sets: the demo estate is what its constants say, the scale estate is spread as promised.
import { GetMLTransformCommand, GetMLTransformsCommand, type MLTransform } from '@aws-sdk/client-glue';
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetBucketLocationCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox, SandboxState } from '../../src/sandbox/aws/index.js';
import {
  DEMO_ACCOUNT_ID,
  DEMO_KEY_ARNS,
  DEMO_ROLE_ARN,
  DEMO_TRANSFORMS,
  demoKeyPolicy,
  labelBucketName,
  seedDemo,
  seedScale,
} from '../../src/sandbox/fixtures.js';
import { glueClient, iamClient, kmsClient, s3Client, stsClient } from './clients.js';

let sandbox: AwsSandbox;

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  seedDemo(sandbox.state);
});

afterAll(() => sandbox.close());

describe('seedDemo', () => {
  it('seeds every DEMO_TRANSFORMS entry under its id, name and region, and nothing else', async () => {
    for (const region of ['eu-west-1', 'us-east-1']) {
      const { Transforms = [] } = await glueClient(sandbox, { region }).send(new GetMLTransformsCommand({}));
      const expected = DEMO_TRANSFORMS.filter((t) => t.region === region);
      expect(Transforms.map((t) => [t.Name, t.TransformId]).sort()).toEqual(expected.map((t) => [t.name, t.transformId]).sort());
      for (const t of Transforms) expect(t.TransformId).toMatch(/^tfm-[0-9a-f]{40}$/);
    }
  });

  it('gives each transform the key state its expected verdict relies on', async () => {
    const glue = glueClient(sandbox);
    const kms = kmsClient(sandbox);
    const transform = async (name: string): Promise<MLTransform> => {
      const demo = DEMO_TRANSFORMS.find((t) => t.name === name);
      return glue.send(new GetMLTransformCommand({ TransformId: demo?.transformId }));
    };
    const keyOf = async (name: string) => {
      const keyId = (await transform(name)).TransformEncryption?.MlUserDataEncryption?.KmsKeyId ?? '';
      return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    };
    expect(await keyOf('customer-dedupe')).toMatchObject({ Arn: DEMO_KEY_ARNS.glueMl, KeyState: 'Enabled', KeyManager: 'CUSTOMER' });
    expect(await keyOf('supplier-match')).toMatchObject({ KeyManager: 'AWS' });
    expect(await keyOf('invoice-dedupe')).toMatchObject({ KeyState: 'Disabled' });
    expect(await keyOf('patient-match')).toMatchObject({ KeyState: 'PendingDeletion' });
    expect(await keyOf('contacts-match')).toMatchObject({ Arn: DEMO_KEY_ARNS.glueNoRotate });
    expect((await transform('orders-match')).TransformEncryption).toBeUndefined();
    expect((await transform('claims-dedupe')).TransformEncryption?.TaskRunSecurityConfigurationName).toBeUndefined();
    expect((await transform('leads-match')).TransformEncryption?.TaskRunSecurityConfigurationName).toBe('legacy-sse-s3');
    // Both sizing shapes are present, so a copy that replays a Get into a Create would be caught.
    expect(await transform('orders-match')).toMatchObject({ MaxCapacity: 10, LabelCount: 312 });
    expect(await transform('orders-match')).not.toHaveProperty('WorkerType');
    expect(await transform('customer-dedupe')).toMatchObject({ WorkerType: 'G.1X', NumberOfWorkers: 10 });
  });
});

describe('seedDemo: what a remediation needs around the transforms', () => {
  const regions = [...new Set(DEMO_TRANSFORMS.map((t) => t.region))];

  it('has a label bucket in each region of the estate, in that region', async () => {
    expect(labelBucketName('111111111111', 'eu-west-1')).toBe('glue-encrypt-labels-111111111111-eu-west-1');
    for (const region of regions) {
      // Asked from the region itself, as S3 requires.
      const { LocationConstraint } = await s3Client(sandbox, { region }).send(new GetBucketLocationCommand({ Bucket: labelBucketName(DEMO_ACCOUNT_ID, region) }));
      expect(LocationConstraint || 'us-east-1').toBe(region);
    }
  });

  it('seeds GlueMLRole allowed the keys of its account, log-group key association and its label buckets', async () => {
    const bucketArn = (region: string) => `arn:aws:s3:::${labelBucketName(DEMO_ACCOUNT_ID, region)}`;
    const { EvaluationResults = [] } = await iamClient(sandbox).send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: DEMO_ROLE_ARN,
        ActionNames: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:DescribeKey', 'logs:AssociateKmsKey', 's3:GetObject', 's3:PutObject', 's3:ListBucket', 'kms:ScheduleKeyDeletion'],
        ResourceArns: [
          DEMO_KEY_ARNS.glueMl,
          DEMO_KEY_ARNS.usGlueMl,
          'arn:aws:kms:eu-west-1:999999999999:key/b18bf606-2b84-427d-880d-985b50b67678',
          'arn:aws:logs:eu-west-1:111111111111:log-group:/aws-glue/*',
          ...regions.flatMap((r) => [bucketArn(r), `${bucketArn(r)}/glue-encrypt/x.csv`]),
        ],
      }),
    );
    const allowed = (action: string, resource: string) =>
      EvaluationResults.find((r) => r.EvalActionName === action && r.EvalResourceName === resource)?.EvalDecision === 'allowed';
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:DescribeKey']) {
      expect(allowed(action, DEMO_KEY_ARNS.glueMl)).toBe(true);
      expect(allowed(action, DEMO_KEY_ARNS.usGlueMl)).toBe(true);
      expect(allowed(action, 'arn:aws:kms:eu-west-1:999999999999:key/b18bf606-2b84-427d-880d-985b50b67678')).toBe(false);
    }
    expect(allowed('kms:ScheduleKeyDeletion', DEMO_KEY_ARNS.glueMl)).toBe(false);
    expect(allowed('logs:AssociateKmsKey', 'arn:aws:logs:eu-west-1:111111111111:log-group:/aws-glue/*')).toBe(true);
    for (const region of regions) {
      expect(allowed('s3:ListBucket', bucketArn(region))).toBe(true);
      expect(allowed('s3:GetObject', `${bucketArn(region)}/glue-encrypt/x.csv`)).toBe(true);
      expect(allowed('s3:PutObject', `${bucketArn(region)}/glue-encrypt/x.csv`)).toBe(true);
    }
  });

  it('gives alias/glue-ml in each region a key policy that hands use to IAM and admits CloudWatch Logs of that region', async () => {
    for (const [region, keyArn] of [['eu-west-1', DEMO_KEY_ARNS.glueMl], ['us-east-1', DEMO_KEY_ARNS.usGlueMl]] as const) {
      const { Policy } = await kmsClient(sandbox, { region }).send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }));
      expect(Policy).toBe(demoKeyPolicy(DEMO_ACCOUNT_ID, region));
      const [root, logs] = (JSON.parse(Policy ?? '{}') as { Statement: Record<string, unknown>[] }).Statement;
      expect(root).toMatchObject({ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*' });
      expect(logs).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:111111111111:*` } },
      });
    }
  });
});

describe('seedScale', () => {
  const options = { accounts: ['500000000001', '500000000002'], regions: ['eu-west-1', 'us-east-1'], transforms: 40, keys: 6, securityConfigurations: 3 };

  it('spreads transforms evenly and keeps every key and configuration in its transforms account/region', () => {
    const state = new SandboxState({ defaultAccountId: '111111111111', defaultRegion: 'eu-west-1', taskRunMs: 0, seed: 3 });
    const summary = seedScale(state, options);
    expect(summary).toMatchObject({ transforms: 40, keys: 6, securityConfigurations: 3, unencryptedTransforms: 4, keysReferenced: 6, securityConfigurationsReferenced: 3 });
    const stores = state.regions();
    expect(stores).toHaveLength(4);
    const keyArns = new Set<string>();
    for (const store of stores) {
      expect(store.transforms.size).toBe(10);
      for (const key of store.keys.values()) keyArns.add(key.arn);
      for (const { definition } of store.transforms.values()) {
        const keyId = definition.TransformEncryption?.MlUserDataEncryption?.KmsKeyId;
        if (keyId) expect(store.keys.has(keyId.split('/').pop() ?? '')).toBe(true);
        const config = definition.TransformEncryption?.TaskRunSecurityConfigurationName;
        if (config) expect(store.securityConfigurations.has(config)).toBe(true);
      }
    }
    expect(keyArns.size).toBe(6);
  });

  it('produces the same estate for the same seed', () => {
    const ids = (seed: number) => {
      const state = new SandboxState({ defaultAccountId: '111111111111', defaultRegion: 'eu-west-1', taskRunMs: 0, seed });
      seedScale(state, options);
      return state.regions().flatMap((s) => [...s.transforms.keys()]);
    };
    expect(ids(9)).toEqual(ids(9));
    expect(ids(9)).not.toEqual(ids(10));
  });

  it('is reachable through AssumeRole into each account', async () => {
    seedScale(sandbox.state, options);
    const { Credentials } = await stsClient(sandbox).send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::500000000002:role/GlueEncryptScanner', RoleSessionName: 'bench' }),
    );
    const glue = glueClient(sandbox, {
      region: 'us-east-1',
      credentials: { accessKeyId: Credentials?.AccessKeyId ?? '', secretAccessKey: Credentials?.SecretAccessKey ?? '', sessionToken: Credentials?.SessionToken },
    });
    const { Transforms = [] } = await glue.send(new GetMLTransformsCommand({ MaxResults: 100 }));
    expect(Transforms).toHaveLength(10);
    for (const t of Transforms) expect(t.Role).toBe('arn:aws:iam::500000000002:role/GlueMLRole');
  });
});
