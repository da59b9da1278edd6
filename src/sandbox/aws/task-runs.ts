// Label export/import task runs: STARTING -> RUNNING -> SUCCEEDED | FAILED | TIMEOUT, driven by the
// clock. Nothing runs in the background: due runs are settled (their effect applied) whenever the
// sandbox is asked anything, so the outcome is deterministic and never races a poll.
import type { TaskStatusType } from '@aws-sdk/client-glue';
import type { S3Object, StoredTaskRun, StoredTransform } from './model.js';
import { parseS3Path, type S3Store } from './s3-store.js';

/**
 * How Glue reads an import's InputS3Path: 'folder' imports every object under a folder (or the one
 * object the path names); 'file' accepts only a path that names one object.
 */
export type LabelImportPath = 'folder' | 'file';

export function isS3Path(path: string): boolean {
  return /^s3:\/\/[^/]+/.test(path);
}

export function taskRunStatus(run: StoredTaskRun, now: number): TaskStatusType {
  if (run.completion) return run.completion.status;
  if (run.heldStatus) return run.heldStatus;
  // The first quarter of the run reads STARTING, as a real run spends its first minutes provisioning.
  return now - run.startedAt < run.durationMs / 4 ? 'STARTING' : 'RUNNING';
}

/** The objects an import from `path` reads: the object of exactly that key, else (folder mode) those under it. */
export function importSources(s3: S3Store, path: string, mode: LabelImportPath): S3Object[] {
  const exact = s3.get(path);
  if (exact) return [exact];
  return mode === 'folder' ? s3.listFolder(path) : [];
}

/** Export file names as Glue (Spark) writes them: <folder>/run-<taskRunId>-part-00000.csv, ... */
export function exportFilePath(outputS3Path: string, taskRunId: string, part: number): string {
  return `${outputS3Path.replace(/\/+$/, '')}/run-${taskRunId}-part-${String(part).padStart(5, '0')}.csv`;
}

export interface SettleContext {
  s3: S3Store;
  scope: { accountId: string; region: string };
  now: number;
  labelsPerExportFile: number;
  labelImportPath: LabelImportPath;
}

/** Completes a due run and applies its effect: an export writes the labels, an import reads them. */
export function settleTaskRun(run: StoredTaskRun, transform: StoredTransform, context: SettleContext): void {
  const { s3, now } = context;
  if (run.completion || run.heldStatus || now - run.startedAt < run.durationMs) return;
  const completedAt = Math.max(now, run.startedAt + run.durationMs);
  if (run.plannedFailure) {
    run.completion = { status: run.plannedFailure.status, completedAt, errorString: run.plannedFailure.errorString };
    return;
  }
  if (run.taskType !== 'EXPORT_LABELS' && run.taskType !== 'IMPORT_LABELS') {
    run.completion = { status: 'SUCCEEDED', completedAt };
    return;
  }
  const path = run.s3Path ?? '';
  const bucket = parseS3Path(path)?.bucket;
  // Glue's start checks this; a run registered directly on the state may still name no bucket.
  if (!bucket || !s3.bucket(bucket)) {
    run.completion = { status: 'FAILED', completedAt, errorString: `Cannot access the label file at ${path}. The specified bucket does not exist.` };
    return;
  }
  if (run.taskType === 'EXPORT_LABELS') {
    const perFile = Math.max(1, context.labelsPerExportFile);
    for (let part = 0; part * perFile < transform.labels.length; part++) {
      s3.put(exportFilePath(path, run.taskRunId, part), {
        labels: transform.labels.slice(part * perFile, (part + 1) * perFile),
        writtenAt: new Date(completedAt),
        writtenBy: { ...context.scope, transformId: run.transformId, taskRunId: run.taskRunId },
      });
    }
    run.completion = { status: 'SUCCEEDED', completedAt };
    return;
  }
  const sources = importSources(s3, path, context.labelImportPath);
  if (sources.length === 0) {
    run.completion = { status: 'FAILED', completedAt, errorString: `Cannot access the label file at ${path}. The specified key does not exist.` };
    return;
  }
  const imported = sources.flatMap((source) => source.labels);
  transform.labels = run.replaceAllLabels ? imported : [...transform.labels, ...imported];
  run.completion = { status: 'SUCCEEDED', completedAt };
}

/** Synthetic label rows in the shape Glue exports them: labeling_set_id,label,record id. */
export function makeLabels(prefix: string, count: number): string[] {
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const set = Math.floor(i / 10);
    labels.push(`${prefix}-set-${set},${prefix}-label-${Math.floor(i / 2)},${prefix}-record-${i}`);
  }
  return labels;
}
