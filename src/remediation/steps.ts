// Each workflow step: one small, idempotent function. A step either moves on, asks to be
// called again later (a Glue task run is still going), or fails (which starts the rollback).
// Anything a rollback needs is checkpointed *before* the AWS call that makes it necessary.
import {
  CreateMLTransformCommand,
  CreateSecurityConfigurationCommand,
  DeleteMLTransformCommand,
  GetMLTaskRunCommand,
  GetMLTaskRunsCommand,
  GetMLTransformsCommand,
  GetSecurityConfigurationCommand,
  GetTagsCommand,
  StartExportLabelsTaskRunCommand,
  StartImportLabelsTaskRunCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateMLTransformCommand,
  type CreateMLTransformCommandInput,
  type GetMLTaskRunCommandOutput,
  type GlueClient,
  type MLTransform,
  type TaskType,
} from '@aws-sdk/client-glue';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { errorCode, isThrottled } from '../inventory/awsErrors.js';
import { getTransformById } from '../inventory/transforms.js';
import {
  SNAPSHOT_SETTINGS,
  TAG_REMEDIATION,
  TAG_SOURCE,
  TAG_SUPERSEDED_BY,
  createRequestFrom,
  datedName,
  snapshotTransform,
  transformArn,
} from './snapshot.js';
import { savedLabelsNote } from './lifecycle.js';
import { activeTaskRuns } from './taskRuns.js';
import type { Progress, Remediation, StepName } from './types.js';

export type StepOutcome =
  | { kind: 'next'; next: StepName; detail?: string }
  | { kind: 'wait'; detail?: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'complete'; detail: string };

export interface StepContext {
  glue: GlueClient;
  /** Glue without SDK retries: task-run starts, whose lost answer must be looked for before trying again. */
  glueOnce: Pick<GlueClient, 'send'>;
  kms: KMSClient;
  /** Lists what a label export wrote. */
  s3: Pick<S3Client, 'send'>;
  now: () => Date;
  /** Seconds a Glue task run may take before the workflow gives up on it. */
  taskRunTimeoutSeconds: number;
  /** Saves progress at once (before an AWS call whose effect a rollback must know about). */
  checkpoint(progress: Partial<Progress>): Promise<void>;
}

export type Step = (r: Remediation, ctx: StepContext) => Promise<StepOutcome>;

/** JSON with object keys sorted: stored maps need not keep their key order. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(value) ?? null);
}

const next = (step: StepName, detail?: string): StepOutcome => ({ kind: 'next', next: step, detail });
const fail = (reason: string): StepOutcome => ({ kind: 'fail', reason });

/** Attempts at starting one label task run (each after looking for the run an earlier one may have started). */
const START_ATTEMPTS = 3;

/** An error after which Glue may still have acted: its answer was lost, or it failed on its side. */
function mayHaveActed(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || isThrottled(err);
}

/**
 * Starts a label task run once. Glue may start a run and lose the answer (a 500, a dropped
 * connection): a blind retry would start a second run into the same path. So the start goes out
 * without SDK retries, and before every further attempt, and on a resumed step, the run the
 * earlier attempt may have started (same type, same S3 path, started after the intent) is looked
 * for and adopted.
 */
