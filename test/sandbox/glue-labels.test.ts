// Label export/import task runs through the real Glue client.
import {
  CreateMLTransformCommand,
  GetMLTaskRunCommand,
  GetMLTaskRunsCommand,
  GetMLTransformCommand,
  InvalidInputException,
  StartExportLabelsTaskRunCommand,
  StartImportLabelsTaskRunCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { DEMO_ROLE_ARN, DEMO_TRANSFORM_IDS, seedDemo } from '../../src/sandbox/fixtures.js';
import { glueClient, rejection } from './clients.js';

let sandbox: AwsSandbox;
let glue: GlueClient;
let clock = 0;
const source = DEMO_TRANSFORM_IDS['customer-dedupe'];

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  // A manual clock: task-run progress is tested by moving time, not by waiting.
  clock = Date.parse('2026-01-05T10:00:00Z');
  sandbox.state.setClock(() => clock);
  seedDemo(sandbox.state);
  glue = glueClient(sandbox);
});

afterAll(() => sandbox.close());

beforeEach(() => {
  sandbox.state.taskRunMs = 0;
});

async function labelCount(transformId: string): Promise<number | undefined> {
  return (await glue.send(new GetMLTransformCommand({ TransformId: transformId }))).LabelCount;
}

async function emptyTwin(name: string): Promise<string> {
  const { TransformId } = await glue.send(
    new CreateMLTransformCommand({
      Name: name,
      Role: DEMO_ROLE_ARN,
      InputRecordTables: [{ DatabaseName: 'crm', TableName: 'customers' }],
      Parameters: { TransformType: 'FIND_MATCHES' },
      TransformEncryption: { MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: 'alias/glue-ml' } },
    }),
  );
  return TransformId ?? '';
}

async function runStatus(transformId: string, taskRunId: string | undefined) {
  return glue.send(new GetMLTaskRunCommand({ TransformId: transformId, TaskRunId: taskRunId }));
}

describe('export then import', () => {
  it('moves the labels to a new transform and keeps the export in S3', async () => {
    const path = 's3://acme-glue-labels/customer-dedupe/2026-01-05/';
    const exported = await glue.send(new StartExportLabelsTaskRunCommand({ TransformId: source, OutputS3Path: path }));
    expect(exported.TaskRunId).toMatch(/^tsk[0-9a-f]{32}$/);
    const exportRun = await runStatus(source, exported.TaskRunId);
    expect(exportRun.Status).toBe('SUCCEEDED');
    expect(exportRun.Properties).toEqual({ TaskType: 'EXPORT_LABELS', ExportLabelsTaskRunProperties: { OutputS3Path: path } });

    const stored = sandbox.state.s3Object(path);
    expect(stored?.labels).toHaveLength(1250);
    expect(stored?.writtenBy).toMatchObject({ transformId: source, taskRunId: exported.TaskRunId, region: 'eu-west-1' });

    const twin = await emptyTwin('customer-dedupe-encrypted');
    expect(await labelCount(twin)).toBe(0);
    const imported = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: path }));
    expect((await runStatus(twin, imported.TaskRunId)).Status).toBe('SUCCEEDED');
    expect(await labelCount(twin)).toBe(1250);

    // Without ReplaceAllLabels an import appends; with it, it replaces.
    await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: path.replace(/\/$/, '') }));
    expect(await labelCount(twin)).toBe(2500);
    await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: path, ReplaceAllLabels: true }));
    expect(await labelCount(twin)).toBe(1250);
    expect(await labelCount(source)).toBe(1250);
  });

  it('fails an import from a path nothing was exported to, saying so', async () => {
    const twin = await emptyTwin('import-from-nowhere');
    const run = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/missing/' }));
    const status = await runStatus(twin, run.TaskRunId);
    expect(status.Status).toBe('FAILED');
    expect(status.ErrorString).toContain('s3://acme-glue-labels/missing/');
    expect(await labelCount(twin)).toBe(0);
  });

  it('rejects a location that is not an s3:// path', async () => {
    const bad = await rejection(glue.send(new StartExportLabelsTaskRunCommand({ TransformId: source, OutputS3Path: '/tmp/labels' })));
    expect(bad).toBeInstanceOf(InvalidInputException);
  });
});

