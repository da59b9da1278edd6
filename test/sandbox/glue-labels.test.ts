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
  sandbox.state.addBucket('acme-glue-labels', 'eu-west-1');
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

    // Glue writes the labels as files in the folder, at most 1,000 labels each.
    const files = sandbox.state.s3List(path);
    expect(files.map((f) => f.path)).toEqual([0, 1].map((n) => `${path}run-${exported.TaskRunId}-part-0000${n}.csv`));
    expect(files.flatMap((f) => f.labels)).toHaveLength(1250);
    for (const file of files) expect(file.writtenBy).toMatchObject({ transformId: source, taskRunId: exported.TaskRunId, region: 'eu-west-1' });

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
    expect(sandbox.state.s3List(path)).toEqual([]);
    clock += 3 * 60_000;
    const done = await runStatus(source, TaskRunId);
    expect(done.Status).toBe('SUCCEEDED');
    expect(done.ExecutionTime).toBe(240);
    expect(done.CompletedOn?.getTime()).toBe(done.StartedOn ? done.StartedOn.getTime() + 240_000 : NaN);
    expect(sandbox.state.s3List(path).flatMap((f) => f.labels)).toHaveLength(1250);
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

describe('what Glue refuses when a label run starts', () => {
  const vendor = DEMO_TRANSFORM_IDS['vendor-match'];

  it('refuses a bucket in another region than the transform, and a bucket that does not exist', async () => {
    sandbox.state.addBucket('acme-glue-labels-us', 'us-east-1');
    const elsewhere = 's3://acme-glue-labels-us/customer-dedupe/';
    for (const start of [
      () => glue.send(new StartExportLabelsTaskRunCommand({ TransformId: source, OutputS3Path: elsewhere })),
      () => glue.send(new StartImportLabelsTaskRunCommand({ TransformId: source, InputS3Path: elsewhere })),
    ]) {
      const refused = await rejection(start());
      expect(refused).toBeInstanceOf(InvalidInputException);
      expect(refused.message).toBe('S3 path provided is not in the same region as transform. Expecting region - eu-west-1, but got - us-east-1.');
    }
    const nowhere = 's3://no-such-label-bucket/customer-dedupe/';
    for (const start of [
      () => glue.send(new StartExportLabelsTaskRunCommand({ TransformId: source, OutputS3Path: nowhere })),
      () => glue.send(new StartImportLabelsTaskRunCommand({ TransformId: source, InputS3Path: nowhere })),
    ]) {
      const refused = await rejection(start());
      expect(refused).toBeInstanceOf(InvalidInputException);
      expect(refused.message).toBe(`Cannot access the label file at ${nowhere}. The specified bucket does not exist.`);
    }
    expect((await glue.send(new GetMLTaskRunsCommand({ TransformId: source, Filter: { TaskRunType: 'IMPORT_LABELS' } }))).TaskRuns).toEqual([]);
  });

  it('refuses to export a transform that has no labels', async () => {
    expect(await labelCount(vendor)).toBe(0);
    const refused = await rejection(glue.send(new StartExportLabelsTaskRunCommand({ TransformId: vendor, OutputS3Path: 's3://acme-glue-labels/vendor/' })));
    expect(refused).toBeInstanceOf(InvalidInputException);
    expect(refused.message).toBe(`No labelset exists for transformId ${vendor}`);
    expect((await glue.send(new GetMLTaskRunsCommand({ TransformId: vendor }))).TaskRuns).toEqual([]);
  });

  it('refuses an empty label file in either import mode', async () => {
    const twin = await emptyTwin('imports-an-empty-file');
    sandbox.state.putLabels('s3://acme-glue-labels/empty/labels.csv', []);
    for (const mode of ['folder', 'file'] as const) {
      sandbox.state.labelImportPath = mode;
      const refused = await rejection(glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/empty/labels.csv' })));
      expect(refused).toBeInstanceOf(InvalidInputException);
      expect(refused.message).toBe('Invalid label file of size 0.');
    }
    sandbox.state.labelImportPath = 'folder';
    // A folder holding an empty file is refused too: the import would read it.
    const folder = await rejection(glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/empty/' })));
    expect(folder.message).toBe('Invalid label file of size 0.');
  });
});

describe('label files', () => {
  beforeEach(() => {
    sandbox.state.labelImportPath = 'folder';
    sandbox.state.labelsPerExportFile = 1000;
  });

  it('exports at most labelsPerExportFile labels per file, named run-<id>-part-<n>.csv in the output folder', async () => {
    sandbox.state.labelsPerExportFile = 400;
    const { TaskRunId } = await glue.send(new StartExportLabelsTaskRunCommand({ TransformId: source, OutputS3Path: 's3://acme-glue-labels/split' }));
    const files = sandbox.state.s3List('s3://acme-glue-labels/split/');
    expect(files.map((f) => f.key)).toEqual([0, 1, 2, 3].map((n) => `split/run-${TaskRunId}-part-0000${n}.csv`));
    expect(files.map((f) => f.labels.length)).toEqual([400, 400, 400, 50]);
    expect(files.flatMap((f) => f.labels)).toEqual(sandbox.state.findTransform(source)?.transform.labels);
  });

  it('imports every file of a folder in key order, or the one file a path names, and nothing beside the folder', async () => {
    const twin = await emptyTwin('imports-a-folder');
    sandbox.state.putLabels('s3://acme-glue-labels/folder/b.csv', ['s,l,b1', 's,l,b2']);
    sandbox.state.putLabels('s3://acme-glue-labels/folder/a.csv', ['s,l,a1']);
    sandbox.state.putLabels('s3://acme-glue-labels/folder-beside/c.csv', ['s,l,c1']);
    const all = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/folder' }));
    expect((await runStatus(twin, all.TaskRunId)).Status).toBe('SUCCEEDED');
    expect(sandbox.state.findTransform(twin)?.transform.labels).toEqual(['s,l,a1', 's,l,b1', 's,l,b2']);
    const one = await glue.send(
      new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/folder/b.csv', ReplaceAllLabels: true }),
    );
    expect((await runStatus(twin, one.TaskRunId)).Status).toBe('SUCCEEDED');
    expect(sandbox.state.findTransform(twin)?.transform.labels).toEqual(['s,l,b1', 's,l,b2']);
  });

  it('in file mode refuses a folder at once, imports one file, and still fails a path with nothing there only in the run', async () => {
    sandbox.state.labelImportPath = 'file';
    const twin = await emptyTwin('imports-one-file');
    sandbox.state.putLabels('s3://acme-glue-labels/files/part-1.csv', ['s,l,1', 's,l,2']);
    const folder = await rejection(glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/files/' })));
    expect(folder).toBeInstanceOf(InvalidInputException);
    expect(folder.message).toBe('Invalid label file path.');
    const file = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/files/part-1.csv' }));
    expect((await runStatus(twin, file.TaskRunId)).Status).toBe('SUCCEEDED');
    expect(await labelCount(twin)).toBe(2);
    const missing = await glue.send(new StartImportLabelsTaskRunCommand({ TransformId: twin, InputS3Path: 's3://acme-glue-labels/files/part-2.csv' }));
    const failed = await runStatus(twin, missing.TaskRunId);
    expect(failed).toMatchObject({ Status: 'FAILED', ErrorString: expect.stringContaining('Cannot access the label file at s3://acme-glue-labels/files/part-2.csv') });
  });
});

describe('task runs that sit in a status', () => {
  it('keeps STARTING, RUNNING or STOPPING whatever the clock says, until endTaskRun', async () => {
    const twin = await emptyTwin('busy-transform');
    const stopping = sandbox.state.addTaskRun(twin, { status: 'STOPPING' });
    const running = sandbox.state.addTaskRun(twin, { taskType: 'FIND_MATCHES', status: 'RUNNING' });
    clock += 24 * 60 * 60_000;
    expect(await runStatus(twin, stopping)).toMatchObject({ TaskRunId: stopping, Status: 'STOPPING', Properties: { TaskType: 'EVALUATION' } });
    expect((await runStatus(twin, running)).Properties?.TaskType).toBe('FIND_MATCHES');
    const listed = await glue.send(new GetMLTaskRunsCommand({ TransformId: twin, Filter: { Status: 'STOPPING' } }));
    expect(listed.TaskRuns?.map((r) => r.TaskRunId)).toEqual([stopping]);

    clock += 60_000;
    sandbox.state.endTaskRun(stopping, 'STOPPED');
    const stopped = await runStatus(twin, stopping);
    expect(stopped.Status).toBe('STOPPED');
    expect(stopped.CompletedOn?.getTime()).toBe(clock);
    expect((await glue.send(new GetMLTaskRunsCommand({ TransformId: twin, Filter: { Status: 'STOPPING' } }))).TaskRuns).toEqual([]);
    expect((await runStatus(twin, running)).Status).toBe('RUNNING');
    sandbox.state.endTaskRun(running, 'SUCCEEDED');
    expect((await runStatus(twin, running)).Status).toBe('SUCCEEDED');
    expect(() => sandbox.state.endTaskRun(running, 'FAILED')).toThrow();
  });
});
