// Throttling, injected failures, latency and call counting, seen through the real SDK.
import {
  AlreadyExistsException,
  CreateMLTransformCommand,
  GetMLTaskRunsCommand,
  GetMLTransformsCommand,
  GlueClient,
  StartExportLabelsTaskRunCommand,
  ThrottlingException,
} from '@aws-sdk/client-glue';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox, SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY } from '../../src/sandbox/aws/index.js';
import { DEMO_ROLE_ARN, DEMO_TRANSFORM_IDS, labelBucketName, seedDemo } from '../../src/sandbox/fixtures.js';
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

describe('lost answers (afterApplying)', () => {
  // The SDK's own retry policy (3 attempts): what the app runs with in production.
  const defaultGlue = () =>
    new GlueClient({ endpoint: sandbox.endpoint, region: 'eu-west-1', credentials: { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY } });
  const lostAnswer = { code: 'InternalServiceException', message: 'Dependency failure', status: 500, afterApplying: true };

  it('a create whose answer is lost is retried by the SDK into AlreadyExistsException, with the one transform it made', async () => {
    sandbox.failNext('glue:CreateMLTransform', lostAnswer);
    const input = { Name: 'lost-answer', Role: DEMO_ROLE_ARN, InputRecordTables: [{ DatabaseName: 'd', TableName: 't' }], Parameters: { TransformType: 'FIND_MATCHES' as const } };
    const error = await rejection(defaultGlue().send(new CreateMLTransformCommand(input)));
    expect(error).toBeInstanceOf(AlreadyExistsException);
    expect(error.$metadata?.attempts).toBe(2);
    const { Transforms = [] } = await glueClient(sandbox).send(new GetMLTransformsCommand({ Filter: { Name: 'lost-answer' } }));
    expect(Transforms).toHaveLength(1);
    expect(sandbox.callCounts()['glue:CreateMLTransform']).toBe(2);
  });

  it('an export start whose answer is lost is retried by the SDK into a second run into the same folder', async () => {
    sandbox.failNext('glue:StartExportLabelsTaskRun', lostAnswer);
    const transformId = DEMO_TRANSFORM_IDS['orders-match'];
    const folder = `s3://${labelBucketName('111111111111', 'eu-west-1')}/lost-answer/orders-match/`;
    const started = await defaultGlue().send(new StartExportLabelsTaskRunCommand({ TransformId: transformId, OutputS3Path: folder }));
    expect(started.$metadata.attempts).toBe(2);
    const { TaskRuns = [] } = await glueClient(sandbox).send(new GetMLTaskRunsCommand({ TransformId: transformId, Filter: { TaskRunType: 'EXPORT_LABELS' } }));
    expect(TaskRuns).toHaveLength(2);
    expect(TaskRuns.map((r) => r.Properties?.ExportLabelsTaskRunProperties?.OutputS3Path)).toEqual([folder, folder]);
    expect(TaskRuns.map((r) => r.TaskRunId)).toContain(started.TaskRunId);
    // Both runs wrote their files: the folder holds the labels twice over.
    expect(sandbox.state.s3List(folder).flatMap((f) => f.labels)).toHaveLength(2 * 312);
  });

  it('without afterApplying nothing is carried out', async () => {
    sandbox.failNext('glue:CreateMLTransform', { code: 'InternalServiceException', message: 'Dependency failure', status: 500 });
    const input = { Name: 'not-applied', Role: DEMO_ROLE_ARN, InputRecordTables: [{ DatabaseName: 'd', TableName: 't' }], Parameters: { TransformType: 'FIND_MATCHES' as const } };
    expect((await rejection(glueClient(sandbox).send(new CreateMLTransformCommand(input)))).name).toBe('InternalServiceException');
    expect((await glueClient(sandbox).send(new GetMLTransformsCommand({ Filter: { Name: 'not-applied' } }))).Transforms).toEqual([]);
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
