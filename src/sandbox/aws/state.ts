// The sandbox's in-memory AWS: one RegionStore per account+region, plus the things that are not
// regional (S3 buckets, IAM roles, issued credentials, deny rules). Tests and fixtures use this
// API directly to seed and inspect; the protocol modules use it to answer SDK calls.
import type { SecurityConfiguration, TaskType } from '@aws-sdk/client-glue';
import { keyArn, scopeKey, transformArn, type Scope } from './arns.js';
import type {
  HeldTaskRunStatus,
  IssuedCredentials,
  LabelTaskType,
  RegionDenial,
  RolePolicy,
  S3Object,
  StoredAlias,
  StoredJob,
  StoredKey,
  StoredSecurityConfiguration,
  StoredTaskRun,
  StoredTransform,
  TaskRunFailureStatus,
  TransformDefinition,
} from './model.js';
import { IdGenerator } from './random.js';
import { S3Store, type S3DeniableOperation } from './s3-store.js';
import { makeLabels, settleTaskRun, type LabelImportPath } from './task-runs.js';

export type TransformSeed = Omit<TransformDefinition, 'TransformId'> & {
  TransformId?: string;
  /** Label rows; or give labelCount to have synthetic rows generated. */
  labels?: string[];
  labelCount?: number;
  tags?: Record<string, string>;
};

export interface KeySeed {
  keyId?: string;
  description?: string;
  /** Default Enabled. */
  keyState?: string;
  /** Default CUSTOMER. */
  keyManager?: 'AWS' | 'CUSTOMER';
  keySpec?: string;
  keyUsage?: string;
  creationDate?: Date;
  deletionDate?: Date;
  /** Default: true for AWS-managed keys (they always rotate), false for customer keys. */
  rotationEnabled?: boolean;
  policy?: string;
  /** Alias names ("alias/x") to point at the key. */
  aliases?: string[];
}

export interface TaskRunFailurePlan {
  /** Only runs of this transform; any transform when absent. */
  transformId?: string;
  /** Only this kind of run; any when absent. */
  taskType?: LabelTaskType;
  /** Default FAILED. */
  status?: TaskRunFailureStatus;
  errorString?: string;
}

/** What a Glue handler knows when it starts a run; the state adds id, timing and any planned failure. */
export interface NewTaskRun {
  transformId: string;
  taskType: LabelTaskType;
  s3Path: string;
  replaceAllLabels?: boolean;
}

/** A run seeded in a status it keeps until endTaskRun (e.g. another tool's run, still STOPPING). */
export interface HeldTaskRun {
  /** Default EVALUATION. */
  taskType?: TaskType;
  status: HeldTaskRunStatus;
}

export class RegionStore {
  readonly securityConfigurations = new Map<string, StoredSecurityConfiguration>();
  readonly jobs = new Map<string, StoredJob>();
  readonly keys = new Map<string, StoredKey>();
  readonly aliases = new Map<string, StoredAlias>();
  private readonly byId = new Map<string, StoredTransform>();
  // Names are unique per account+region; the index keeps that check cheap for scale estates.
  private readonly byName = new Map<string, StoredTransform>();
  private seq = 0;

  constructor(readonly scope: Scope) {}

  /** Transforms by id. Change them through putTransform/replaceDefinition/deleteTransform. */
  get transforms(): ReadonlyMap<string, StoredTransform> {
    return this.byId;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  transformByName(name: string): StoredTransform | undefined {
    return this.byName.get(name);
  }

  putTransform(transform: StoredTransform): void {
    this.byId.set(transform.definition.TransformId, transform);
    this.byName.set(transform.definition.Name, transform);
  }

  /** Swaps in an updated definition (same id), keeping the name index right across a rename. */
  replaceDefinition(transform: StoredTransform, definition: TransformDefinition): void {
    this.byName.delete(transform.definition.Name);
    transform.definition = definition;
    this.byName.set(definition.Name, transform);
  }

  deleteTransform(transform: StoredTransform): void {
    this.byId.delete(transform.definition.TransformId);
    this.byName.delete(transform.definition.Name);
  }
}

export interface SandboxStateOptions {
  defaultAccountId: string;
  defaultRegion: string;
  taskRunMs: number;
  seed: number;
  /** How long a deleted transform reads DELETING. Default 0. */
  deleteMs?: number;
}

export class SandboxState {
  readonly defaultAccountId: string;
  readonly defaultRegion: string;
  /** How long a label task run takes from start to completion; 0 = complete on the next call. */
  taskRunMs: number;
  /** How long DeleteMLTransform leaves a transform in DELETING (name still held); 0 = gone by the next call. */
  deleteMs: number;
  /** Labels per file a label export writes (Glue splits large label sets over several files). */
  labelsPerExportFile = 1000;
  /** How an import reads InputS3Path: a folder of files (or one file), or one file only. */
  labelImportPath: LabelImportPath = 'folder';
  /** The S3 stand-in: buckets by name, label CSV objects by key. */
  readonly s3 = new S3Store();
  /** Seeded, so generated ids repeat from run to run. */
  readonly ids: IdGenerator;

