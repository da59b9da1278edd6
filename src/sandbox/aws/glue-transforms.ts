// Glue ML transform operations: list/get/create/update/delete and tags.
import type { MLTransform, TransformEncryption } from '@aws-sdk/client-glue';
import { parseArn } from './arns.js';
import type { Caller } from './auth.js';
import { AwsError } from './errors.js';
import {
  isObject,
  optionalNumber,
  optionalObject,
  optionalString,
  optionalStringList,
  optionalStringMap,
  pageSize,
  requiredObject,
  requiredString,
  storedAs,
  withinBytes,
  type JsonObject,
} from './input.js';
import type { StoredTransform, TransformDefinition } from './model.js';
import { paginate, type SortKey } from './paging.js';
import type { JsonOperation } from './service.js';
import type { RegionStore, SandboxState } from './state.js';

/** GetMLTransforms accepts MaxResults 1..1000 (API reference); the default page size is not documented. */
export const GET_ML_TRANSFORMS_MAX_RESULTS = 1000;
export const GET_ML_TRANSFORMS_DEFAULT_PAGE = 100;

/** Transform names: at most 255 bytes of UTF-8 (Glue counts bytes, so multi-byte names hit it sooner). */
const MAX_NAME_BYTES = 255;

/** DPUs per worker, used to report MaxCapacity for transforms sized by workers, as Glue does. */
const DPU_PER_WORKER: Record<string, number> = { Standard: 1, 'G.025X': 0.25, 'G.1X': 1, 'G.2X': 2, 'G.4X': 4, 'G.8X': 8 };

export function glueStore(state: SandboxState, caller: Caller): RegionStore {
  return state.region(caller.accountId, caller.region);
}

export function requireTransform(store: RegionStore, transformId: string): StoredTransform {
  const transform = store.transforms.get(transformId);
  if (!transform) throw new AwsError('EntityNotFoundException', `Transform with id ${transformId} not found`);
  return transform;
}

/** A transform that work may start on: not one being deleted. */
export function requireLiveTransform(store: RegionStore, transformId: string): StoredTransform {
  const transform = requireTransform(store, transformId);
  if (transform.deletedAt !== undefined) {
    throw new AwsError('InvalidInputException', `Transform ${transformId} is being deleted (Status DELETING): no task run can start on it`);
  }
  return transform;
}

/**
 * The transform as Glue reports it: stored fields untouched, LabelCount and MaxCapacity derived.
 * A shallow copy: answers are serialized at once, and a deep copy per transform made large scans slow.
 */
export function describeTransform(transform: StoredTransform): MLTransform {
  const described: MLTransform = { ...transform.definition, LabelCount: transform.labels.length };
  const { WorkerType, NumberOfWorkers } = transform.definition;
  if (described.MaxCapacity === undefined && WorkerType && NumberOfWorkers) {
    // Glue reports the DPUs a worker-sized transform uses, which is why a Get cannot be replayed as a Create.
    described.MaxCapacity = NumberOfWorkers * (DPU_PER_WORKER[WorkerType] ?? 1);
  }
  return described;
}

function epochSeconds(input: JsonObject, member: string): number | undefined {
  const value = optionalNumber(input, member);
  return value === undefined ? undefined : value * 1000;
}

function matchesFilter(transform: StoredTransform, filter: JsonObject | undefined): boolean {
  if (!filter) return true;
  const d = transform.definition;
  const name = optionalString(filter, 'Name');
  const type = optionalString(filter, 'TransformType');
  const status = optionalString(filter, 'Status');
  const glueVersion = optionalString(filter, 'GlueVersion');
  const created = d.CreatedOn?.getTime() ?? 0;
  const modified = d.LastModifiedOn?.getTime() ?? created;
  const createdBefore = epochSeconds(filter, 'CreatedBefore');
  const createdAfter = epochSeconds(filter, 'CreatedAfter');
  const modifiedBefore = epochSeconds(filter, 'LastModifiedBefore');
  const modifiedAfter = epochSeconds(filter, 'LastModifiedAfter');
  const schema = Array.isArray(filter.Schema) ? filter.Schema.filter(isObject) : [];
  return (
    (name === undefined || d.Name === name) &&
    (type === undefined || d.Parameters?.TransformType === type) &&
    (status === undefined || d.Status === status) &&
    (glueVersion === undefined || d.GlueVersion === glueVersion) &&
    (createdBefore === undefined || created < createdBefore) &&
    (createdAfter === undefined || created > createdAfter) &&
    (modifiedBefore === undefined || modified < modifiedBefore) &&
    (modifiedAfter === undefined || modified > modifiedAfter) &&
    schema.every((column) => (d.Schema ?? []).some((c) => c.Name === column.Name && c.DataType === column.DataType))
  );
}

