// Glue transform rules that real Glue enforces and a naive stand-in would not: names limited in
// UTF-8 bytes.
import { CreateMLTransformCommand, GetMLTransformCommand, UpdateMLTransformCommand, type GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { DEMO_ROLE_ARN, seedDemo } from '../../src/sandbox/fixtures.js';
import { glueClient, rejection } from './clients.js';

let sandbox: AwsSandbox;
let glue: GlueClient;

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
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