  private readonly stores = new Map<string, RegionStore>();
  private readonly pendingRuns = new Set<{ run: StoredTaskRun; transform: StoredTransform; scope: Scope }>();
  private readonly heldRuns = new Map<string, StoredTaskRun>();
  private readonly deletions = new Set<{ store: RegionStore; transform: StoredTransform }>();
  /** Identity policies by "<account>/<role name, lower case>": IAM role names ignore case. */
  private readonly roles = new Map<string, RolePolicy>();
  private readonly taskRunFailures: TaskRunFailurePlan[] = [];
  private readonly issued = new Map<string, IssuedCredentials>();
  private readonly assumeRoleDenied = new Set<string>();
  private readonly regionDenials = new Map<string, RegionDenial>();
  private readonly keyDenials = new Set<string>();
  private clock: () => number = () => Date.now();

  constructor(options: SandboxStateOptions) {
    this.defaultAccountId = options.defaultAccountId;
    this.defaultRegion = options.defaultRegion;
    this.taskRunMs = options.taskRunMs;
    this.deleteMs = options.deleteMs ?? 0;
    this.ids = new IdGenerator(options.seed);
  }

  // ---- time -------------------------------------------------------------------------------

  now(): number {
    return this.clock();
  }

  /** Replace the clock (e.g. a manual one in tests) so task-run progress needs no real waiting. */
  setClock(now: () => number): void {
    this.clock = now;
  }

  // ---- regional stores ----------------------------------------------------------------------

  region(accountId: string, region: string): RegionStore {
    const key = scopeKey({ accountId, region });
    let store = this.stores.get(key);
    if (!store) {
      store = new RegionStore({ accountId, region });
      this.stores.set(key, store);
    }
    return store;
  }

  regions(): RegionStore[] {
    return [...this.stores.values()];
  }

  findTransform(transformId: string): { store: RegionStore; transform: StoredTransform } | undefined {
    for (const store of this.stores.values()) {
      const transform = store.transforms.get(transformId);
      if (transform) return { store, transform };
    }
    return undefined;
  }

  // ---- seeding ------------------------------------------------------------------------------

  addTransform(scope: Scope, seed: TransformSeed): StoredTransform {
    const store = this.region(scope.accountId, scope.region);
    const { labels, labelCount, tags, ...fields } = seed;
    if (store.transformByName(fields.Name)) throw new Error(`transform name ${fields.Name} already used in ${scopeKey(scope)}`);
    const transformId = fields.TransformId ?? this.newTransformId();
    const created = new Date(this.now());
    const transform: StoredTransform = {
      seq: store.nextSeq(),
      definition: {
        Status: 'READY',
        CreatedOn: created,
        LastModifiedOn: created,
        ...structuredClone(fields),
        TransformId: transformId,
      },
      labels: labels ? [...labels] : makeLabels(fields.Name, labelCount ?? 0),
      tags: { ...tags },
      taskRuns: [],
    };
    store.putTransform(transform);
    return transform;
  }

  newTransformId(): string {
    return `tfm-${this.ids.hex(40)}`;
  }

  transformArn(scope: Scope, transformId: string): string {
    return transformArn(scope, transformId);
  }

  addKey(scope: Scope, seed: KeySeed = {}): StoredKey {
    const store = this.region(scope.accountId, scope.region);
    const keyId = seed.keyId ?? this.ids.uuid();
    const keyManager = seed.keyManager ?? 'CUSTOMER';
    const key: StoredKey = {
      keyId,
      arn: keyArn(scope, keyId),
      accountId: scope.accountId,
      region: scope.region,
      description: seed.description ?? '',
      keyState: seed.keyState ?? 'Enabled',
      keyManager,
      keySpec: seed.keySpec ?? 'SYMMETRIC_DEFAULT',
      keyUsage: seed.keyUsage ?? 'ENCRYPT_DECRYPT',
      creationDate: seed.creationDate ?? new Date(this.now()),
      deletionDate: seed.deletionDate,
      rotationEnabled: seed.rotationEnabled ?? keyManager === 'AWS',
      policy: seed.policy,
    };
    store.keys.set(keyId, key);
    for (const alias of seed.aliases ?? []) this.addAlias(scope, alias, keyId);
    return key;
  }

