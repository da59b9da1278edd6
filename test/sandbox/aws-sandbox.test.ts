// Glue through the real SDK, with clients configured only by the environment the sandbox hands out.
import {
  AccessDeniedException,
  AlreadyExistsException,
  CreateMLTransformCommand,
  CreateSecurityConfigurationCommand,
  DeleteMLTransformCommand,
  EntityNotFoundException,
  GetJobCommand,
  GetJobsCommand,
  GetMLTransformCommand,
  GetMLTransformsCommand,
  GetSecurityConfigurationCommand,
  GetSecurityConfigurationsCommand,
  GetTagsCommand,
  GlueClient,
  InvalidInputException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateJobCommand,
  UpdateMLTransformCommand,
  type MLTransform,
} from '@aws-sdk/client-glue';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { DEMO_KEY_ARNS, DEMO_ROLE_ARN, DEMO_TRANSFORM_IDS, newTransformInput, seedDemo } from '../../src/sandbox/fixtures.js';
import { rejection } from './clients.js';

let sandbox: AwsSandbox;
let glue: GlueClient;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  seedDemo(sandbox.state);
  // No endpoint in the client config: the SDK must find the sandbox through AWS_ENDPOINT_URL_GLUE etc.
  for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_SESSION_TOKEN']) delete process.env[name];
  Object.assign(process.env, sandbox.env());
  glue = new GlueClient({ maxAttempts: 1 });
});

afterAll(async () => {
  process.env = savedEnv;
  await sandbox.close();
});

const newTransform = newTransformInput;

async function listAll(client: GlueClient, pageSize: number, filter?: { Name?: string }): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(new GetMLTransformsCommand({ MaxResults: pageSize, NextToken: token, Filter: filter }));
    pages++;
    names.push(...(page.Transforms ?? []).map((t) => t.Name ?? ''));
    token = page.NextToken;
  } while (token);
  return { names, pages };
}

describe('environment', () => {
  it('hands out endpoint variables the SDK honours, for every service', async () => {
    const env = sandbox.env();
    for (const service of ['GLUE', 'KMS', 'STS', 'IAM', 'S3', 'LAMBDA', 'SFN']) expect(env[`AWS_ENDPOINT_URL_${service}`]).toBe(sandbox.endpoint);
    const identity = await new STSClient({ maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('111111111111');
    expect(sandbox.callCounts()['sts:GetCallerIdentity']).toBeGreaterThanOrEqual(1);
    const bucket = await new S3Client({ maxAttempts: 1 }).send(new GetBucketLocationCommand({ Bucket: 'glue-encrypt-labels-111111111111-eu-west-1' }));
    expect(bucket.LocationConstraint).toBe('eu-west-1');
    const simulated = await new IAMClient({ maxAttempts: 1 }).send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: DEMO_ROLE_ARN, ActionNames: ['kms:Decrypt'] }));
    expect(simulated.EvaluationResults).toHaveLength(1);
    expect(sandbox.callCounts()).toMatchObject({ 's3:GetBucketLocation': 1, 'iam:SimulatePrincipalPolicy': 1 });
  });

  it('reads the region from the request signature', async () => {
    const eu = await listAll(glue, 100);
    const us = await listAll(new GlueClient({ maxAttempts: 1, region: 'us-east-1' }), 100);
    expect(eu.names).toContain('customer-dedupe');
    expect(eu.names).not.toContain('us-customer-dedupe');
    expect(us.names.sort()).toEqual(['us-customer-dedupe', 'us-orders-match']);
  });
});