describe('task-run lifecycle', () => {
  it('goes STARTING, RUNNING, SUCCEEDED as time passes, and only then writes the export', async () => {
    sandbox.state.taskRunMs = 4 * 60_000;
    const path = 's3://acme-glue-labels/lifecycle/';
    const { TaskRunId } = await glue.send(new StartExportLabelsTaskRunCommand({ TransformId: source, OutputS3Path: path }));
    expect((await runStatus(source, TaskRunId)).Status).toBe('STARTING');
    clock += 60_000;
    const running = await runStatus(source, TaskRunId);
    expect(running.Status).toBe('RUNNING');
    expect(running.CompletedOn).toBeUndefined();
    expect(sandbox.state.s3Object(path)).toBeUndefined();
    clock += 3 * 60_000;
    const done = await runStatus(source, TaskRunId);
    expect(done.Status).toBe('SUCCEEDED');
    expect(done.ExecutionTime).toBe(240);
    expect(done.CompletedOn?.getTime()).toBe(done.StartedOn ? done.StartedOn.getTime() + 240_000 : NaN);
    expect(sandbox.state.s3Object(path)?.labels).toHaveLength(1250);
  });

  it('reports FAILED or TIMEOUT with the ErrorString it was told to, and changes no labels', async () => {
    const twin = await emptyTwin('told-to-fail');
    sandbox.state.putLabels('s3://acme-glue-labels/seeded/', ['set-1,label-1,record-1', 'set-1,label-1,record-2']);
    sandbox.state.failNextTaskRun({ transformId: twin, taskType: 'IMPORT_LABELS', errorString: 'AccessDenied: kms:Decrypt on the labels bucket key' });
    const failed = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/seeded/' }));
    const status = await runStatus(twin, failed.TaskRunId);
    expect(status).toMatchObject({ Status: 'FAILED', ErrorString: 'AccessDenied: kms:Decrypt on the labels bucket key' });
    expect(await labelCount(twin)).toBe(0);

    sandbox.state.failNextTaskRun({ status: 'TIMEOUT' });
    const timedOut = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/seeded/' }));
    expect((await runStatus(twin, timedOut.TaskRunId)).Status).toBe('TIMEOUT');

    // The plan is used up: the next run succeeds.
    const ok = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/seeded/' }));
    expect((await runStatus(twin, ok.TaskRunId)).Status).toBe('SUCCEEDED');
    expect(await labelCount(twin)).toBe(2);
  });

  it('lists task runs newest first, filtered by type and status', async () => {
    const twin = await emptyTwin('many-runs');
    sandbox.state.putLabels('s3://acme-glue-labels/few/', ['a,b,c']);
    const first = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/few/' }));
    clock += 1000;
    sandbox.state.taskRunMs = 60_000;
    const second = await glue.send(new StartExportLabelsTaskRunCommand({ TransformId: twin, OutputS3Path: 's3://acme-glue-labels/few-out/' }));

    const all = await glue.send(new GetMLTaskRunsCommand({ TransformId: twin }));
    expect(all.TaskRuns?.map((r) => r.TaskRunId)).toEqual([second.TaskRunId, first.TaskRunId]);
    const imports = await glue.send(new GetMLTaskRunsCommand({ TransformId: twin, Filter: { TaskRunType: 'IMPORT_LABELS' } }));
    expect(imports.TaskRuns?.map((r) => r.TaskRunId)).toEqual([first.TaskRunId]);
    const active = await glue.send(new GetMLTaskRunsCommand({ TransformId: twin, Filter: { Status: 'STARTING' } }));
    expect(active.TaskRuns?.map((r) => r.TaskRunId)).toEqual([second.TaskRunId]);
    const paged = await glue.send(new GetMLTaskRunsCommand({ TransformId: twin, MaxResults: 1 }));
    expect(paged.TaskRuns).toHaveLength(1);
    expect(paged.NextToken).toBeDefined();
  });
});
