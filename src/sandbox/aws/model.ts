// Shapes of what the sandbox stores. Glue records reuse the SDK's own types so a stored transform
// is, field for field, what GetMLTransform returns (LabelCount is derived from the labels).
import type { Job, MLTransform, SecurityConfiguration, TaskType } from '@aws-sdk/client-glue';
import type { Scope } from './arns.js';

export type TransformDefinition = Omit<MLTransform, 'LabelCount' | 'TransformId' | 'Name'> & {
  TransformId: string;
  Name: string;
};

export interface StoredTransform {
  /** Creation order inside its account/region: the default listing order. */
  seq: number;
  definition: TransformDefinition;
  /** One CSV row per label; LabelCount is labels.length. */
  labels: string[];
  tags: Record<string, string>;
  taskRuns: StoredTaskRun[];
  /** Set by DeleteMLTransform: the transform reads DELETING, and keeps its name, until this time. */
  deletedAt?: number;
}

export type LabelTaskType = 'EXPORT_LABELS' | 'IMPORT_LABELS';
export type TaskRunFailureStatus = 'FAILED' | 'TIMEOUT';
/** The statuses a run seeded with addTaskRun sits in until endTaskRun. */
export type HeldTaskRunStatus = 'STARTING' | 'RUNNING' | 'STOPPING';
export type TaskRunEndStatus = 'SUCCEEDED' | 'STOPPED' | TaskRunFailureStatus;

export interface StoredTaskRun {
  taskRunId: string;
  transformId: string;
  /** Label runs are started through Glue; the other types only exist as seeded runs (addTaskRun). */
  taskType: TaskType;
  /** OutputS3Path for an export, InputS3Path for an import; absent for other types. */
  s3Path?: string;
  replaceAllLabels?: boolean;
  startedAt: number;
  durationMs: number;
  /** A seeded run reports this status, whatever the clock says, until endTaskRun. */
  heldStatus?: HeldTaskRunStatus;
  /** Decided when the run starts (failNextTaskRun); applied when it completes. */
  plannedFailure?: { status: TaskRunFailureStatus; errorString: string };
  /** Set once the run completed and its effect on labels/S3 was applied. */
  completion?: { status: TaskRunEndStatus; completedAt: number; errorString?: string };
}

export type StoredSecurityConfiguration = SecurityConfiguration & { Name: string };
export type StoredJob = Job & { Name: string };

export interface StoredKey {
  keyId: string;
  arn: string;
  accountId: string;
  region: string;
  description: string;
  /** Enabled | Disabled | PendingDeletion | PendingImport | Unavailable ... */
  keyState: string;
  keyManager: 'AWS' | 'CUSTOMER';
  keySpec: string;
  keyUsage: string;
  creationDate: Date;
  deletionDate?: Date;
  rotationEnabled: boolean;
  /** Key policy document; a default one is generated when absent. */
  policy?: string;
}

export interface StoredAlias {
  aliasName: string;
  targetKeyId?: string;
  creationDate: Date;
  lastUpdatedDate: Date;
}

/** An object in the in-memory S3 stand-in: label exports land here, imports read from here. */
export interface S3Object {
  /** "s3://bucket/key". */
  path: string;
  bucket: string;
  key: string;
  /** The object's content: one CSV row per label (its size is that text's UTF-8 bytes). */
  labels: string[];
  writtenAt: Date;
  /** Which task run wrote it; absent for objects put directly by a test. */
  writtenBy?: Scope & { transformId: string; taskRunId: string };
}

export interface StoredBucket {
  name: string;
  region: string;
  /** The owning account. */
  accountId: string;
  /** Objects by key. */
  objects: Map<string, S3Object>;
}

/** What a role's identity policies allow and deny, for iam:SimulatePrincipalPolicy. */
export interface PolicyStatement {
  /** IAM action patterns ("kms:GenerateDataKey*"), matched without regard to case. */
  actions: string[];
  /** Resource ARN patterns, matched case-sensitively. */
  resources: string[];
}

export interface RolePolicy {
  allow: PolicyStatement[];
  deny?: PolicyStatement[];
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleArn: string;
  sessionName: string;
  expiration: Date;
}

/** How a denied region answers: like an IAM deny, or like an opt-in region that is not enabled. */
export type RegionDenial = 'AccessDenied' | 'UnrecognizedClient';
