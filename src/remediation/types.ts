// The remediation workflow's persisted state. Encryption of an ML transform can only be set
// at creation, so "remediate" re-creates it encrypted and moves its labels; "revert" undoes
// that; "retire" deletes the superseded original once people are sure.
import type { TransformEncryption } from '@aws-sdk/client-glue';

export type RemediationKind = 'remediate' | 'revert' | 'retire';

export type RemediationStatus =
  | 'pending_approval'
  | 'rejected'
  | 'expired'
  | 'running'
  | 'rolling_back'
  | 'completed'
  | 'rolled_back'
  /** Rollback itself could not finish: a person must look (the message says what is left). */
  | 'failed';

/** Everything a faithful copy of a transform needs, captured before anything changes. */
export interface TransformSnapshot {
  transformId: string;
  name: string;
  description?: string;
  role?: string;
  glueVersion?: string;
  maxCapacity?: number;
  workerType?: string;
  numberOfWorkers?: number;
  timeout?: number;
  maxRetries?: number;
  /** Glue's Parameters and InputRecordTables, kept as the API returned them. */
  parameters?: unknown;
  inputRecordTables?: unknown;
  transformEncryption?: TransformEncryption;
  tags: Record<string, string>;
  labelCount: number;
  status?: string;
}

export interface RemediationPlan {
  /** Key ARN the twin's user data is encrypted with (resolved from the alias at plan time). */
  keyArn?: string;
  /** What people chose, e.g. "alias/glue-ml". */
  keyLabel?: string;
  securityConfigurationName?: string;
  /** True when the bot creates the security configuration (S3 SSE-KMS, CloudWatch SSE-KMS, bookmarks CSE-KMS). */
  createSecurityConfiguration: boolean;
  /** S3 prefix the labels are exported to; kept after the workflow, whatever happens. */
  exportPath: string;
  /** Name the original takes while the twin holds its name. */
  renamedName: string;
  /** Glue jobs that reference the transform and must be pointed at the new ID. */
  affectedJobs: string[];
  /** Labels the plan expects to move (the source's for a remediation, the twin's for a revert), as people are shown them; the steps act on the counts they read. */
  labelCount?: number;
  /** Problems found at plan time; a plan with problems cannot be approved. */
  problems: string[];
  /** Checks the bot was not allowed to make: shown in the plan, they do not block approval. */
  warnings?: string[];
  /** The problems and warnings that came from the target key: a key change replaces exactly these. */
  keyFindings?: { problems: string[]; warnings: string[] };
}

export type StepName =
  // remediate
  | 'preflight'
  | 'export_labels'
  | 'wait_export'
  | 'check_export'
  | 'ensure_security_configuration'
  | 'rename_original'
  | 'create_twin'
  | 'tag_original'
  | 'import_labels'
  | 'wait_import'
  | 'verify'
  // revert
  | 'export_twin_labels'
  | 'wait_twin_export'
  | 'check_twin_export'
  | 'rename_twin_aside'
  | 'delete_twin'
  | 'restore_original_name'
  | 'recreate_original'
  | 'import_original_labels'
  | 'wait_original_import'
  | 'untag_original'
  | 'verify_revert'
  // retire
  | 'check_twin'
  | 'delete_original'
  // rollback (reverse order of what was done)
  | 'rollback_delete_twin'
  | 'rollback_restore_name'
  | 'rollback_untag_original'
  | 'rollback_revert_original'
  | 'rollback_revert_twin'
  | 'done';

/** What a step did, so the next step (and a rollback) knows where things are. */
export interface Progress {
  exportTaskRunId?: string;
  exportStartedAt?: string;
  renamed?: boolean;
  twinId?: string;
  twinCreateStartedAt?: string;
  originalTagged?: boolean;
  /** What the label export wrote (s3:// paths of its files), listed before anything changed. */
  exportFiles?: string[];
  importTaskRunId?: string;
  importStartedAt?: string;
  /** Set once Glue refused the export folder as an import path: the files go one at a time (absent: the folder). */
  importMode?: 'files';
  /** In 'files' mode, the file being imported (index into exportFiles). */
  importFileIndex?: number;
  twinDeleted?: boolean;
  /** Revert: the twin was renamed aside, the original given its name back / untagged. */
  twinRenamedAside?: boolean;
  originalRestored?: boolean;
  originalUntagged?: boolean;
  recreateStartedAt?: string;
  recreatedId?: string;
  /** Label count seen at verification. */
  verifiedLabelCount?: number;
  /** Polls of the current task run, to enforce the step timeout. */
  pollStartedAt?: string;
}

export interface StepRecord {
  step: StepName;
  at: string;
  outcome: 'succeeded' | 'failed' | 'waiting' | 'skipped';
  detail?: string;
}

export interface Remediation {
  id: string;
  kind: RemediationKind;
  status: RemediationStatus;
  accountId: string;
  region: string;
  /** The transform as it was when the request was made. */
  source: TransformSnapshot;
  plan: RemediationPlan;
  /** For revert/retire: the remediation being undone or finished. */
  parentId?: string;
  requestedBy: string;
  requestedAt: string;
  teamId?: string;
  decidedBy?: string;
  decidedAt?: string;
  expiresAt: string;
  step: StepName;
  progress: Progress;
  history: StepRecord[];
  /** Why the workflow failed, in plain words, when it did. */
  failure?: string;
  slack: { channel: string; ts?: string };
  /** Reverts and retirements completed on this remediation, so its message stops offering them. */
  followUps?: { kind: 'revert' | 'retire'; id: string; at: string }[];
  /** Optimistic concurrency: every save requires the version it read. */
  version: number;
}

/** What `advance` tells the state machine: stop, or come back after a wait. */
export interface AdvanceResult {
  done: boolean;
  waitSeconds: number;
  status: RemediationStatus;
  step: StepName;
}