async function startTaskRunOnce(
  ctx: StepContext,
  transformId: string,
  type: TaskType,
  s3Path: string,
  intentAt: string,
  resumed: boolean,
  start: () => Promise<string | undefined>,
): Promise<string> {
  const ours = async () => {
    const runs = await ctx.glue.send(
      new GetMLTaskRunsCommand({ TransformId: transformId, Filter: { TaskRunType: type, StartedAfter: new Date(Date.parse(intentAt) - 1000) } }),
    );
    return runs.TaskRuns?.find((run) => {
      const p = run.Properties;
      return (p?.ExportLabelsTaskRunProperties?.OutputS3Path ?? p?.ImportLabelsTaskRunProperties?.InputS3Path) === s3Path;
    })?.TaskRunId;
  };
  if (resumed) {
    const adopted = await ours();
    if (adopted) return adopted;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const id = await start();
      if (!id) throw new Error(`Glue returned no task run id for ${type}`);
      return id;
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !mayHaveActed(err)) throw err;
      const adopted = await ours();
      if (adopted) return adopted;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/**
 * Starts the label export from, or import into, `transformId` at `path` unless this step already
 * has its run: the intent is checkpointed before the call, the run ID after.
 */
async function startLabelTaskRun(
  r: Remediation,
  ctx: StepContext,
  type: 'EXPORT_LABELS' | 'IMPORT_LABELS',
  transformId: string,
  path: string,
  options: { replaceAllLabels?: boolean } = {},
): Promise<void> {
  const isExport = type === 'EXPORT_LABELS';
  if (isExport ? r.progress.exportTaskRunId : r.progress.importTaskRunId) return;
  const earlier = isExport ? r.progress.exportStartedAt : r.progress.importStartedAt;
  const intent = earlier ?? ctx.now().toISOString();
  if (!earlier) await ctx.checkpoint(isExport ? { exportStartedAt: intent } : { importStartedAt: intent });
  const id = await startTaskRunOnce(ctx, transformId, type, path, intent, earlier !== undefined, async () =>
    isExport
      ? (await ctx.glueOnce.send(new StartExportLabelsTaskRunCommand({ TransformId: transformId, OutputS3Path: path }))).TaskRunId
      : (await ctx.glueOnce.send(new StartImportLabelsTaskRunCommand({ TransformId: transformId, InputS3Path: path, ReplaceAllLabels: options.replaceAllLabels ?? true })))
          .TaskRunId,
  );
  await ctx.checkpoint(isExport ? { exportTaskRunId: id } : { importTaskRunId: id });
}

/** Deletes a transform; one that is already gone is fine. */
async function deleteTransform(glue: GlueClient, transformId: string): Promise<void> {
  await glue.send(new DeleteMLTransformCommand({ TransformId: transformId })).catch((err: unknown) => {
    if (errorCode(err) !== 'EntityNotFoundException') throw err;
  });
}

/**
 * Waits for something Glue is still doing (a task run, a name held by a transform being
 * deleted), failing once it has taken longer than the step may. The clock starts at the step's
 * first wait; the workflow clears it whenever a step moves on or fails.
 */
async function keepWaiting(r: Remediation, ctx: StepContext, what: string, state: string): Promise<StepOutcome> {
  const startedAt = r.progress.pollStartedAt ?? ctx.now().toISOString();
  if (!r.progress.pollStartedAt) await ctx.checkpoint({ pollStartedAt: startedAt });
  const waited = (ctx.now().getTime() - Date.parse(startedAt)) / 1000;
  if (waited > ctx.taskRunTimeoutSeconds) {
    const minutes = Math.round(ctx.taskRunTimeoutSeconds / 60);
    return fail(`${what} did not finish within ${minutes} minute${minutes === 1 ? '' : 's'} (${state}).`);
  }
  return { kind: 'wait', detail: `${what}: ${state}` };
}

/** Polls a task run: next step when it succeeded, wait while it runs, fail otherwise. */
async function waitForTaskRun(
  r: Remediation,
  ctx: StepContext,
  transformId: string,
  taskRunId: string | undefined,
  what: string,
  onSuccess: StepName,
  /** The run as the caller just read it, so one poll reads it once. */
  read?: GetMLTaskRunCommandOutput,
): Promise<StepOutcome> {
  if (!taskRunId) return fail(`No ${what} task run was recorded.`);
  const run = read ?? (await ctx.glue.send(new GetMLTaskRunCommand({ TransformId: transformId, TaskRunId: taskRunId })));
  switch (run.Status) {
    case 'SUCCEEDED':
      return next(onSuccess, `${what} finished (task run ${taskRunId}).`);
    case 'STARTING':
    case 'RUNNING':
    case 'STOPPING':
      return keepWaiting(r, ctx, what, `task run ${taskRunId} is ${run.Status}`);
    default:
      return fail(`${what} ended ${run.Status ?? 'in an unknown state'}${run.ErrorString ? `: ${run.ErrorString}` : ''} (task run ${taskRunId}).`);
  }
}

function plannedEncryption(r: Remediation) {
  return {
    MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS' as const, KmsKeyId: r.plan.keyArn },
    ...(r.plan.securityConfigurationName ? { TaskRunSecurityConfigurationName: r.plan.securityConfigurationName } : {}),
  };
}

async function validateKey(kms: KMSClient, r: Remediation): Promise<string | undefined> {
  if (!r.plan.keyArn) return 'No target key was planned.';
  const out = await kms.send(new DescribeKeyCommand({ KeyId: r.plan.keyArn }));
  const k = out.KeyMetadata;
  if (k?.KeyState !== 'Enabled') return `Key ${r.plan.keyLabel ?? r.plan.keyArn} is ${k?.KeyState ?? 'unknown'}, not Enabled.`;
  if (k.KeySpec !== 'SYMMETRIC_DEFAULT' || k.KeyUsage !== 'ENCRYPT_DECRYPT') return `Key ${r.plan.keyLabel} is not a symmetric encrypt/decrypt key.`;
  return undefined;
}

// ---------------------------------------------------------------------------------------
// remediate: export -> (security configuration) -> rename -> create twin -> tag -> import -> verify

const remediateSteps: Partial<Record<StepName, Step>> = {
  async preflight(r, ctx) {
    const t = await getTransformById(ctx.glue, r.source.transformId);
    if (!t) return fail(`Transform ${r.source.transformId} no longer exists.`);
    if (t.Name !== r.source.name) return fail(`Transform ${r.source.transformId} is now named ${t.Name}, not ${r.source.name}: someone changed it since the plan.`);
    if (t.Status !== 'READY') return fail(`Transform ${r.source.name} is ${t.Status}, not READY.`);
    if ((await activeTaskRuns(ctx.glue, r.source.transformId)) > 0) return fail(`Transform ${r.source.name} has a task run in progress; try again when it has finished.`);
    const keyProblem = await validateKey(ctx.kms, r);
    if (keyProblem) return fail(keyProblem);
    if ((t.LabelCount ?? 0) !== r.source.labelCount) {
      return fail(`Transform ${r.source.name} now has ${t.LabelCount ?? 0} labels, not the ${r.source.labelCount} in the approved plan; request the remediation again.`);
    }
    // The twin is built from the plan's snapshot: any change since would be silently undone.
    const now = await snapshotTransform(ctx.glue, r.accountId, r.region, r.source.transformId, t);
    const drift = SNAPSHOT_SETTINGS.filter((k) => canonical(now[k]) !== canonical(r.source[k]));
    if (drift.length > 0) {
      return fail(`Transform ${r.source.name} changed since the plan (${drift.join(', ')}); request the remediation again so the new transform copies the current settings.`);
    }
    return next('export_labels', `Preflight passed: READY, no task runs, settings as planned, key usable, ${r.source.labelCount} labels.`);
  },

  async export_labels(r, ctx) {
    // Glue refuses to export a transform that has no labels ("No labelset exists"): nothing to move.
    if (r.source.labelCount === 0) return next('ensure_security_configuration', 'The transform has no labels: nothing to export.');
    await startLabelTaskRun(r, ctx, 'EXPORT_LABELS', r.source.transformId, r.plan.exportPath);
    return next('wait_export', `Exporting ${r.source.labelCount} labels to ${r.plan.exportPath}.`);
  },

  wait_export: (r, ctx) => waitForTaskRun(r, ctx, r.source.transformId, r.progress.exportTaskRunId, 'Label export', 'check_export'),

  check_export: (r, ctx) => checkExport(r, ctx, 'ensure_security_configuration'),

  async ensure_security_configuration(r, ctx) {
    const name = r.plan.securityConfigurationName;
    if (!name) return next('rename_original', 'No security configuration to attach.');
    try {
      const existing = await ctx.glue.send(new GetSecurityConfigurationCommand({ Name: name }));
      const s3 = existing.SecurityConfiguration?.EncryptionConfiguration?.S3Encryption ?? [];
      if (!s3.some((e) => e.S3EncryptionMode === 'SSE-KMS')) return fail(`Security configuration ${name} does not use SSE-KMS for S3.`);
      // One the bot names after a key must use that key; a configured one is the operator's choice.
      const otherKey = s3.find((e) => e.KmsKeyArn !== r.plan.keyArn)?.KmsKeyArn;
      if (r.plan.createSecurityConfiguration && otherKey) {
        return fail(`Security configuration ${name} exists but encrypts with ${otherKey}, not the planned key ${r.plan.keyArn}.`);
      }
      return next('rename_original', `Security configuration ${name} exists.`);
    } catch (err) {
      if (errorCode(err) !== 'EntityNotFoundException') throw err;
    }
    if (!r.plan.createSecurityConfiguration) return fail(`Security configuration ${name} does not exist.`);
    await ctx.glue.send(
      new CreateSecurityConfigurationCommand({
        Name: name,
        EncryptionConfiguration: {
          S3Encryption: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: r.plan.keyArn }],
          CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: r.plan.keyArn },
          JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: r.plan.keyArn },
        },
      }),
    ).catch((err: unknown) => {
      // Created by a previous attempt of this very step: fine.
      if (errorCode(err) !== 'AlreadyExistsException') throw err;
    });
    return next('rename_original', `Created security configuration ${name} (S3 SSE-KMS, CloudWatch SSE-KMS, bookmarks CSE-KMS).`);
  },

  async rename_original(r, ctx) {
    const t = await getTransformById(ctx.glue, r.source.transformId);
    if (!t) return fail(`Transform ${r.source.transformId} disappeared before it could be renamed.`);
    if (t.Name !== r.plan.renamedName) {
      await ctx.checkpoint({ renamed: true });
      await ctx.glue.send(new UpdateMLTransformCommand({ TransformId: r.source.transformId, Name: r.plan.renamedName }));
    }
    return next('create_twin', `Renamed the original to ${r.plan.renamedName}.`);
  },

  async create_twin(r, ctx) {
    if (!r.progress.twinId) {
      if (!r.progress.twinCreateStartedAt) await ctx.checkpoint({ twinCreateStartedAt: ctx.now().toISOString() });
      const holder = await nameHolder(ctx.glue, r, r.source.name);
      if (holder.kind === 'other') return fail(`Another transform (${holder.id}) already holds the name ${r.source.name}.`);
      if (holder.kind === 'deleting') return waitForName(r, ctx, r.source.name, holder);
      const twinId =
        holder.kind === 'ours'
          ? holder.id
          : await createTagged(
              ctx,
              r,
              createRequestFrom(r.source, r.source.name, plannedEncryption(r), { [TAG_REMEDIATION]: r.id, [TAG_SOURCE]: r.source.transformId }),
            );
      if (!twinId) return fail('Glue created the encrypted transform but returned no ID.');
      await ctx.checkpoint({ twinId });
      return next('tag_original', `Created the encrypted transform ${twinId} named ${r.source.name}.`);
    }
    return next('tag_original', `The encrypted transform ${r.progress.twinId} named ${r.source.name} exists.`);
  },

  async tag_original(r, ctx) {
    await ctx.checkpoint({ originalTagged: true });
    await ctx.glue.send(
      new TagResourceCommand({
        ResourceArn: transformArn(r.accountId, r.region, r.source.transformId),
        TagsToAdd: { [TAG_SUPERSEDED_BY]: r.progress.twinId ?? '', [TAG_REMEDIATION]: r.id },
      }),
    );
    return next('import_labels', `Tagged the original as superseded by ${r.progress.twinId}.`);
  },

  async import_labels(r, ctx) {
    if (r.source.labelCount === 0) return next('verify', 'No labels to import.');
    return startImport(r, ctx, r.progress.twinId!, 'wait_import');
  },

  wait_import: (r, ctx) => waitForImport(r, ctx, r.progress.twinId!, 'import_labels', 'verify'),

  async verify(r, ctx) {
    const twin = await getTransformById(ctx.glue, r.progress.twinId!);
    if (!twin) return fail(`The encrypted transform ${r.progress.twinId} is gone.`);
    const ud = twin.TransformEncryption?.MlUserDataEncryption;
    if (ud?.MlUserDataEncryptionMode !== 'SSE-KMS' || ud.KmsKeyId !== r.plan.keyArn) {
      return fail(`The new transform is not encrypted as planned (mode ${ud?.MlUserDataEncryptionMode ?? 'none'}, key ${ud?.KmsKeyId ?? 'none'}).`);
    }
    if ((r.plan.securityConfigurationName ?? undefined) !== (twin.TransformEncryption?.TaskRunSecurityConfigurationName ?? undefined)) {
      return fail(`The new transform's security configuration is ${twin.TransformEncryption?.TaskRunSecurityConfigurationName ?? 'none'}, not ${r.plan.securityConfigurationName}.`);
    }
    if ((twin.LabelCount ?? 0) !== r.source.labelCount) {
      return fail(`The new transform has ${twin.LabelCount ?? 0} labels, the original ${r.source.labelCount}.`);
    }
    await ctx.checkpoint({ verifiedLabelCount: twin.LabelCount ?? 0 });
    return {
      kind: 'complete',
      detail: `Verified: ${r.source.name} (${r.progress.twinId}) is encrypted with ${r.plan.keyLabel ?? r.plan.keyArn} and holds ${twin.LabelCount ?? 0} labels.`,
    };
  },
};

