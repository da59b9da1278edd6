// SSM Parameter Store through the real SDK client: the Slack secrets as Lambda reads them.
import { GetParameterCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { rejection, ssmClient } from './clients.js';

let sandbox: AwsSandbox;
let ssm: SSMClient;
beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  ssm = ssmClient(sandbox);
});
afterAll(async () => {
  await sandbox.close();
});

describe('SSM parameters', () => {
  it('returns a SecureString decrypted only when asked, with its version', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/app/secret', Value: 's3cr3t', Type: 'SecureString' }));
    const plain = await ssm.send(new GetParameterCommand({ Name: '/app/secret', WithDecryption: true }));
    expect(plain.Parameter).toMatchObject({ Name: '/app/secret', Type: 'SecureString', Value: 's3cr3t', Version: 1 });
    const sealed = await ssm.send(new GetParameterCommand({ Name: '/app/secret' }));
    expect(sealed.Parameter?.Value).not.toBe('s3cr3t');
  });

  it('refuses to overwrite without Overwrite, and counts versions when overwritten', async () => {
    expect(await rejection(ssm.send(new PutParameterCommand({ Name: '/app/secret', Value: 'next', Type: 'SecureString' })))).toBeInstanceOf(ParameterAlreadyExists);
    await ssm.send(new PutParameterCommand({ Name: '/app/secret', Value: 'next', Type: 'SecureString', Overwrite: true }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/app/secret', WithDecryption: true }))).Parameter).toMatchObject({ Value: 'next', Version: 2 });
  });

  it('answers ParameterNotFound for a name nobody stored, and keeps parameters per region', async () => {
    expect(await rejection(ssm.send(new GetParameterCommand({ Name: '/app/missing' })))).toBeInstanceOf(ParameterNotFound);
    expect(await rejection(ssmClient(sandbox, { region: 'us-east-1' }).send(new GetParameterCommand({ Name: '/app/secret' })))).toBeInstanceOf(ParameterNotFound);
  });
});