function sortKeyFor(column: string | undefined): (t: StoredTransform) => SortKey {
  const d = (t: StoredTransform): TransformDefinition => t.definition;
  switch (column) {
    case undefined:
      return (t) => [t.seq];
    case 'NAME':
      return (t) => [d(t).Name, t.seq];
    case 'TRANSFORM_TYPE':
      return (t) => [d(t).Parameters?.TransformType ?? '', t.seq];
    case 'STATUS':
      return (t) => [d(t).Status ?? '', t.seq];
    case 'CREATED':
      return (t) => [d(t).CreatedOn?.getTime() ?? 0, t.seq];
    case 'LAST_MODIFIED':
      return (t) => [d(t).LastModifiedOn?.getTime() ?? 0, t.seq];
    default:
      throw new AwsError('InvalidInputException', `Unknown sort column ${column}`);
  }
}

// Sizing is MaxCapacity or WorkerType+NumberOfWorkers, never both; the two worker fields go together.
function rejectMixedSizing(maxCapacity: number | undefined, workerType: string | undefined, workers: number | undefined): void {
  if (maxCapacity !== undefined && (workerType !== undefined || workers !== undefined)) {
    throw new AwsError('InvalidInputException', 'MaxCapacity cannot be set when WorkerType or NumberOfWorkers is set');
  }
}

function requireWorkerPair(workerType: string | undefined, workers: number | undefined): void {
  if ((workerType === undefined) !== (workers === undefined)) {
    throw new AwsError('InvalidInputException', 'WorkerType and NumberOfWorkers must be set together');
  }
}

function readEncryption(input: JsonObject, store: RegionStore): TransformEncryption | undefined {
  const encryption = optionalObject(input, 'TransformEncryption');
  if (!encryption) return undefined;
  const userData = optionalObject(encryption, 'MlUserDataEncryption');
  if (userData) {
    const mode = requiredString(userData, 'MlUserDataEncryptionMode');
    if (mode !== 'DISABLED' && mode !== 'SSE-KMS') {
      throw new AwsError('InvalidInputException', `Invalid MlUserDataEncryptionMode ${mode}: must be DISABLED or SSE-KMS`);
    }
    if (mode === 'SSE-KMS' && !optionalString(userData, 'KmsKeyId')) {
      throw new AwsError('InvalidInputException', 'KmsKeyId is required when MlUserDataEncryptionMode is SSE-KMS');
    }
  }
  const configName = optionalString(encryption, 'TaskRunSecurityConfigurationName');
  if (configName !== undefined && !store.securityConfigurations.has(configName)) {
    throw new AwsError('EntityNotFoundException', `Security configuration ${configName} not found`);
  }
  // Stored exactly as sent, so a Get returns the same structure the Create was given.
  return storedAs<TransformEncryption>(encryption);
}

function requireResourceTransform(state: SandboxState, caller: Caller, resourceArn: string): StoredTransform {
  const arn = parseArn(resourceArn);
  const transformId = arn?.resource.startsWith('mlTransform/') ? arn.resource.slice('mlTransform/'.length) : undefined;
  if (!arn || arn.service !== 'glue' || !transformId) {
    throw new AwsError('InvalidInputException', `Invalid resource ARN ${resourceArn}`);
  }
  if (arn.region !== caller.region || arn.accountId !== caller.accountId) {
    throw new AwsError('EntityNotFoundException', `Resource ${resourceArn} not found`);
  }
  return requireTransform(glueStore(state, caller), transformId);
}