/**
 * Who holds `name` now: nobody; a transform this remediation made (its remediation-id tag);
 * a transform Glue is deleting (it keeps its name a while, so a rename or create must wait);
 * or someone else's transform.
 */
type NameHolder = { kind: 'free' } | { kind: 'ours' | 'deleting' | 'other'; id: string };

async function nameHolder(glue: Pick<GlueClient, 'send'>, r: Remediation, name: string): Promise<NameHolder> {
  const found = await glue.send(new GetMLTransformsCommand({ Filter: { Name: name }, MaxResults: 10 }));
  const t = found.Transforms?.find((x) => x.TransformId && x.Name === name);
  if (!t?.TransformId) return { kind: 'free' };
  if (t.Status === 'DELETING') return { kind: 'deleting', id: t.TransformId };
  const tags = await glue.send(new GetTagsCommand({ ResourceArn: transformArn(r.accountId, r.region, t.TransformId) }));
  return { kind: tags.Tags?.[TAG_REMEDIATION] === r.id ? 'ours' : 'other', id: t.TransformId };
}

/** The wait for a name that a transform being deleted still holds. */
function waitForName(r: Remediation, ctx: StepContext, name: string, holder: { id: string }): Promise<StepOutcome> {
  return keepWaiting(r, ctx, `Waiting for Glue to finish deleting ${holder.id}, which still holds the name ${name}`, `${holder.id} is DELETING`);
}