  addAlias(scope: Scope, aliasName: string, targetKeyId: string): StoredAlias {
    if (!aliasName.startsWith('alias/')) throw new Error(`alias names start with "alias/": ${aliasName}`);
    const store = this.region(scope.accountId, scope.region);
    if (!store.keys.has(targetKeyId)) throw new Error(`no key ${targetKeyId} in ${scopeKey(scope)}`);
    const at = new Date(this.now());
    const alias: StoredAlias = { aliasName, targetKeyId, creationDate: at, lastUpdatedDate: at };
    store.aliases.set(aliasName, alias);
    return alias;
  }

  addSecurityConfiguration(scope: Scope, config: SecurityConfiguration & { Name: string }): StoredSecurityConfiguration {
    const stored: StoredSecurityConfiguration = {
      CreatedTimeStamp: new Date(this.now()),
      ...structuredClone(config),
    };
    this.region(scope.accountId, scope.region).securityConfigurations.set(config.Name, stored);
    return stored;
  }

  addJob(scope: Scope, job: StoredJob): StoredJob {
    const at = new Date(this.now());
    const stored: StoredJob = { CreatedOn: at, LastModifiedOn: at, ...structuredClone(job) };
    this.region(scope.accountId, scope.region).jobs.set(job.Name, stored);
    return stored;
  }

  // ---- S3 stand-in --------------------------------------------------------------------------

  /** A bucket in `region`, owned by `accountId`. Bucket names are global: one name, one bucket. */
  addBucket(name: string, region: string, accountId = this.defaultAccountId): void {
    this.s3.addBucket(name, region, accountId);
  }

  bucketRegion(name: string): string | undefined {
    return this.s3.bucket(name)?.region;
  }

  /** Writes one label file at exactly "s3://bucket/key" (the bucket must exist). */
  putLabels(path: string, labels: string[]): void {
    this.s3.put(path, { labels: [...labels], writtenAt: new Date(this.now()) });
  }

  /** The object at exactly this path, after settling due task runs. */
  s3Object(path: string): S3Object | undefined {
    this.settle();
    return this.s3.get(path);
  }

  /** The objects in a folder ("s3://bucket/prefix", with or without the trailing slash), sorted by key. */
  s3List(folderPath: string): S3Object[] {
    this.settle();
    return this.s3.listFolder(folderPath);
  }

  // ---- task runs ----------------------------------------------------------------------------

  /** The next matching label task run ends in FAILED (or TIMEOUT) with this ErrorString. */
  failNextTaskRun(plan: TaskRunFailurePlan = {}): void {
    this.taskRunFailures.push(plan);
  }

  /** Registers a new run; the caller (Glue handler) has validated the request. */
  startTaskRun(store: RegionStore, transform: StoredTransform, run: NewTaskRun): StoredTaskRun {
    const failureIndex = this.taskRunFailures.findIndex(
      (p) => (!p.transformId || p.transformId === run.transformId) && (!p.taskType || p.taskType === run.taskType),
    );
    const plan = failureIndex >= 0 ? this.taskRunFailures.splice(failureIndex, 1)[0] : undefined;
    const status = plan?.status ?? 'FAILED';
    const started: StoredTaskRun = {
      ...run,
      taskRunId: `tsk${this.ids.hex(32)}`,
      startedAt: this.now(),
      durationMs: this.taskRunMs,
      plannedFailure: plan && {
        status,
        errorString: plan.errorString ?? (status === 'TIMEOUT' ? 'Task run timed out' : 'Task run failed'),
      },
    };
    transform.taskRuns.push(started);
    this.pendingRuns.add({ run: started, transform, scope: store.scope });
    return started;
  }

  /**
   * Seeds a run that reports `status` until endTaskRun, whatever the clock says: work a caller
   * must wait for (or stop) before it may change the transform. Returns its TaskRunId.
   */
  addTaskRun(transformId: string, run: HeldTaskRun): string {
    const found = this.findTransform(transformId);
    if (!found) throw new Error(`no transform ${transformId}`);
    const held: StoredTaskRun = {
      taskRunId: `tsk${this.ids.hex(32)}`,
      transformId,
      taskType: run.taskType ?? 'EVALUATION',
      startedAt: this.now(),
      durationMs: 0,
      heldStatus: run.status,
    };
    found.transform.taskRuns.push(held);
    this.heldRuns.set(held.taskRunId, held);
    return held.taskRunId;
  }

  /** Ends a run seeded with addTaskRun, now. */
  endTaskRun(taskRunId: string, status: 'STOPPED' | 'SUCCEEDED' | 'FAILED', errorString?: string): void {
    const run = this.heldRuns.get(taskRunId);
    if (!run) throw new Error(`no run ${taskRunId} seeded with addTaskRun is still going`);
    delete run.heldStatus;
    run.completion = { status, completedAt: this.now(), ...(errorString === undefined ? {} : { errorString }) };
    this.heldRuns.delete(taskRunId);
  }