describe('GetMLTransforms', () => {
  const region = 'eu-central-1';
  let paging: GlueClient;

  beforeAll(() => {
    for (let i = 0; i < 23; i++) {
      sandbox.state.addTransform(
        { accountId: '111111111111', region },
        { Name: `page-${String(i).padStart(2, '0')}`, Role: DEMO_ROLE_ARN, Parameters: { TransformType: 'FIND_MATCHES' }, InputRecordTables: [] },
      );
    }
    paging = new GlueClient({ maxAttempts: 1, region });
  });

  it('returns every transform exactly once over several pages', async () => {
    const { names, pages } = await listAll(paging, 5);
    expect(pages).toBe(5);
    expect(names).toHaveLength(23);
    expect(new Set(names).size).toBe(23);
  });

  it('neither skips nor repeats when transforms are deleted and created between pages', async () => {
    const first = await paging.send(new GetMLTransformsCommand({ MaxResults: 5 }));
    const seen = (first.Transforms ?? []).map((t) => t.Name);
    // Delete one already returned, add one new: an offset-based token would now skip an item.
    await paging.send(new DeleteMLTransformCommand({ TransformId: first.Transforms?.[0]?.TransformId }));
    await paging.send(new CreateMLTransformCommand(newTransform('page-late')));
    let token = first.NextToken;
    while (token) {
      const page = await paging.send(new GetMLTransformsCommand({ MaxResults: 5, NextToken: token }));
      seen.push(...(page.Transforms ?? []).map((t) => t.Name));
      token = page.NextToken;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (let i = 1; i < 23; i++) expect(seen).toContain(`page-${String(i).padStart(2, '0')}`);
    expect(seen).toContain('page-late');
  });

  it('uses one page when MaxResults allows and rejects sizes outside 1..1000', async () => {
    expect((await listAll(glue, 1000)).pages).toBe(1);
    expect((await rejection(glue.send(new GetMLTransformsCommand({ MaxResults: 1001 })))).name).toBe('ValidationException');
    const bad = await rejection(glue.send(new GetMLTransformsCommand({ NextToken: 'not-a-token' })));
    expect(bad).toBeInstanceOf(InvalidInputException);
  });

  it('filters by exact name and by status, and sorts', async () => {
    expect((await listAll(glue, 10, { Name: 'orders-match' })).names).toEqual(['orders-match']);
    expect((await listAll(glue, 10, { Name: 'orders' })).names).toEqual([]);
    const ready = await glue.send(new GetMLTransformsCommand({ Filter: { Status: 'READY' } }));
    expect(ready.Transforms?.length).toBe(9);
    const notReady = await glue.send(new GetMLTransformsCommand({ Filter: { Status: 'NOT_READY' } }));
    expect(notReady.Transforms).toEqual([]);
    const sorted = await glue.send(new GetMLTransformsCommand({ Sort: { Column: 'NAME', SortDirection: 'DESCENDING' } }));
    const names = (sorted.Transforms ?? []).map((t) => t.Name ?? '');
    expect(names).toEqual([...names].sort().reverse());
  });

  it('reports TransformEncryption exactly as stored, and absent when there is none', async () => {
    const { Transforms = [] } = await glue.send(new GetMLTransformsCommand({}));
    const byName = new Map<string | undefined, MLTransform>(Transforms.map((t) => [t.Name, t]));
    expect(byName.get('customer-dedupe')?.TransformEncryption).toEqual({
      MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: DEMO_KEY_ARNS.glueMl },
      TaskRunSecurityConfigurationName: 'glue-encrypt-kms',
    });
    expect(byName.get('orders-match')).not.toHaveProperty('TransformEncryption');
    expect(byName.get('vendor-match')?.TransformEncryption?.MlUserDataEncryption).toEqual({ MlUserDataEncryptionMode: 'DISABLED' });
    expect(byName.get('customer-dedupe')?.LabelCount).toBe(1250);
    expect(byName.get('customer-dedupe')?.CreatedOn).toEqual(new Date('2025-03-14T09:30:00Z'));
  });
});

