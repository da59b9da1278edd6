// Label export/import task runs: STARTING -> RUNNING -> SUCCEEDED | FAILED | TIMEOUT, driven by the
// clock. Nothing runs in the background: due runs are settled (their effect applied) whenever the
// sandbox is asked anything, so the outcome is deterministic and never races a poll.
import type { S3Object, StoredTaskRun, StoredTransform } from './model.js';

export type TaskRunStatus = 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT';

/** "s3://bucket/prefix/" and "s3://bucket/prefix" name the same export location. */
export function normalizeS3Path(path: string): string {
  return path.replace(/\/+$/, '');
}

export function isS3Path(path: string): boolean {
  return /^s3:\/\/[^/]+/.test(path);
}

export function taskRunStatus(run: StoredTaskRun, now: number): TaskRunStatus {
  if (run.completion) return run.completion.status;
  // The first quarter of the run reads STARTING, as a real run spends its first minutes provisioning.
  return now - run.startedAt < run.durationMs / 4 ? 'STARTING' : 'RUNNING';
}

/** Completes a due run and applies its effect: an export writes the labels, an import reads them. */
export function settleTaskRun(
  run: StoredTaskRun,
  transform: StoredTransform,
  s3: Map<string, S3Object>,
  scope: { accountId: string; region: string },
  now: number,
): void {
  if (run.completion || now - run.startedAt < run.durationMs) return;
  const completedAt = Math.max(now, run.startedAt + run.durationMs);
  if (run.plannedFailure) {
    run.completion = { status: run.plannedFailure.status, completedAt, errorString: run.plannedFailure.errorString };
    return;
  }
  const path = normalizeS3Path(run.s3Path);
  if (run.taskType === 'EXPORT_LABELS') {
    s3.set(path, {
      path,
      labels: [...transform.labels],
      writtenAt: new Date(completedAt),
      writtenBy: { ...scope, transformId: run.transformId, taskRunId: run.taskRunId },
    });
    run.completion = { status: 'SUCCEEDED', completedAt };
    return;
  }
  const source = s3.get(path);
  if (!source) {
    run.completion = {
      status: 'FAILED',
      completedAt,
      errorString: `Unable to import labels: no labels file found at ${run.s3Path}`,
    };
    return;
  }
  transform.labels = run.replaceAllLabels ? [...source.labels] : [...transform.labels, ...source.labels];
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