export function transformOperations(state: SandboxState): Record<string, JsonOperation> {
  return {
    GetMLTransforms(caller, input) {
      const store = glueStore(state, caller);
      const filter = optionalObject(input, 'Filter');
      const sort = optionalObject(input, 'Sort');
      const limit = pageSize(input, 'MaxResults', GET_ML_TRANSFORMS_DEFAULT_PAGE, GET_ML_TRANSFORMS_MAX_RESULTS);
      const all = store.transforms.values();
      const candidates = filter ? [...all].filter((t) => matchesFilter(t, filter)) : all;
      const page = paginate(candidates, {
        sortKey: sortKeyFor(sort ? requiredString(sort, 'Column') : undefined),
        // Without Sort the order is creation order, which is the store's insertion order.
        presorted: !sort,
        descending: sort ? requiredString(sort, 'SortDirection') === 'DESCENDING' : false,
        limit,
        token: optionalString(input, 'NextToken'),
        invalidTokenCode: 'InvalidInputException',
      });
      return { Transforms: page.items.map(describeTransform), NextToken: page.nextToken };
    },

    GetMLTransform(caller, input) {
      return describeTransform(requireTransform(glueStore(state, caller), requiredString(input, 'TransformId')));
    },

    CreateMLTransform(caller, input) {
      const store = glueStore(state, caller);
      const name = withinBytes(requiredString(input, 'Name'), 'Name', MAX_NAME_BYTES);
      const role = requiredString(input, 'Role');
      const parameters = requiredObject(input, 'Parameters');
      requiredString(parameters, 'TransformType');
      const tables = input.InputRecordTables;
      if (!Array.isArray(tables) || tables.length === 0 || !tables.every(isObject)) {
        throw new AwsError('InvalidInputException', 'InputRecordTables must list at least one table');
      }
      const maxCapacity = optionalNumber(input, 'MaxCapacity');
      const workerType = optionalString(input, 'WorkerType');
      const workers = optionalNumber(input, 'NumberOfWorkers');
      rejectMixedSizing(maxCapacity, workerType, workers);
      requireWorkerPair(workerType, workers);
      const tags = optionalStringMap(input, 'Tags');
      if (tags && Object.keys(tags).length > 50) throw new AwsError('InvalidInputException', 'A resource can have at most 50 tags');
      const encryption = readEncryption(input, store);
      if (store.transformByName(name)) throw new AwsError('AlreadyExistsException', `Transform with name ${name} already exists`);
      const transform = state.addTransform(store.scope, {
        Name: name,
        Description: optionalString(input, 'Description', 2048),
        Status: 'READY',
        InputRecordTables: storedAs<TransformDefinition['InputRecordTables']>(tables),
        Parameters: storedAs<TransformDefinition['Parameters']>(parameters),
        Role: role,
        GlueVersion: optionalString(input, 'GlueVersion'),
        MaxCapacity: maxCapacity,
        WorkerType: workerType as TransformDefinition['WorkerType'],
        NumberOfWorkers: workers,
        // Glue's documented default task-run timeout: 2,880 minutes.
        Timeout: optionalNumber(input, 'Timeout') ?? 2880,
        MaxRetries: optionalNumber(input, 'MaxRetries'),
        ...(encryption ? { TransformEncryption: encryption } : {}),
        labels: [],
        tags,
      });
      dropUndefined(transform.definition);
      return { TransformId: transform.definition.TransformId };
    },

    UpdateMLTransform(caller, input) {
      const store = glueStore(state, caller);
      const transform = requireTransform(store, requiredString(input, 'TransformId'));
      const d = transform.definition;
      const name = withinBytes(optionalString(input, 'Name'), 'Name', MAX_NAME_BYTES);
      if (name !== undefined && name !== d.Name && store.transformByName(name)) {
        throw new AwsError('AlreadyExistsException', `Transform with name ${name} already exists`);
      }
      const maxCapacity = optionalNumber(input, 'MaxCapacity');
      const workerType = optionalString(input, 'WorkerType');
      const workers = optionalNumber(input, 'NumberOfWorkers');
      rejectMixedSizing(maxCapacity, workerType, workers);
      const parameters = optionalObject(input, 'Parameters');
      // Only the members UpdateMLTransform has; anything else (TransformEncryption...) is not updatable.
      const next: TransformDefinition = {
        ...d,
        Name: name ?? d.Name,
        Description: optionalString(input, 'Description', 2048) ?? d.Description,
        Parameters: parameters ? storedAs<TransformDefinition['Parameters']>(parameters) : d.Parameters,
        Role: optionalString(input, 'Role') ?? d.Role,
        GlueVersion: optionalString(input, 'GlueVersion') ?? d.GlueVersion,
        Timeout: optionalNumber(input, 'Timeout') ?? d.Timeout,
        MaxRetries: optionalNumber(input, 'MaxRetries') ?? d.MaxRetries,
        LastModifiedOn: new Date(state.now()),
      };
      if (maxCapacity !== undefined) {
        Object.assign(next, { MaxCapacity: maxCapacity, WorkerType: undefined, NumberOfWorkers: undefined });
      } else if (workerType !== undefined || workers !== undefined) {
        Object.assign(next, { MaxCapacity: undefined, WorkerType: workerType ?? d.WorkerType, NumberOfWorkers: workers ?? d.NumberOfWorkers });
        requireWorkerPair(next.WorkerType, next.NumberOfWorkers);
      }
      dropUndefined(next);
      store.replaceDefinition(transform, next);
      return { TransformId: d.TransformId };
    },

    DeleteMLTransform(caller, input) {
      const store = glueStore(state, caller);
      const transform = requireTransform(store, requiredString(input, 'TransformId'));
      // Asynchronous in Glue: the transform reads DELETING (and keeps its name) for a while; a
      // second delete meanwhile answers the same id.
      state.deleteTransform(store, transform);
      return { TransformId: transform.definition.TransformId };
    },

    GetTags(caller, input) {
      return { Tags: { ...requireResourceTransform(state, caller, requiredString(input, 'ResourceArn')).tags } };
    },

    TagResource(caller, input) {
      const transform = requireResourceTransform(state, caller, requiredString(input, 'ResourceArn'));
      const toAdd = optionalStringMap(input, 'TagsToAdd') ?? {};
      const merged = { ...transform.tags, ...toAdd };
      if (Object.keys(merged).length > 50) throw new AwsError('InvalidInputException', 'A resource can have at most 50 tags');
      transform.tags = merged;
      return {};
    },

    UntagResource(caller, input) {
      const transform = requireResourceTransform(state, caller, requiredString(input, 'ResourceArn'));
      for (const key of optionalStringList(input, 'TagsToRemove') ?? []) delete transform.tags[key];
      return {};
    },
  };
}

/** Members set to undefined would still be "present" keys; drop them so absent means absent. */
function dropUndefined(record: object): void {
  for (const [key, value] of Object.entries(record)) if (value === undefined) delete (record as Record<string, unknown>)[key];
}
