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
  type GlueClient,
  type MLTransform,
  type TaskType,
} from '@aws-sdk/client-glue';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { errorCode } from '../inventory/awsErrors.js';
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
import type { Progress, Remediation, StepName } from './types.js';

export type StepOutcome =
  | { kind: 'next'; next: StepName; detail?: string }
  | { kind: 'wait'; detail?: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'complete'; detail: string };

export interface StepContext {
  glue: GlueClient;
  kms: KMSClient;
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

async function activeTaskRuns(glue: GlueClient, transformId: string): Promise<number> {
  const [starting, running] = await Promise.all(
    (['STARTING', 'RUNNING'] as const).map((Status) =>
      glue.send(new GetMLTaskRunsCommand({ TransformId: transformId, Filter: { Status }, MaxResults: 10 })),
    ),
  );
  return (starting?.TaskRuns?.length ?? 0) + (running?.TaskRuns?.length ?? 0);
}

/**
 * Starts a label task run once. If a previous attempt crashed after Glue accepted the call but
 * before its id was saved, the run it started is found (same type, started after the intent)
 * and adopted instead of starting a second one.
 */
async function startTaskRunOnce(
  ctx: StepContext,
  transformId: string,
  type: TaskType,
  s3Path: string,
  intentAt: string | undefined,
  start: () => Promise<string | undefined>,
): Promise<string> {
  if (intentAt) {
    const runs = await ctx.glue.send(
      new GetMLTaskRunsCommand({ TransformId: transformId, Filter: { TaskRunType: type, StartedAfter: new Date(Date.parse(intentAt) - 1000) } }),
    );
    // Only a run of ours: same type, started after the intent, on the very same S3 path.
    const adopted = runs.TaskRuns?.find((run) => {
      const p = run.Properties;
      return (p?.ExportLabelsTaskRunProperties?.OutputS3Path ?? p?.ImportLabelsTaskRunProperties?.InputS3Path) === s3Path;
    })?.TaskRunId;
    if (adopted) return adopted;
  }
  const id = await start();
  if (!id) throw new Error(`Glue returned no task run id for ${type}`);
  return id;
}

/**
 * Starts the label export from, or import into, `transformId` (at the plan's export path) unless
 * this step already has its run: the intent is checkpointed before the call, the run ID after.
 */
async function startLabelTaskRun(
  r: Remediation,
  ctx: StepContext,
  type: 'EXPORT_LABELS' | 'IMPORT_LABELS',
  transformId: string,
  intentExtra: Partial<Progress> = {},
): Promise<void> {
  const isExport = type === 'EXPORT_LABELS';
  if (isExport ? r.progress.exportTaskRunId : r.progress.importTaskRunId) return;
  const intent = isExport ? r.progress.exportStartedAt : r.progress.importStartedAt;
  if (!intent) {
    const at = ctx.now().toISOString();
    await ctx.checkpoint({ ...(isExport ? { exportStartedAt: at } : { importStartedAt: at }), ...intentExtra });
  }
  const path = r.plan.exportPath;
  const id = await startTaskRunOnce(ctx, transformId, type, path, intent, async () =>
    isExport
      ? (await ctx.glue.send(new StartExportLabelsTaskRunCommand({ TransformId: transformId, OutputS3Path: path }))).TaskRunId
      : (await ctx.glue.send(new StartImportLabelsTaskRunCommand({ TransformId: transformId, InputS3Path: path, ReplaceAllLabels: true }))).TaskRunId,
  );
  await ctx.checkpoint(isExport ? { exportTaskRunId: id } : { importTaskRunId: id });
}

/** Deletes a transform; one that is already gone is fine. */
async function deleteTransform(glue: GlueClient, transformId: string): Promise<void> {
  await glue.send(new DeleteMLTransformCommand({ TransformId: transformId })).catch((err: unknown) => {
    if (errorCode(err) !== 'EntityNotFoundException') throw err;
  });
}

/** Polls a task run: next step when it succeeded, wait while it runs, fail otherwise. */
async function waitForTaskRun(
  r: Remediation,
  ctx: StepContext,
  transformId: string,
  taskRunId: string | undefined,
  what: string,
  onSuccess: StepName,
): Promise<StepOutcome> {
  if (!taskRunId) return fail(`No ${what} task run was recorded.`);
  const run = await ctx.glue.send(new GetMLTaskRunCommand({ TransformId: transformId, TaskRunId: taskRunId }));
  switch (run.Status) {
    case 'SUCCEEDED':
      await ctx.checkpoint({ pollStartedAt: undefined });
      return next(onSuccess, `${what} finished (task run ${taskRunId}).`);
    case 'STARTING':
    case 'RUNNING':
    case 'STOPPING': {
      const startedAt = r.progress.pollStartedAt ?? ctx.now().toISOString();
      if (!r.progress.pollStartedAt) await ctx.checkpoint({ pollStartedAt: startedAt });
      const waited = (ctx.now().getTime() - Date.parse(startedAt)) / 1000;
      if (waited > ctx.taskRunTimeoutSeconds) {
        const minutes = Math.round(ctx.taskRunTimeoutSeconds / 60);
        return fail(`${what} did not finish within ${minutes} minute${minutes === 1 ? '' : 's'} (task run ${taskRunId} is ${run.Status}).`);
      }
      return { kind: 'wait', detail: `${what}: ${run.Status}` };
    }
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
    await startLabelTaskRun(r, ctx, 'EXPORT_LABELS', r.source.transformId);
    return next('wait_export', `Exporting ${r.source.labelCount} labels to ${r.plan.exportPath}.`);
  },

  wait_export: (r, ctx) =>
    waitForTaskRun(r, ctx, r.source.transformId, r.progress.exportTaskRunId, 'Label export', 'ensure_security_configuration'),

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
      const adopted = await findOurTwin(ctx.glue, r, r.source.name);
      if (adopted === 'taken') return fail(`Another transform already holds the name ${r.source.name}.`);
      const twinId =
        adopted ??
        (
          await ctx.glue.send(
            new CreateMLTransformCommand(
              createRequestFrom(r.source, r.source.name, plannedEncryption(r), {
                [TAG_REMEDIATION]: r.id,
                [TAG_SOURCE]: r.source.transformId,
              }),
            ),
          )
        ).TransformId;
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
    const twinId = r.progress.twinId!;
    await startLabelTaskRun(r, ctx, 'IMPORT_LABELS', twinId);
    return next('wait_import', `Importing labels into ${twinId}.`);
  },

