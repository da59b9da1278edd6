// Glue label task runs: StartExportLabelsTaskRun, StartImportLabelsTaskRun, GetMLTaskRun(s).
// The start refuses, as Glue does, what it can tell is wrong at once (no bucket, a bucket of
// another region, nothing to export, an empty or ill-named label file); a missing file is only
// found out by the run itself, which then fails.
import type { TaskRun, TaskRunProperties } from '@aws-sdk/client-glue';
import { AwsError } from './errors.js';
import { glueStore, requireLiveTransform, requireTransform } from './glue-transforms.js';
import { optionalBoolean, optionalNumber, optionalObject, optionalString, pageSize, requiredString } from './input.js';
import type { StoredTaskRun, StoredTransform } from './model.js';
import { paginate, type SortKey } from './paging.js';
import { objectSize, parseS3Path } from './s3-store.js';
import type { JsonOperation } from './service.js';
import type { RegionStore, SandboxState } from './state.js';
import { importSources, isS3Path, taskRunStatus } from './task-runs.js';

function taskRunProperties(run: StoredTaskRun): TaskRunProperties {
  if (run.taskType === 'EXPORT_LABELS') return { TaskType: 'EXPORT_LABELS', ExportLabelsTaskRunProperties: { OutputS3Path: run.s3Path } };
  if (run.taskType === 'IMPORT_LABELS') {
    return { TaskType: 'IMPORT_LABELS', ImportLabelsTaskRunProperties: { InputS3Path: run.s3Path, Replace: run.replaceAllLabels ?? false } };
  }
  return { TaskType: run.taskType };
}

function describeTaskRun(run: StoredTaskRun, now: number): TaskRun {
  const status = taskRunStatus(run, now);
  const completedAt = run.completion?.completedAt;
  return {
    TransformId: run.transformId,
    TaskRunId: run.taskRunId,
    Status: status,
    LogGroupName: '/aws-glue/ml-transforms',
    Properties: taskRunProperties(run),
    ErrorString: run.completion?.errorString,
    StartedOn: new Date(run.startedAt),
    LastModifiedOn: new Date(completedAt ?? now),
    CompletedOn: completedAt === undefined ? undefined : new Date(completedAt),
    ExecutionTime: Math.round(((completedAt ?? now) - run.startedAt) / 1000),
  };
}

function invalidInput(message: string): AwsError {
  return new AwsError('InvalidInputException', message);
}

/** The path must be s3:// in an existing bucket of the transform's own region. */
function requireLabelLocation(state: SandboxState, store: RegionStore, path: string, member: string): string {
  const bucket = isS3Path(path) ? parseS3Path(path)?.bucket : undefined;
  if (bucket === undefined) throw invalidInput(`${member} must be an s3:// path, got ${path}`);
  const bucketRegion = state.bucketRegion(bucket);
  if (bucketRegion === undefined) throw invalidInput(`Cannot access the label file at ${path}. The specified bucket does not exist.`);
  const region = store.scope.region;
  if (bucketRegion !== region) {
    throw invalidInput(`S3 path provided is not in the same region as transform. Expecting region - ${region}, but got - ${bucketRegion}.`);
  }
  return path;
}

/** What an import can be refused for at once: a folder where a file is wanted, an empty file. */
function checkImportSource(state: SandboxState, path: string): void {
  if (state.labelImportPath === 'file' && !state.s3.get(path) && state.s3.listFolder(path).length > 0) {
    throw invalidInput('Invalid label file path.');
  }
  if (importSources(state.s3, path, state.labelImportPath).some((o) => objectSize(o) === 0)) {
    throw invalidInput('Invalid label file of size 0.');
  }
}

function requireLabels(transform: StoredTransform): void {
  if (transform.labels.length === 0) throw invalidInput(`No labelset exists for transformId ${transform.definition.TransformId}`);
}

const TASK_RUN_SORT: Record<string, (run: StoredTaskRun, now: number) => SortKey> = {
  STARTED: (run) => [run.startedAt, run.taskRunId],
  STATUS: (run, now) => [taskRunStatus(run, now), run.startedAt, run.taskRunId],
  TASK_RUN_TYPE: (run) => [run.taskType, run.startedAt, run.taskRunId],
};

export function taskRunOperations(state: SandboxState): Record<string, JsonOperation> {
  return {
    StartExportLabelsTaskRun(caller, input) {
      const store = glueStore(state, caller);
      const transform = requireLiveTransform(store, requiredString(input, 'TransformId'));
      const s3Path = requireLabelLocation(state, store, requiredString(input, 'OutputS3Path'), 'OutputS3Path');
      requireLabels(transform);
      const run = state.startTaskRun(store, transform, { transformId: transform.definition.TransformId, taskType: 'EXPORT_LABELS', s3Path });
      return { TaskRunId: run.taskRunId };
    },

    StartImportLabelsTaskRun(caller, input) {
      const store = glueStore(state, caller);
      const transform = requireLiveTransform(store, requiredString(input, 'TransformId'));
      const s3Path = requireLabelLocation(state, store, requiredString(input, 'InputS3Path'), 'InputS3Path');
      checkImportSource(state, s3Path);
      const run = state.startTaskRun(store, transform, {
        transformId: transform.definition.TransformId,
        taskType: 'IMPORT_LABELS',
        s3Path,
        replaceAllLabels: optionalBoolean(input, 'ReplaceAllLabels') ?? false,
      });
      return { TaskRunId: run.taskRunId };
    },

    GetMLTaskRun(caller, input) {
      const transform = requireTransform(glueStore(state, caller), requiredString(input, 'TransformId'));
      const taskRunId = requiredString(input, 'TaskRunId');
      const run = transform.taskRuns.find((r) => r.taskRunId === taskRunId);
      if (!run) throw new AwsError('EntityNotFoundException', `Task run ${taskRunId} not found for transform ${transform.definition.TransformId}`);
      return describeTaskRun(run, state.now());
    },

    GetMLTaskRuns(caller, input) {
      const now = state.now();
      const transform = requireTransform(glueStore(state, caller), requiredString(input, 'TransformId'));
      const filter = optionalObject(input, 'Filter') ?? {};
      const type = optionalString(filter, 'TaskRunType');
      const status = optionalString(filter, 'Status');
      const startedBefore = optionalNumber(filter, 'StartedBefore');
      const startedAfter = optionalNumber(filter, 'StartedAfter');
      const runs = transform.taskRuns.filter(
        (run) =>
          (type === undefined || run.taskType === type) &&
          (status === undefined || taskRunStatus(run, now) === status) &&
          (startedBefore === undefined || run.startedAt < startedBefore * 1000) &&
          (startedAfter === undefined || run.startedAt > startedAfter * 1000),
      );
      const sort = optionalObject(input, 'Sort');
      const column = sort ? requiredString(sort, 'Column') : 'STARTED';
      const sortKey = TASK_RUN_SORT[column];
      if (!sortKey) throw new AwsError('InvalidInputException', `Unknown sort column ${column}`);
      const page = paginate(runs, {
        sortKey: (run) => sortKey(run, now),
        // Newest first unless asked otherwise.
        descending: sort ? requiredString(sort, 'SortDirection') === 'DESCENDING' : true,
        limit: pageSize(input, 'MaxResults', 100, 1000),
        token: optionalString(input, 'NextToken'),
        invalidTokenCode: 'InvalidInputException',
      });
      return { TaskRuns: page.items.map((run) => describeTaskRun(run, now)), NextToken: page.nextToken };
    },
  };
}