  /** Brings everything the clock drives up to date. Called before each request and each inspection. */
  settle(): void {
    this.settleTaskRuns();
    this.settleDeletions();
  }

  /** Completes every run whose time is up. */
  settleTaskRuns(): void {
    const now = this.now();
    for (const pending of this.pendingRuns) {
      settleTaskRun(pending.run, pending.transform, {
        s3: this.s3,
        scope: pending.scope,
        now,
        labelsPerExportFile: this.labelsPerExportFile,
        labelImportPath: this.labelImportPath,
      });
      if (pending.run.completion) this.pendingRuns.delete(pending);
    }
  }

  forgetTaskRunsOf(transform: StoredTransform): void {
    for (const pending of this.pendingRuns) if (pending.transform === transform) this.pendingRuns.delete(pending);
    for (const run of transform.taskRuns) this.heldRuns.delete(run.taskRunId);
  }

  // ---- transform deletion -------------------------------------------------------------------

  /**
   * DeleteMLTransform: the transform reads DELETING, and still holds its name, for deleteMs;
   * then it is gone. With deleteMs 0 it is gone at once.
   */
  deleteTransform(store: RegionStore, transform: StoredTransform): void {
    if (transform.deletedAt !== undefined) return;
    transform.deletedAt = this.now();
    transform.definition.Status = 'DELETING';
    this.deletions.add({ store, transform });
    this.settleDeletions();
  }

  private settleDeletions(): void {
    const now = this.now();
    for (const deletion of this.deletions) {
      if (now - (deletion.transform.deletedAt ?? now) < this.deleteMs) continue;
      deletion.store.deleteTransform(deletion.transform);
      this.forgetTaskRunsOf(deletion.transform);
      this.deletions.delete(deletion);
    }
  }

  // ---- IAM roles ----------------------------------------------------------------------------

  /** A role and its identity policies, as iam:SimulatePrincipalPolicy evaluates them. */
  addRole(accountId: string, roleName: string, policy: RolePolicy): void {
    this.roles.set(`${accountId}/${roleName.toLowerCase()}`, structuredClone(policy));
  }

  rolePolicy(accountId: string, roleName: string): RolePolicy | undefined {
    return this.roles.get(`${accountId}/${roleName.toLowerCase()}`);
  }

  // ---- credentials (STS) --------------------------------------------------------------------

  issueCredentials(accountId: string, roleArn: string, sessionName: string, durationSeconds: number): IssuedCredentials {
    // The access key spells out the account ("ASIA" + 12 digits + 4 chars, 20 chars like a real
    // key) so a reader of a log can tell whose credentials made a call.
    const credentials: IssuedCredentials = {
      accessKeyId: `ASIA${accountId}${this.ids.upper(4)}`,
      secretAccessKey: this.ids.chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 40),
      sessionToken: `FwoGZXIvYXdzE${this.ids.upper(60)}`,
      accountId,
      roleArn,
      sessionName,
      expiration: new Date(this.now() + durationSeconds * 1000),
    };
    this.issued.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  issuedCredentials(accessKeyId: string): IssuedCredentials | undefined {
    return this.issued.get(accessKeyId);
  }

  // ---- deny rules ---------------------------------------------------------------------------

  /** sts:AssumeRole into any role of this account answers AccessDenied. */
  denyAssumeRole(accountId: string): void {
    this.assumeRoleDenied.add(accountId);
  }

  isAssumeRoleDenied(accountId: string): boolean {
    return this.assumeRoleDenied.has(accountId);
  }

  /**
   * Every Glue and KMS call in this account+region fails: "AccessDenied" answers
   * AccessDeniedException (an SCP or IAM deny); "UnrecognizedClient" answers
   * UnrecognizedClientException, as an opt-in region the account has not enabled does.
   */
  denyRegion(accountId: string, region: string, denial: RegionDenial = 'AccessDenied'): void {
    this.regionDenials.set(scopeKey({ accountId, region }), denial);
  }

  regionDenial(accountId: string, region: string): RegionDenial | undefined {
    return this.regionDenials.get(scopeKey({ accountId, region }));
  }

  /** kms:DescribeKey on this key ARN answers AccessDeniedException (the key policy does not allow the caller). */
  denyKeyDescribe(keyArn: string): void {
    this.keyDenials.add(keyArn);
  }

  isKeyDescribeDenied(keyArn: string): boolean {
    return this.keyDenials.has(keyArn);
  }

  /** This S3 operation on this bucket answers AccessDenied (HTTP 403). */
  denyS3(bucket: string, operation: S3DeniableOperation): void {
    this.s3.deny(bucket, operation);
  }

  clearDenyRules(): void {
    this.s3.clearDenials();
    this.assumeRoleDenied.clear();
    this.regionDenials.clear();
    this.keyDenials.clear();
  }
}
