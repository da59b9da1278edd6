// Public surface of the AWS sandbox.
export { AwsSandbox, SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, type AwsSandboxOptions } from './sandbox.js';
export { SandboxState, RegionStore, type HeldTaskRun, type KeySeed, type TransformSeed, type TaskRunFailurePlan } from './state.js';
export type { InjectedError } from './faults.js';
export type { InvocationRecord, LambdaHandler } from './lambda.js';
export type { Execution, StateMachineDriver } from './sfn.js';
export type {
  AccountSeed,
  AccountState,
  AccountStatus,
  OrganizationAccount,
  OrganizationalUnit,
  OrganizationSeed,
  OrganizationSummary,
  Organizations,
} from './organizations.js';
export type { FindingIdentifier, SecurityHub } from './securityhub.js';
export type { Scope } from './arns.js';
export { transformArn, keyArn, aliasArn } from './arns.js';
export type { EvalDecision } from './iam-policy.js';
export type { S3DeniableOperation } from './s3-store.js';
export type { LabelImportPath } from './task-runs.js';
export type {
  HeldTaskRunStatus,
  IssuedCredentials,
  PolicyStatement,
  RegionDenial,
  RolePolicy,
  S3Object,
  StoredAlias,
  StoredBucket,
  StoredJob,
  StoredKey,
  StoredSecurityConfiguration,
  StoredTaskRun,
  StoredTransform,
  TaskRunEndStatus,
  TransformDefinition,
} from './model.js';
