// Glue transform rules that real Glue enforces and a naive stand-in would not: names limited in
// UTF-8 bytes, and a delete that takes a while, holding the name meanwhile.
import {
  AlreadyExistsException,
  CreateMLTransformCommand,
  DeleteMLTransformCommand,
  EntityNotFoundException,
  GetMLTransformCommand,
  GetMLTransformsCommand,
  InvalidInputException,
  StartExportLabelsTaskRunCommand,
  StartImportLabelsTaskRunCommand,
  UpdateMLTransformCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { DEMO_ROLE_ARN, labelBucketName, seedDemo } from '../../src/sandbox/fixtures.js';
import { glueClient, rejection } from './clients.js';

const DELETE_MS = 5 * 60_000;
let sandbox: AwsSandbox;
let glue: GlueClient;
let clock = Date.parse('2026-02-02T08:00:00Z');

beforeAll(async () => {
  sandbox = await AwsSandbox.start({ deleteMs: DELETE_MS });
  sandbox.state.setClock(() => clock);
  seedDemo(sandbox.state);
  glue = glueClient(sandbox);
});

afterAll(() => sandbox.close());

const create = (name: string) =>
  glue.send(
    new CreateMLTransformCommand({
      Name: name,
      Role: DEMO_ROLE_ARN,
      InputRecordTables: [{ DatabaseName: 'crm', TableName: 'customers' }],
      Parameters: { TransformType: 'FIND_MATCHES' },
    }),
  );

describe('transform names', () => {
  it('are limited to 255 bytes of UTF-8, not 255 characters, on create and on rename', async () => {
    const tooLongAscii = await rejection(create('a'.repeat(256)));
    const tooManyBytes = await rejection(create('é'.repeat(200)));
    expect(tooManyBytes.name).toBe(tooLongAscii.name);
    expect(tooManyBytes.name).toBe('ValidationException');
    expect(tooManyBytes.message).toBe(tooLongAscii.message);
    // 128 × "é" is 256 bytes; 127 × "é" (254 bytes) and 255 ASCII characters fit.
    expect((await rejection(create('é'.repeat(128)))).name).toBe('ValidationException');
    const { TransformId } = await create('é'.repeat(127));
    expect((await glue.send(new GetMLTransformCommand({ TransformId }))).Name).toBe('é'.repeat(127));
    expect((await create('a'.repeat(255))).TransformId).toBeDefined();

    const rename = await rejection(glue.send(new UpdateMLTransformCommand({ TransformId, Name: 'é'.repeat(200) })));
    expect(rename.name).toBe(tooLongAscii.name);
    expect(rename.message).toBe(tooLongAscii.message);
  });
});

describe('DeleteMLTransform', () => {
  it('leaves the transform DELETING for deleteMs, holding its name and refusing task runs, then it is gone', async () => {
    const { TransformId } = await create('doomed');
    sandbox.state.putLabels(`s3://${labelBucketName('111111111111', 'eu-west-1')}/doomed/labels.csv`, ['s,l,r']);
    expect((await glue.send(new DeleteMLTransformCommand({ TransformId }))).TransformId).toBe(TransformId);

    clock += DELETE_MS - 1;
    expect((await glue.send(new GetMLTransformCommand({ TransformId }))).Status).toBe('DELETING');
    const listed = await glue.send(new GetMLTransformsCommand({ Filter: { Name: 'doomed' } }));
    expect(listed.Transforms?.map((t) => [t.TransformId, t.Status])).toEqual([[TransformId, 'DELETING']]);
    const deleting = await glue.send(new GetMLTransformsCommand({ Filter: { Status: 'DELETING' } }));
    expect(deleting.Transforms?.map((t) => t.TransformId)).toEqual([TransformId]);

    expect(await rejection(create('doomed'))).toBeInstanceOf(AlreadyExistsException);
    const other = await create('survivor');
    expect(await rejection(glue.send(new UpdateMLTransformCommand({ TransformId: other.TransformId, Name: 'doomed' })))).toBeInstanceOf(AlreadyExistsException);
    const bucket = labelBucketName('111111111111', 'eu-west-1');
    const exportRun = await rejection(glue.send(new StartExportLabelsTaskRunCommand({ TransformId, OutputS3Path: `s3://${bucket}/doomed-out/` })));
    expect(exportRun).toBeInstanceOf(InvalidInputException);
    const importRun = await rejection(glue.send(new StartImportLabelsTaskRunCommand({ TransformId, InputS3Path: `s3://${bucket}/doomed/labels.csv` })));
    expect(importRun).toBeInstanceOf(InvalidInputException);
    expect((await glue.send(new DeleteMLTransformCommand({ TransformId }))).TransformId).toBe(TransformId);

    clock += 1;
    expect(await rejection(glue.send(new GetMLTransformCommand({ TransformId })))).toBeInstanceOf(EntityNotFoundException);
    expect(await rejection(glue.send(new DeleteMLTransformCommand({ TransformId })))).toBeInstanceOf(EntityNotFoundException);
    expect((await glue.send(new GetMLTransformsCommand({ Filter: { Name: 'doomed' } }))).Transforms).toEqual([]);
    // The name is free: another transform may take it, and a new one after that.
    await glue.send(new UpdateMLTransformCommand({ TransformId: other.TransformId, Name: 'doomed' }));
    expect((await glue.send(new GetMLTransformCommand({ TransformId: other.TransformId }))).Name).toBe('doomed');
    await glue.send(new UpdateMLTransformCommand({ TransformId: other.TransformId, Name: 'survivor' }));
    expect((await create('doomed')).TransformId).not.toBe(TransformId);
  });

  it('with deleteMs 0 (the default) a deleted transform is gone by the next call', async () => {
    sandbox.state.deleteMs = 0;
    try {
      const { TransformId } = await create('quickly-gone');
      await glue.send(new DeleteMLTransformCommand({ TransformId }));
      expect(await rejection(glue.send(new GetMLTransformCommand({ TransformId })))).toBeInstanceOf(EntityNotFoundException);
      expect((await create('quickly-gone')).TransformId).toBeDefined();
    } finally {
      sandbox.state.deleteMs = DELETE_MS;
    }
  });
});
