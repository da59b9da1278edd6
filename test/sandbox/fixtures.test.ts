// The seeded data sets: the demo estate is what its constants say, the scale estate is spread as promised.
import { GetMLTransformCommand, GetMLTransformsCommand, type MLTransform } from '@aws-sdk/client-glue';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox, SandboxState } from '../../src/sandbox/aws/index.js';
import { DEMO_KEY_ARNS, DEMO_TRANSFORMS, seedDemo, seedScale } from '../../src/sandbox/fixtures.js';
import { glueClient, kmsClient, stsClient } from './clients.js';

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
