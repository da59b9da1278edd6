// The vocabulary of a check: facts gathered about a transform in, a finding out.
// Everything here is plain data so checks stay pure and easy to test.

/** WAIVED: a FAIL whose every failing reason an approved, unexpired waiver covers (see waivers.ts). */
export type Status = 'PASS' | 'WARN' | 'FAIL' | 'ERROR' | 'WAIVED';
export type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** How a policy-controlled rule reports a problem: as a failure, a warning, or not at all. */
export type RuleLevel = 'fail' | 'warn' | 'off';

/** Stable codes of every reason a check can give; used by policy overrides, JSON output and tests. */
export const REASON_CODES = [
  'USER_DATA_NOT_ENCRYPTED',
  'KMS_KEY_ID_MISSING',
  'KMS_KEY_NOT_FOUND',
  'KMS_KEY_ACCESS_DENIED',
  'KMS_KEY_LOOKUP_FAILED',
  'KMS_KEY_NOT_ENABLED',
  'KMS_KEY_PENDING_DELETION',
  'KMS_KEY_OTHER_REGION',
  'KMS_KEY_NOT_SYMMETRIC',
  'KMS_KEY_AWS_MANAGED',
  'KMS_KEY_NOT_ALLOWED',
  'KMS_KEY_ROTATION_OFF',
  'KMS_KEY_ROTATION_UNKNOWN',
  'SECURITY_CONFIGURATION_MISSING',
  'SECURITY_CONFIGURATION_NOT_FOUND',
  'SECURITY_CONFIGURATION_UNREADABLE',
  'TASK_OUTPUT_S3_NOT_ENCRYPTED',
  'TASK_OUTPUT_S3_SSE_S3',
  'TASK_LOGS_NOT_ENCRYPTED',
  'JOB_BOOKMARKS_NOT_ENCRYPTED',
  'TRANSFORM_NOT_EVALUATED',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  status: Exclude<Status, 'PASS' | 'WAIVED'>;
  severity: Severity;
  /** One or two sentences a security engineer understands without the docs. */
  message: string;
  /** Control identifiers this reason maps to, e.g. "AWS FSBP Glue.3", "NIST 800-53 SC-28". */
  controls: string[];
}

/** The encryption settings exactly as Glue reports them (absent fields stay undefined). */
export interface TransformEncryptionFacts {
  /** undefined = no TransformEncryption or no MlUserDataEncryption at all. */
  userDataMode?: 'DISABLED' | 'SSE-KMS' | (string & {});
  kmsKeyId?: string;
  securityConfigurationName?: string;
}

export interface TransformFacts {
  accountId: string;
  region: string;
  transformId: string;
  name: string;
  /** NOT_READY | READY | DELETING */
  status?: string;
  labelCount?: number;
  role?: string;
  glueVersion?: string;
  encryption: TransformEncryptionFacts;
}

export interface KeyFacts {
  keyId: string;
  arn: string;
  /** Region parsed from the key ARN. */
  region: string;
  /** Enabled | Disabled | PendingDeletion | PendingImport | PendingReplicaDeletion | Unavailable | Updating | Creating */
  state: string;
  keyManager: 'AWS' | 'CUSTOMER' | (string & {});
  keySpec?: string;
  keyUsage?: string;
  deletionDate?: Date;
  /** Alias names pointing at the key when known (e.g. "alias/glue-ml"). */
  aliases?: string[];
  /** true/false when GetKeyRotationStatus answered; undefined when not asked or not answerable. */
  rotationEnabled?: boolean;
  /** Why rotation status is unknown, when it was asked for and could not be read. */
  rotationError?: string;
}

/** Outcome of looking a key up: the key, or why it could not be read. */
export type KeyLookup =
  | { kind: 'found'; key: KeyFacts }
  | { kind: 'not-found'; message: string }
  | { kind: 'access-denied'; message: string }
  | { kind: 'error'; message: string };

export interface SecurityConfigurationFacts {
  name: string;
  s3: { mode: 'DISABLED' | 'SSE-KMS' | 'SSE-S3' | (string & {}); kmsKeyArn?: string }[];
  cloudWatchMode?: 'DISABLED' | 'SSE-KMS' | (string & {});
  /** The key CloudWatch Logs encrypts task-run logs with (SSE-KMS): its policy must admit the Logs service. */
  cloudWatchKmsKeyArn?: string;
  jobBookmarksMode?: 'DISABLED' | 'CSE-KMS' | (string & {});
}

export type SecurityConfigurationLookup =
  | { kind: 'found'; config: SecurityConfigurationFacts }
  | { kind: 'not-found'; message: string }
  | { kind: 'access-denied'; message: string }
  | { kind: 'error'; message: string };

/** Everything the rules need about one transform. Lookups are absent when not applicable. */
export interface TransformContext {
  transform: TransformFacts;
  key?: KeyLookup;
  securityConfiguration?: SecurityConfigurationLookup;
}

/** What the policy decides. Defaults live in config.ts; see README "Policy". */
export interface Policy {
  /** Level of each policy-controlled reason (the others are always FAIL). */
  levels: Partial<Record<ReasonCode, RuleLevel>>;
  /** Required task-run S3 encryption: SSE-KMS (default) or SSE-S3 accepted as enough. */
  requiredS3Encryption: 'SSE-KMS' | 'SSE-S3';
  /** Key ARNs, key IDs or alias names ("alias/x") allowed for user data; empty = any. */
  allowedKeys: string[];
}

export interface Finding {
  accountId: string;
  region: string;
  transformId: string;
  name: string;
  status: Status;
  /** Highest severity among the reasons; INFORMATIONAL for a pass. */
  severity: Severity;
  reasons: Reason[];
  /** Union of the reasons' controls, plus the controls a PASS satisfies. */
  controls: string[];
  /** Facts echoed for display: the key and security configuration in use. */
  encryption: TransformEncryptionFacts;
  labelCount?: number;
  /** The user-data key as KMS described it, when it could be read: what a digest compares run to run. */
  key?: { arn: string; state: string; deletionDate?: string };
  /** The approved, unexpired waiver of this transform, when it has one (whether or not it covers every failing reason). */
  waiver?: FindingWaiver;
}

/** An accepted risk as a finding carries it: who accepted what, until when. */
export interface FindingWaiver {
  id: string;
  /** The failing reasons it was approved for. */
  reasonCodes: ReasonCode[];
  justification: string;
  ticket?: string;
  requestedBy: string;
  approvedBy: string;
  approvedAt: string;
  expiresAt: string;
  /** Failing reasons of the finding the waiver does not cover: when any, the finding stays FAIL. */
  notCovered: ReasonCode[];
}

/** A rule: data plus one small function. Adding a rule is adding a file to rules/. */
export interface Rule {
  id: string;
  description: string;
  evaluate(ctx: TransformContext, policy: Policy): Reason[];
}
