// Throttling, injected failures, latency and call counting, seen through the real SDK.
import { CreateMLTransformCommand, GetMLTransformsCommand, ThrottlingException } from '@aws-sdk/client-glue';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { DEMO_ROLE_ARN, seedDemo } from '../../src/sandbox/fixtures.js';
import { glueClient, kmsClient, rejection, stsClient } from './clients.js';

let sandbox: AwsSandbox;

beforeAll(async () => {
  sandbox = await AwsSandbox.start({ randomSeed: 7 });
  seedDemo(sandbox.state);
});

afterEach(() => {
  sandbox.setThrottleRate(0);
  sandbox.setLatency(0);
  sandbox.resetCounts();
});

afterAll(() => sandbox.close());

describe('throttling', () => {
  it('at rate 1.0 the SDK gives up with ThrottlingException after its retries, each attempt counted', async () => {
    sandbox.setThrottleRate(1);
    const error = await rejection(glueClient(sandbox, { maxAttempts: 2 }).send(new GetMLTransformsCommand({})));
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata?.attempts).toBe(2);
    expect(sandbox.callCounts()['glue:GetMLTransforms']).toBe(2);
    expect(sandbox.throttledCount()).toBe(2);

    const kmsError = await rejection(kmsClient(sandbox, { maxAttempts: 2 }).send(new DescribeKeyCommand({ KeyId: 'alias/glue-ml' })));
    expect(kmsError.name).toBe('ThrottlingException');
    const stsError = await rejection(stsClient(sandbox, { maxAttempts: 1 }).send(new AssumeRoleCommand({ RoleArn: DEMO_ROLE_ARN, RoleSessionName: 'scan' })));
    expect(stsError.name).toBe('Throttling');
    expect(sandbox.throttledCount()).toBe(5);
  });

  it('a retry that is not throttled succeeds, and the throttled attempt still counts', async () => {
    sandbox.setThrottleRate(0.5);
    const glue = glueClient(sandbox, { maxAttempts: 10 });
    for (let i = 0; i < 5; i++) await glue.send(new GetMLTransformsCommand({}));
    const calls = sandbox.callCounts()['glue:GetMLTransforms'] ?? 0;
    expect(calls).toBe(5 + sandbox.throttledCount());
    expect(sandbox.throttledCount()).toBeGreaterThan(0);
  });

  it('throttles the same calls for the same seed, and other calls for another seed', async () => {
    async function pattern(seed: number): Promise<string> {
      const box = await AwsSandbox.start({ randomSeed: seed, throttleRate: 0.5 });
      try {
        const glue = glueClient(box, { maxAttempts: 1 });
        let marks = '';
        for (let i = 0; i < 24; i++) marks += (await glue.send(new GetMLTransformsCommand({})).then(() => '.', () => 'T'));
        return marks;
      } finally {
        await box.close();
      }
    }
    const a = await pattern(42);
    expect(await pattern(42)).toBe(a);
    expect(await pattern(43)).not.toBe(a);
    expect(a).toMatch(/T/);
    expect(a).toMatch(/\./);
  });
});

describe('failNext', () => {
  const create = (name: string) =>
    glueClient(sandbox).send(
      new CreateMLTransformCommand({ Name: name, Role: DEMO_ROLE_ARN, InputRecordTables: [{ DatabaseName: 'd', TableName: 't' }], Parameters: { TransformType: 'FIND_MATCHES' } }),
    );

  it('fails the named operation the given number of times with the given error', async () => {
    sandbox.failNext('glue:CreateMLTransform', { code: 'ResourceNumberLimitExceededException', message: 'too many transforms' }, 2);
    for (const name of ['fail-1', 'fail-2']) {
      const error = await rejection(create(name));
      expect(error.name).toBe('ResourceNumberLimitExceededException');
      expect(error.message).toBe('too many transforms');
    }
    expect((await create('fail-3')).TransformId).toBeDefined();
    // Other operations were never affected.
    expect(sandbox.callCounts()['glue:CreateMLTransform']).toBe(3);
  });

  it('a 5xx injected once is retried away by the SDK', async () => {
    sandbox.failNext('kms:DescribeKey', { code: 'KMSInternalException', message: 'try again', status: 500 });
    const key = await kmsClient(sandbox, { maxAttempts: 3 }).send(new DescribeKeyCommand({ KeyId: 'alias/glue-ml' }));
    expect(key.KeyMetadata?.KeyState).toBe('Enabled');
    expect(key.$metadata.attempts).toBe(2);
    expect(sandbox.callCounts()['kms:DescribeKey']).toBe(2);
  });
});

describe('latency and counts', () => {
  it('delays every answer by the set latency', async () => {
    sandbox.setLatency(120);
    const started = performance.now();
    await glueClient(sandbox).send(new GetMLTransformsCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('counts per operation and per account/region, and resets', async () => {
    await glueClient(sandbox).send(new GetMLTransformsCommand({}));
    await glueClient(sandbox, { region: 'us-east-1' }).send(new GetMLTransformsCommand({}));
    expect(sandbox.callCounts()).toEqual({ 'glue:GetMLTransforms': 2 });
    expect(sandbox.callCountsByScope()).toEqual({
      '111111111111/eu-west-1/glue:GetMLTransforms': 1,
      '111111111111/us-east-1/glue:GetMLTransforms': 1,
    });
    sandbox.resetCounts();
    expect(sandbox.callCounts()).toEqual({});
  });
});