  wait_import: (r, ctx) => waitForTaskRun(r, ctx, r.progress.twinId!, r.progress.importTaskRunId, 'Label import', 'verify'),

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

/** The twin this remediation created under `name`, 'taken' when someone else's transform has it. */
async function findOurTwin(glue: GlueClient, r: Remediation, name: string): Promise<string | undefined | 'taken'> {
  const found = await glue.send(new GetMLTransformsCommand({ Filter: { Name: name }, MaxResults: 10 }));
  for (const t of found.Transforms ?? []) {
    if (!t.TransformId || t.Name !== name) continue;
    const tags = await glue.send(new GetTagsCommand({ ResourceArn: transformArn(r.accountId, r.region, t.TransformId) }));
    return tags.Tags?.[TAG_REMEDIATION] === r.id ? t.TransformId : 'taken';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// rollback of a remediation: remove the twin, give the original its name back, untag it.

const rollbackSteps: Partial<Record<StepName, Step>> = {
  async rollback_delete_twin(r, ctx) {
    let twinId = r.progress.twinId;
    if (!twinId && r.progress.twinCreateStartedAt) {
      // The create may have gone through without its id being saved.
      const found = await findOurTwin(ctx.glue, r, r.source.name);
      if (found && found !== 'taken') twinId = found;
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
    return { kind: 'complete', detail: `Rolled back: ${r.source.name} (${r.source.transformId}) is as it was; the label export stays at ${r.plan.exportPath}.` };
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
    await startLabelTaskRun(r, ctx, 'EXPORT_LABELS', twinId, { twinExportPath: r.plan.exportPath });
    return next('wait_twin_export', `Saving the encrypted transform's labels to ${r.plan.exportPath}.`);
  },

  wait_twin_export: (r, ctx) => waitForTaskRun(r, ctx, r.progress.twinId!, r.progress.exportTaskRunId, 'Label export', 'rename_twin_aside'),

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
      const found = await findOurTwin(ctx.glue, r, r.source.name);
      if (found === 'taken') return fail(`Another transform already holds the name ${r.source.name}.`);
      const id =
        found ??
        (
          await ctx.glue.send(
            new CreateMLTransformCommand(
              createRequestFrom(r.source, r.source.name, r.source.transformEncryption, { [TAG_REMEDIATION]: r.id }),
            ),
          )
        ).TransformId;
      await ctx.checkpoint({ recreatedId: id });
      return next('import_original_labels', `The original was retired: re-created ${r.source.name} (${id}) with its recorded settings and encryption.`);
    }
    return next('import_original_labels', `Re-created ${r.source.name} (${r.progress.recreatedId}).`);
  },

  async import_original_labels(r, ctx) {
    const target = r.progress.recreatedId ?? r.source.transformId;
    await startLabelTaskRun(r, ctx, 'IMPORT_LABELS', target);
    return next('wait_original_import', `Importing the labels into ${target}.`);
  },

  wait_original_import: (r, ctx) =>
    waitForTaskRun(r, ctx, r.progress.recreatedId ?? r.source.transformId, r.progress.importTaskRunId, 'Label import', 'untag_original'),

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
      return fail(`After the revert, ${r.source.name} has ${t.LabelCount ?? 0} labels, expected ${r.progress.verifiedLabelCount ?? 0}; the labels are saved at ${r.plan.exportPath}.`);
    }
    return next('delete_twin', `${r.source.name} is ${id} again, with ${t.LabelCount ?? 0} labels.`);
  },

  async delete_twin(r, ctx) {
    await ctx.checkpoint({ twinDeleted: true });
    await deleteTransform(ctx.glue, r.progress.twinId!);
    const id = r.progress.recreatedId ?? r.source.transformId;
    return {
      kind: 'complete',
      detail: `Reverted: ${r.source.name} is ${id} again, with ${r.progress.verifiedLabelCount ?? 0} labels; the encrypted transform ${r.progress.twinId} is removed and its labels are saved at ${r.plan.exportPath}.`,
    };
  },
};

// Undoing a revert that failed before its last step: the original goes back aside (or the
// re-created copy is removed), the twin gets its name back.
const revertRollbackSteps: Partial<Record<StepName, Step>> = {
  async rollback_revert_original(r, ctx) {
    const p = r.progress;
    if (p.recreatedId || p.recreateStartedAt) {
      const recreated = p.recreatedId ?? (await findOurTwin(ctx.glue, r, r.source.name));
      if (recreated && recreated !== 'taken') {
        await deleteTransform(ctx.glue, recreated);
      }
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
    if (twin.Name !== r.source.name) await ctx.glue.send(new UpdateMLTransformCommand({ TransformId: r.progress.twinId!, Name: r.source.name }));
    return {
      kind: 'complete',
      detail: `Revert undone: ${r.source.name} is the encrypted transform ${r.progress.twinId} again; its labels are also saved at ${r.plan.exportPath}.`,
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
    return { kind: 'complete', detail: `Retired the original ${r.source.transformId}; its labels remain exported at ${r.plan.exportPath}.` };
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