/**
 * Creates a transform the bot tags as its own. Glue may create it and lose the answer (an HTTP
 * 500, then AlreadyExistsException when the SDK retries): the name's holder, tagged with this
 * remediation's id, is the transform that call made, and is adopted instead of failing.
 */
async function createTagged(ctx: StepContext, r: Remediation, input: CreateMLTransformCommandInput): Promise<string | undefined> {
  try {
    return (await ctx.glue.send(new CreateMLTransformCommand(input))).TransformId;
  } catch (err) {
    const holder = await nameHolder(ctx.glue, r, input.Name ?? '').catch(() => undefined);
    if (holder?.kind === 'ours') return holder.id;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// labels: what the export wrote, and an import from it

/**
 * How many label files one remediation keeps track of. The list is saved with its state, and a
 * file-by-file import adds a few history lines per file: 100 keeps the item far below
 * DynamoDB's 400 KB.
 */
const MAX_EXPORT_FILES = 100;

/** Glue's words when an import path must name a label file, not a folder. */
const LABEL_FILE_PATH_REFUSED = /invalid label file path/i;

function bucketAndPrefix(s3Path: string): { bucket: string; prefix: string } {
  const [, bucket = '', prefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(s3Path) ?? [];
  return { bucket, prefix };
}

/**
 * Lists what the label export wrote under the plan's prefix (s3:ListBucket, limited to that
 * prefix) before anything changes: an export that wrote nothing is caught here, and the file
 * list is what the import falls back to when Glue wants files rather than the folder.
 */
async function checkExport(r: Remediation, ctx: StepContext, onSuccess: StepName): Promise<StepOutcome> {
  const { bucket, prefix } = bucketAndPrefix(r.plan.exportPath);
  const files: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    // Zero-byte objects are folder markers or empty files; Glue refuses an empty label file.
    for (const o of page.Contents ?? []) if (o.Key && (o.Size ?? 0) > 0) files.push(`s3://${bucket}/${o.Key}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token && files.length <= MAX_EXPORT_FILES);
  if (files.length === 0) return fail(`The label export finished but wrote nothing under ${r.plan.exportPath}; nothing was changed.`);
  if (files.length > MAX_EXPORT_FILES) return fail(`The label export wrote more than ${MAX_EXPORT_FILES} files under ${r.plan.exportPath}, more than the workflow keeps track of; nothing was changed.`);
  await ctx.checkpoint({ exportFiles: files });
  return next(onSuccess, `The export wrote ${files.length === 1 ? '1 label file' : `${files.length} label files`} under ${r.plan.exportPath}.`);
}

/**
 * Starts the import of what the export wrote: the folder, or where Glue refused the folder as a
 * label file path, the files one by one (the first replacing all labels, the rest adding to them).
 */
async function startImport(r: Remediation, ctx: StepContext, transformId: string, waitStep: StepName): Promise<StepOutcome> {
  const files = r.progress.exportFiles ?? [];
  const index = r.progress.importFileIndex ?? 0;
  const byFile = r.progress.importMode === 'files';
  const path = byFile ? files[index] : r.plan.exportPath;
  if (!path) return fail(`No label file ${index + 1} was recorded from the export at ${r.plan.exportPath}.`);
  try {
    await startLabelTaskRun(r, ctx, 'IMPORT_LABELS', transformId, path, { replaceAllLabels: !byFile || index === 0 });
  } catch (err) {
    if (byFile || !LABEL_FILE_PATH_REFUSED.test(err instanceof Error ? err.message : String(err))) throw err;
    const byFiles = { importMode: 'files' as const, importFileIndex: 0, importTaskRunId: undefined, importStartedAt: undefined };
    await ctx.checkpoint(byFiles);
    return startImport({ ...r, progress: { ...r.progress, ...byFiles } }, ctx, transformId, waitStep);
  }
  return next(waitStep, byFile ? `Importing label file ${index + 1} of ${files.length} into ${transformId}.` : `Importing the labels into ${transformId}.`);
}

/** Polls the import; in file-by-file mode a finished file moves on to the next one. */
async function waitForImport(r: Remediation, ctx: StepContext, transformId: string, importStep: StepName, onDone: StepName): Promise<StepOutcome> {
  const taskRunId = r.progress.importTaskRunId;
  // The next file's run is not started yet (a crash between moving on and starting it): start it.
  if (!taskRunId) return next(importStep, 'No label import is running yet: starting it.');
  const run = await ctx.glue.send(new GetMLTaskRunCommand({ TransformId: transformId, TaskRunId: taskRunId }));
  const files = r.progress.exportFiles ?? [];
  const index = r.progress.importFileIndex ?? 0;
  const byFile = r.progress.importMode === 'files';
  const fresh = { importTaskRunId: undefined, importStartedAt: undefined };
  if (run.Status === 'SUCCEEDED' && byFile && index + 1 < files.length) {
    await ctx.checkpoint({ ...fresh, importFileIndex: index + 1 });
    return next(importStep, `Imported label file ${index + 1} of ${files.length} (task run ${taskRunId}).`);
  }
  if (run.Status === 'FAILED' && !byFile && LABEL_FILE_PATH_REFUSED.test(run.ErrorString ?? '')) {
    await ctx.checkpoint({ ...fresh, importMode: 'files', importFileIndex: 0 });
    return next(importStep, `Glue refused the folder as a label file path (${run.ErrorString}): importing the ${files.length} files the export wrote one by one.`);
  }
  if (run.Status === 'SUCCEEDED') {
    return next(onDone, `Label import finished (task run ${taskRunId}${byFile ? `, the last of ${files.length} files` : ''}).`);
  }
  return waitForTaskRun(r, ctx, transformId, taskRunId, 'Label import', onDone, run);
}

// ---------------------------------------------------------------------------------------
// rollback of a remediation: remove the twin, give the original its name back, untag it.

const rollbackSteps: Partial<Record<StepName, Step>> = {
  async rollback_delete_twin(r, ctx) {
    let twinId = r.progress.twinId;
    if (!twinId && r.progress.twinCreateStartedAt) {
      // The create may have gone through without its id being saved.
      const holder = await nameHolder(ctx.glue, r, r.source.name);
      if (holder.kind === 'ours') twinId = holder.id;
    }
    if (twinId) {
      await deleteTransform(ctx.glue, twinId);
      return next('rollback_restore_name', `Deleted the encrypted transform ${twinId}.`);
    }
    return next('rollback_restore_name');
  },

  async rollback_restore_name(r, ctx) {
    if (r.progress.renamed) {
      const t = await getTransformById(ctx.glue, r.source.transformId);
      if (!t) return fail(`The original transform ${r.source.transformId} cannot be found to restore its name.`);
      if (t.Name !== r.source.name) {
        // The twin just deleted keeps the name while Glue deletes it.
        const holder = await nameHolder(ctx.glue, r, r.source.name);
        if (holder.kind === 'deleting') return waitForName(r, ctx, r.source.name, holder);
        if (holder.kind !== 'free') return fail(`The name ${r.source.name} is held by ${holder.id}; the original stays named ${t.Name}.`);
        await ctx.glue.send(new UpdateMLTransformCommand({ TransformId: r.source.transformId, Name: r.source.name }));
        return next('rollback_untag_original', `Restored the original's name ${r.source.name}.`);
      }
    }
    return next('rollback_untag_original');
  },

  async rollback_untag_original(r, ctx) {
    if (r.progress.originalTagged) {
      await ctx.glue.send(
        new UntagResourceCommand({
          ResourceArn: transformArn(r.accountId, r.region, r.source.transformId),
          TagsToRemove: [TAG_SUPERSEDED_BY, TAG_REMEDIATION],
        }),
      );
    }
    return { kind: 'complete', detail: `Rolled back: ${r.source.name} (${r.source.transformId}) is as it was.${savedLabelsNote(r, 'The label export stays at')}` };
  },
};

// ---------------------------------------------------------------------------------------
// revert (the SOP's backout plan): save the twin's labels, move the twin aside (never delete it
// first), give the original its name back (or re-create it unencrypted if it was retired), bring
// the labels back, verify, and only then remove the twin. A failure before that last step puts
// everything back as it was: the twin under the name, the original aside.

function twinAsideName(name: string, date: Date): string {
  return datedName(name, 'encrypted-reverted', date);
}

const revertSteps: Partial<Record<StepName, Step>> = {
  async preflight(r, ctx) {
    const twinId = r.progress.twinId!;
    const twin = await getTransformById(ctx.glue, twinId);
    if (!twin) return fail(`The encrypted transform ${twinId} no longer exists; nothing to revert.`);
    if (twin.Name !== r.source.name) return fail(`The encrypted transform is now named ${twin.Name}, not ${r.source.name}; nothing was changed.`);
    if (twin.Status !== 'READY') return fail(`The encrypted transform is ${twin.Status}, not READY.`);
    if ((await activeTaskRuns(ctx.glue, twinId)) > 0) return fail('The encrypted transform has a task run in progress; try again when it has finished.');
    const original = await getTransformById(ctx.glue, r.source.transformId);
    const superseded = await supersededOriginal(ctx, r, original);
    if (superseded !== true) return fail(superseded);
    await ctx.checkpoint({ verifiedLabelCount: twin.LabelCount ?? 0 });
    return next('export_twin_labels', `The encrypted transform holds ${twin.LabelCount ?? 0} labels; the original ${original ? 'is the superseded copy' : 'was retired'}.`);
  },

  async export_twin_labels(r, ctx) {
    const twinId = r.progress.twinId!;
    if ((r.progress.verifiedLabelCount ?? 0) === 0) return next('rename_twin_aside', 'The encrypted transform has no labels: nothing to save.');
    await startLabelTaskRun(r, ctx, 'EXPORT_LABELS', twinId, r.plan.exportPath);
    return next('wait_twin_export', `Saving the encrypted transform's labels to ${r.plan.exportPath}.`);
  },

  wait_twin_export: (r, ctx) => waitForTaskRun(r, ctx, r.progress.twinId!, r.progress.exportTaskRunId, 'Label export', 'check_twin_export'),

  check_twin_export: (r, ctx) => checkExport(r, ctx, 'rename_twin_aside'),

  async rename_twin_aside(r, ctx) {
    const aside = twinAsideName(r.source.name, new Date(r.requestedAt));
    const twin = await getTransformById(ctx.glue, r.progress.twinId!);
    if (!twin) return fail(`The encrypted transform ${r.progress.twinId} disappeared.`);
    if (twin.Name !== aside) {
      await ctx.checkpoint({ twinRenamedAside: true });
      await ctx.glue.send(new UpdateMLTransformCommand({ TransformId: r.progress.twinId!, Name: aside }));
    }
    const original = await getTransformById(ctx.glue, r.source.transformId);
    return next(original ? 'restore_original_name' : 'recreate_original', `Moved the encrypted transform aside as ${aside}.`);
  },

  async restore_original_name(r, ctx) {
    const t = await getTransformById(ctx.glue, r.source.transformId);
    if (!t) return next('recreate_original');
    if (t.Name !== r.source.name) {
      await ctx.checkpoint({ originalRestored: true });
      await ctx.glue.send(new UpdateMLTransformCommand({ TransformId: r.source.transformId, Name: r.source.name }));
    }
    const needsLabels = (t.LabelCount ?? 0) !== (r.progress.verifiedLabelCount ?? 0);
    return next(needsLabels ? 'import_original_labels' : 'untag_original', `The original ${r.source.transformId} has its name ${r.source.name} back.`);
  },

  async recreate_original(r, ctx) {
    if (!r.progress.recreatedId) {
      if (!r.progress.recreateStartedAt) await ctx.checkpoint({ recreateStartedAt: ctx.now().toISOString() });
      const holder = await nameHolder(ctx.glue, r, r.source.name);
      if (holder.kind === 'other') return fail(`Another transform (${holder.id}) already holds the name ${r.source.name}.`);
      if (holder.kind === 'deleting') return waitForName(r, ctx, r.source.name, holder);
      const id =
        holder.kind === 'ours'
          ? holder.id
          : await createTagged(ctx, r, createRequestFrom(r.source, r.source.name, r.source.transformEncryption, { [TAG_REMEDIATION]: r.id }));
      await ctx.checkpoint({ recreatedId: id });
      return next('import_original_labels', `The original was retired: re-created ${r.source.name} (${id}) with its recorded settings and encryption.`);
    }
    return next('import_original_labels', `Re-created ${r.source.name} (${r.progress.recreatedId}).`);
  },

  async import_original_labels(r, ctx) {
    if ((r.progress.verifiedLabelCount ?? 0) === 0) return next('untag_original', 'No labels to bring back.');
    return startImport(r, ctx, r.progress.recreatedId ?? r.source.transformId, 'wait_original_import');
  },

  wait_original_import: (r, ctx) => waitForImport(r, ctx, r.progress.recreatedId ?? r.source.transformId, 'import_original_labels', 'untag_original'),

  async untag_original(r, ctx) {
    if (!r.progress.recreatedId) {
      await ctx.checkpoint({ originalUntagged: true });
      await ctx.glue.send(
        new UntagResourceCommand({
          ResourceArn: transformArn(r.accountId, r.region, r.source.transformId),
          TagsToRemove: [TAG_SUPERSEDED_BY, TAG_REMEDIATION],
        }),
      );
    }
    return next('verify_revert');
  },

  async verify_revert(r, ctx) {
    const id = r.progress.recreatedId ?? r.source.transformId;
    const t = await getTransformById(ctx.glue, id);
    if (!t || t.Name !== r.source.name) return fail(`After the revert, ${r.source.name} is not the original transform.`);
    if ((t.LabelCount ?? 0) !== (r.progress.verifiedLabelCount ?? 0)) {
      return fail(`After the revert, ${r.source.name} has ${t.LabelCount ?? 0} labels, expected ${r.progress.verifiedLabelCount ?? 0}.${savedLabelsNote(r, 'The labels are saved at')}`);
    }
    return next('delete_twin', `${r.source.name} is ${id} again, with ${t.LabelCount ?? 0} labels.`);
  },

  async delete_twin(r, ctx) {
    await ctx.checkpoint({ twinDeleted: true });
    await deleteTransform(ctx.glue, r.progress.twinId!);
    const id = r.progress.recreatedId ?? r.source.transformId;
    return {
      kind: 'complete',
      detail: `Reverted: ${r.source.name} is ${id} again, with ${r.progress.verifiedLabelCount ?? 0} labels; the encrypted transform ${r.progress.twinId} is removed.${savedLabelsNote(r, 'Its labels are saved at')}`,
    };
  },
};

// Undoing a revert that failed before its last step: the original goes back aside (or the
// re-created copy is removed), the twin gets its name back.
const revertRollbackSteps: Partial<Record<StepName, Step>> = {
  async rollback_revert_original(r, ctx) {
    const p = r.progress;
    if (p.recreatedId || p.recreateStartedAt) {
      const holder = p.recreatedId ? undefined : await nameHolder(ctx.glue, r, r.source.name);
      const recreated = p.recreatedId ?? (holder?.kind === 'ours' ? holder.id : undefined);
      if (recreated) await deleteTransform(ctx.glue, recreated);
    }
    const original = await getTransformById(ctx.glue, r.source.transformId);
    if (original && p.originalRestored && original.Name !== r.plan.renamedName) {
      await ctx.glue.send(new UpdateMLTransformCommand({ TransformId: r.source.transformId, Name: r.plan.renamedName }));
    }
    if (original && p.originalUntagged) {
      await ctx.glue.send(
        new TagResourceCommand({
          ResourceArn: transformArn(r.accountId, r.region, r.source.transformId),
          TagsToAdd: { [TAG_SUPERSEDED_BY]: p.twinId ?? '', [TAG_REMEDIATION]: r.parentId ?? r.id },
        }),
      );
    }
    return next('rollback_revert_twin', 'The original is back aside as the superseded copy.');
  },

  async rollback_revert_twin(r, ctx) {
    const twin = await getTransformById(ctx.glue, r.progress.twinId!);
    if (!twin) return fail(`The encrypted transform ${r.progress.twinId} cannot be found to give it its name back.`);
    if (twin.Name !== r.source.name) {
      // A re-created original just deleted keeps the name while Glue deletes it.
      const holder = await nameHolder(ctx.glue, r, r.source.name);
      if (holder.kind === 'deleting') return waitForName(r, ctx, r.source.name, holder);
      if (holder.kind !== 'free') return fail(`The name ${r.source.name} is held by ${holder.id}; the encrypted transform stays named ${twin.Name}.`);
      await ctx.glue.send(new UpdateMLTransformCommand({ TransformId: r.progress.twinId!, Name: r.source.name }));
    }
    return {
      kind: 'complete',
      detail: `Revert undone: ${r.source.name} is the encrypted transform ${r.progress.twinId} again.${savedLabelsNote(r, 'Its labels are also saved at')}`,
    };
  },
};

// ---------------------------------------------------------------------------------------
// retire: delete the superseded original once its encrypted twin is verified healthy.

const retireSteps: Partial<Record<StepName, Step>> = {
  async check_twin(r, ctx) {
    const twin = await getTransformById(ctx.glue, r.progress.twinId!);
    if (!twin || twin.Status !== 'READY') return fail(`The encrypted transform ${r.progress.twinId} is not READY; the original stays.`);
    if ((twin.LabelCount ?? 0) < r.source.labelCount) {
      return fail(`The encrypted transform holds ${twin.LabelCount ?? 0} labels, fewer than the original's ${r.source.labelCount}; the original stays.`);
    }
    const original = await getTransformById(ctx.glue, r.source.transformId);
    if (!original) return { kind: 'complete', detail: 'The original was already deleted.' };
    const stillSuperseded = await supersededOriginal(ctx, r, original);
    if (stillSuperseded !== true) return fail(stillSuperseded);
    return next('delete_original', `The encrypted transform is READY with ${twin.LabelCount ?? 0} labels; the original is still the superseded copy.`);
  },

  async delete_original(r, ctx) {
    // Checked again right before the delete: this runs in a later advance call.
    const stillSuperseded = await supersededOriginal(ctx, r, await getTransformById(ctx.glue, r.source.transformId));
    if (stillSuperseded !== true) return fail(stillSuperseded);
    await deleteTransform(ctx.glue, r.source.transformId);
    return { kind: 'complete', detail: `Retired the original ${r.source.transformId}.${savedLabelsNote(r, 'Its labels remain exported at')}` };
  },
};

/**
 * True when the original is exactly what this remediation left: renamed aside and tagged as
 * superseded by this twin. Anything else (reverted, renamed, re-tagged) means it may be live.
 */
async function supersededOriginal(ctx: StepContext, r: Remediation, original: MLTransform | undefined): Promise<true | string> {
  if (!original) return true;
  if (original.Name !== r.plan.renamedName) {
    return `The original is now named ${original.Name}, not ${r.plan.renamedName} (was it reverted or renamed?); it stays.`;
  }
  const tags = (await ctx.glue.send(new GetTagsCommand({ ResourceArn: transformArn(r.accountId, r.region, r.source.transformId) }))).Tags ?? {};
  if (tags[TAG_SUPERSEDED_BY] !== r.progress.twinId) {
    return `The original is no longer marked as superseded by ${r.progress.twinId}; it stays.`;
  }
  return true;
}

export function stepFor(r: Remediation): Step | undefined {
  if (r.status === 'rolling_back') return (r.kind === 'revert' ? revertRollbackSteps : rollbackSteps)[r.step];
  const table = r.kind === 'remediate' ? remediateSteps : r.kind === 'revert' ? revertSteps : retireSteps;
  return table[r.step];
}

/** Where a failed workflow goes: remediations and reverts roll back what they changed; retire stops safely. */
export function rollbackStart(r: Remediation): StepName | undefined {
  const p = r.progress;
  if (r.kind === 'revert') {
    // Once the twin is being removed the revert is done but for clean-up: nothing to undo.
    if (p.twinDeleted) return undefined;
    const changed = p.twinRenamedAside || p.originalRestored || p.originalUntagged || p.recreatedId || p.recreateStartedAt;
    return changed ? 'rollback_revert_original' : undefined;
  }
  if (r.kind !== 'remediate') return undefined;
  const changed = p.twinId || p.twinCreateStartedAt || p.renamed || p.originalTagged;
  return changed ? 'rollback_delete_twin' : undefined;
}