describe('GetMLTransform / CreateMLTransform / UpdateMLTransform / DeleteMLTransform', () => {
  it('gets a transform by id, reporting MaxCapacity for a worker-sized one as Glue does', async () => {
    const t = await glue.send(new GetMLTransformCommand({ TransformId: DEMO_TRANSFORM_IDS['customer-dedupe'] }));
    expect(t.Name).toBe('customer-dedupe');
    expect(t.WorkerType).toBe('G.1X');
    expect(t.NumberOfWorkers).toBe(10);
    expect(t.MaxCapacity).toBe(10);
    expect(t.Parameters?.FindMatchesParameters?.PrimaryKeyColumnName).toBe('customer_id');
    const missing = await rejection(glue.send(new GetMLTransformCommand({ TransformId: 'tfm-0000000000000000000000000000000000000000' })));
    expect(missing).toBeInstanceOf(EntityNotFoundException);
  });

  it('creates an encrypted transform that starts READY with no labels and keeps its tags', async () => {
    const encryption = {
      MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS' as const, KmsKeyId: DEMO_KEY_ARNS.glueMl },
      TaskRunSecurityConfigurationName: 'glue-encrypt-kms',
    };
    const { TransformId } = await glue.send(
      new CreateMLTransformCommand(newTransform('orders-match-encrypted', { TransformEncryption: encryption, Tags: { team: 'sales' } })),
    );
    expect(TransformId).toMatch(/^tfm-[0-9a-f]{40}$/);
    const created = await glue.send(new GetMLTransformCommand({ TransformId }));
    expect(created).toMatchObject({ Name: 'orders-match-encrypted', Status: 'READY', LabelCount: 0, TransformEncryption: encryption });
    const arn = `arn:aws:glue:eu-west-1:111111111111:mlTransform/${TransformId}`;
    expect((await glue.send(new GetTagsCommand({ ResourceArn: arn }))).Tags).toEqual({ team: 'sales' });
    const plain = await glue.send(new CreateMLTransformCommand(newTransform('plain-new')));
    expect(await glue.send(new GetMLTransformCommand({ TransformId: plain.TransformId }))).not.toHaveProperty('TransformEncryption');
  });

  it('rejects what Glue rejects on create', async () => {
    const duplicate = await rejection(glue.send(new CreateMLTransformCommand(newTransform('customer-dedupe'))));
    expect(duplicate).toBeInstanceOf(AlreadyExistsException);
    const mixed = await rejection(glue.send(new CreateMLTransformCommand(newTransform('mixed', { MaxCapacity: 10 }))));
    expect(mixed).toBeInstanceOf(InvalidInputException);
    const noConfig = await rejection(
      glue.send(new CreateMLTransformCommand(newTransform('no-config', { TransformEncryption: { TaskRunSecurityConfigurationName: 'nope' } }))),
    );
    expect(noConfig).toBeInstanceOf(EntityNotFoundException);
    const noKey = await rejection(
      glue.send(new CreateMLTransformCommand(newTransform('no-key', { TransformEncryption: { MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS' } } }))),
    );
    expect(noKey).toBeInstanceOf(InvalidInputException);
  });

  it('renames, refuses a rename onto a taken name, and switches sizing modes', async () => {
    const { TransformId } = await glue.send(new CreateMLTransformCommand(newTransform('rename-me')));
    await glue.send(new UpdateMLTransformCommand({ TransformId, Name: 'rename-me-retired', Description: 'retired' }));
    const renamed = await glue.send(new GetMLTransformCommand({ TransformId }));
    expect(renamed).toMatchObject({ Name: 'rename-me-retired', Description: 'retired' });
    expect(renamed.LastModifiedOn?.getTime()).toBeGreaterThanOrEqual(renamed.CreatedOn?.getTime() ?? Infinity);
    const taken = await rejection(glue.send(new UpdateMLTransformCommand({ TransformId, Name: 'orders-match' })));
    expect(taken).toBeInstanceOf(AlreadyExistsException);
    await glue.send(new UpdateMLTransformCommand({ TransformId, MaxCapacity: 5 }));
    const resized = await glue.send(new GetMLTransformCommand({ TransformId }));
    expect(resized).toMatchObject({ MaxCapacity: 5 });
    expect(resized).not.toHaveProperty('WorkerType');
  });

  it('deletes a transform', async () => {
    const { TransformId } = await glue.send(new CreateMLTransformCommand(newTransform('delete-me')));
    expect((await glue.send(new DeleteMLTransformCommand({ TransformId }))).TransformId).toBe(TransformId);
    expect(await rejection(glue.send(new GetMLTransformCommand({ TransformId })))).toBeInstanceOf(EntityNotFoundException);
    expect(await rejection(glue.send(new DeleteMLTransformCommand({ TransformId })))).toBeInstanceOf(EntityNotFoundException);
  });
});

describe('tags', () => {
  const arn = `arn:aws:glue:eu-west-1:111111111111:mlTransform/${DEMO_TRANSFORM_IDS['leads-match']}`;

  it('adds and removes tags', async () => {
    await glue.send(new TagResourceCommand({ ResourceArn: arn, TagsToAdd: { owner: 'marketing-data', team: 'growth' } }));
    await glue.send(new UntagResourceCommand({ ResourceArn: arn, TagsToRemove: ['owner'] }));
    expect((await glue.send(new GetTagsCommand({ ResourceArn: arn }))).Tags).toEqual({ team: 'growth' });
  });

  it('does not find a transform through an ARN of another region', async () => {
    const otherRegion = arn.replace('eu-west-1', 'us-east-1');
    expect(await rejection(glue.send(new GetTagsCommand({ ResourceArn: otherRegion })))).toBeInstanceOf(EntityNotFoundException);
  });
});

describe('security configurations and jobs', () => {
  it('gets, lists and creates security configurations', async () => {
    const { SecurityConfiguration } = await glue.send(new GetSecurityConfigurationCommand({ Name: 'legacy-sse-s3' }));
    expect(SecurityConfiguration?.EncryptionConfiguration?.S3Encryption).toEqual([{ S3EncryptionMode: 'SSE-S3' }]);
    expect(SecurityConfiguration?.CreatedTimeStamp).toBeInstanceOf(Date);
    const created = await glue.send(
      new CreateSecurityConfigurationCommand({ Name: 'new-kms', EncryptionConfiguration: { S3Encryption: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: DEMO_KEY_ARNS.glueMl }] } }),
    );
    expect(created.CreatedTimestamp).toBeInstanceOf(Date);
    const again = await rejection(glue.send(new CreateSecurityConfigurationCommand({ Name: 'new-kms', EncryptionConfiguration: {} })));
    expect(again).toBeInstanceOf(AlreadyExistsException);
    const page1 = await glue.send(new GetSecurityConfigurationsCommand({ MaxResults: 2 }));
    const page2 = await glue.send(new GetSecurityConfigurationsCommand({ MaxResults: 2, NextToken: page1.NextToken }));
    const names = [...(page1.SecurityConfigurations ?? []), ...(page2.SecurityConfigurations ?? [])].map((c) => c.Name).sort();
    expect(names).toEqual(['glue-encrypt-kms', 'legacy-sse-s3', 'new-kms']);
    expect(page2.NextToken).toBeUndefined();
    expect(await rejection(glue.send(new GetSecurityConfigurationCommand({ Name: 'nope' })))).toBeInstanceOf(EntityNotFoundException);
  });

  it('lists jobs whose arguments name transform ids, and UpdateJob replaces the whole definition', async () => {
    const page1 = await glue.send(new GetJobsCommand({ MaxResults: 2 }));
    const page2 = await glue.send(new GetJobsCommand({ MaxResults: 2, NextToken: page1.NextToken }));
    const jobs = [...(page1.Jobs ?? []), ...(page2.Jobs ?? [])];
    expect(jobs.map((j) => j.Name).sort()).toEqual(['backfill-dedupe', 'daily-export', 'nightly-dedupe']);
    const nightly = jobs.find((j) => j.Name === 'nightly-dedupe');
    expect(nightly?.DefaultArguments?.['--transform_id']).toBe(DEMO_TRANSFORM_IDS['customer-dedupe']);

    await glue.send(
      new UpdateJobCommand({
        JobName: 'daily-export',
        JobUpdate: { Role: DEMO_ROLE_ARN, Command: { Name: 'glueetl', ScriptLocation: 's3://acme-glue-scripts/daily_export.py' }, DefaultArguments: { '--x': '1' } },
      }),
    );
    const { Job } = await glue.send(new GetJobCommand({ JobName: 'daily-export' }));
    expect(Job?.DefaultArguments).toEqual({ '--x': '1' });
    expect(Job).not.toHaveProperty('SecurityConfiguration');
  });
});

describe('calls that are not modelled or not allowed', () => {
  it('answers AccessDeniedException for a denied region, as the SDK exception class', async () => {
    sandbox.state.denyRegion('111111111111', 'ap-south-1');
    const denied = await rejection(new GlueClient({ maxAttempts: 1, region: 'ap-south-1' }).send(new GetMLTransformsCommand({})));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied.name).toBe('AccessDeniedException');
  });
});
