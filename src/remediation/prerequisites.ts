// What must hold before anything changes, checked at plan time so a plan that would fail on
// the re-created transform's first task run is never offered for approval:
//  - the label bucket is in the transform's region (Glue refuses any other);
//  - the transform's role may be passed by the workflow (transformRolePattern, same account);
//  - the role may use every key the new transform writes with (key policy and IAM), and, where
//    task-run logs are SSE-KMS, CloudWatch Logs may use the key and the role may associate it.
// A failing check is a problem (no Approve button) naming the statement to add; a check the
// bot is not allowed to make is a warning, shown in the plan, that says what stays unverified.
import { SimulatePrincipalPolicyCommand, type EvaluationResult, type IAMClient } from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetBucketLocationCommand, type S3Client } from '@aws-sdk/client-s3';
import { accountOfIamArn, partitionOf, roleArn } from '../inventory/arn.js';
import { describeAwsError, errorCode, isAccessDenied } from '../inventory/awsErrors.js';
import { keyPolicyAllowsService, keyPolicyGrantForRole, wildcardMatch, type KeyPolicyGrant } from './keyPolicy.js';

export interface PlanFindings {
  problems: string[];
  warnings: string[];
}

/** S3's LocationConstraint as a region: empty (null) is us-east-1, "EU" the old name of eu-west-1. */
function regionOfLocation(constraint: string | undefined): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

function checkLabelBucketRegion(bucket: string, where: string, region: string): PlanFindings {
  if (where === region) return { problems: [], warnings: [] };
  return {
    problems: [
      `The label bucket ${bucket} is in ${where}, not ${region}: Glue refuses to export or import labels in a bucket of another region. Give ${region} a bucket of its own (GLUE_ENCRYPT_LABEL_BUCKETS, or {region} in GLUE_ENCRYPT_LABEL_BUCKET).`,
    ],
    warnings: [],
  };
}

/** The bucket's region as an S3 refusal names it, when it does. */
function bucketRegionHint(err: unknown): string | undefined {
  const e = err as { Region?: unknown; $response?: { headers?: Record<string, string | undefined> } } | undefined;
  const hint = e?.$response?.headers?.['x-amz-bucket-region'] ?? e?.Region;
  return typeof hint === 'string' && hint !== '' ? hint : undefined;
}

/** One s3:GetBucketLocation: the bucket must exist and be in the transform's region. */
export async function checkLabelBucket(s3: Pick<S3Client, 'send'>, bucket: string, region: string): Promise<PlanFindings> {
  try {
    return checkLabelBucketRegion(bucket, regionOfLocation((await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint), region);
  } catch (err) {
    // Asked from the transform's region, S3 refuses a bucket of another region and names its
    // region (AuthorizationHeaderMalformed's Region, or x-amz-bucket-region on a redirect).
    const elsewhere = bucketRegionHint(err);
    if (elsewhere && elsewhere !== region) return checkLabelBucketRegion(bucket, elsewhere, region);
    if (errorCode(err) === 'NoSuchBucket') {
      return { problems: [`The label bucket ${bucket} does not exist: create it in ${region}, with default encryption SSE-KMS, before remediating.`], warnings: [] };
    }
    const why = isAccessDenied(err) ? 's3:GetBucketLocation was refused' : describeAwsError(err, 's3:GetBucketLocation', bucket).message;
    return {
      problems: [],
      warnings: [`Could not confirm that the label bucket ${bucket} is in ${region} (${why}). If it is elsewhere, the label export fails before anything changes.`],
    };
  }
}

/** A key the re-created transform writes with, and whether CloudWatch Logs writes with it too. */
export interface KeyUse {
  keyArn: string;
  /** What it encrypts, for people: "user data", "task output in S3", "task-run logs". */
  purposes: string[];
  forLogs: boolean;
}

export interface RoleCheckInput {
  accountId: string;
  region: string;
  /** The transform's Role: a name or an ARN, as Glue reports it. */
  role: string | undefined;
  rolePattern: string;
  keys: KeyUse[];
}

/** The role's ARN; Glue accepts a bare role name as well. */
function roleArnOf(role: string, accountId: string, region: string): string {
  return role.startsWith('arn:') ? role : roleArn(accountId, role, region);
}

const KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;
const LOGS_SERVICE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'] as const;
const json = (v: unknown) => JSON.stringify(v);

/** The log groups Glue writes task-run logs to, as the resource logs:AssociateKmsKey is checked on. */
function glueLogGroups(accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:logs:${region}:${accountId}:log-group:/aws-glue/*`;
}

export async function checkRolePrerequisites(
  clients: { kms: Pick<KMSClient, 'send'>; iam: Pick<IAMClient, 'send'> },
  input: RoleCheckInput,
): Promise<PlanFindings> {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!input.role) return { problems: ['The transform has no role: Glue cannot run a re-created transform without one.'], warnings };
  const role = roleArnOf(input.role, input.accountId, input.region);
  const rolePath = /:role\/(.+)$/.exec(role)?.[1] ?? role;
  const roleAccount = accountOfIamArn(role);
  if (roleAccount !== input.accountId) {
    problems.push(`The transform's role ${role} is in another account than the transform (${input.accountId}): the workflow may only pass roles of the transform's own account to Glue.`);
  }
  if (!wildcardMatch(input.rolePattern, rolePath)) {
    problems.push(
      `The transform's role ${rolePath} does not match the roles the workflow may pass to Glue (transformRolePattern ${input.rolePattern}): iam:PassRole would refuse the re-create. Widen GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN (and the templates' transformRolePattern / TransformRolePattern) to include it.`,
    );
  }

  // Key policies: who the role's use of each key depends on.
  // policyUnread: the key policy could not be read, so IAM may not be what decides (a warning, not a problem).
  const iamNeeded: { action: string; resource: string; keyArn?: string; policyUnread?: boolean }[] = [];
  for (const use of input.keys) {
    let policy: string | undefined;
    try {
      policy = (await clients.kms.send(new GetKeyPolicyCommand({ KeyId: use.keyArn, PolicyName: 'default' }))).Policy;
    } catch (err) {
      const why = isAccessDenied(err) ? 'kms:GetKeyPolicy was refused' : describeAwsError(err, 'kms:GetKeyPolicy', use.keyArn).message;
      warnings.push(
        `Could not read the key policy of ${use.keyArn} (${why}): check that it lets ${role} use the key (kms:Decrypt, kms:GenerateDataKey*)${use.forLogs ? ` and admits logs.${input.region}.amazonaws.com` : ''}.`,
      );
    }
    const grants = KEY_ACTIONS.map((action) => ({ action, grant: policy ? safeGrant(policy, role, action) : ('via-iam' as KeyPolicyGrant) }));
    const denied = grants.filter((g) => g.grant === 'denied').map((g) => g.action);
    const missing = grants.filter((g) => g.grant === 'none').map((g) => g.action);
    if (denied.length > 0) {
      problems.push(`The key policy of ${use.keyArn} denies ${role} ${denied.join(' and ')}: remove that Deny, or choose another key.`);
    } else if (missing.length > 0) {
      problems.push(
        `The key policy of ${use.keyArn} (${use.purposes.join(', ')}) does not let the transform's role use it. Add this statement to the key policy: ${json({
          Sid: 'AllowGlueTransformRole',
          Effect: 'Allow',
          Principal: { AWS: role },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
        })}`,
      );
    }
    for (const g of grants) if (g.grant === 'via-iam') iamNeeded.push({ action: g.action, resource: use.keyArn, keyArn: use.keyArn, policyUnread: !policy });

    if (use.forLogs && policy) {
      const logs = `logs.${input.region}.amazonaws.com`;
      if (!LOGS_SERVICE_ACTIONS.every((a) => safeServiceAllows(policy, logs, a))) {
        problems.push(
          `The key policy of ${use.keyArn} does not admit CloudWatch Logs (${logs}), which encrypts the task-run logs with it. Add this statement to the key policy: ${json({
            Sid: 'AllowCloudWatchLogs',
            Effect: 'Allow',
            Principal: { Service: logs },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            Resource: '*',
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partitionOf(input.region)}:logs:${input.region}:${input.accountId}:*` } },
          })}`,
        );
      }
    }
  }
  if (input.keys.some((k) => k.forLogs)) iamNeeded.push({ action: 'logs:AssociateKmsKey', resource: glueLogGroups(input.accountId, input.region) });
  if (iamNeeded.length === 0) return { problems, warnings };

  // The role's own IAM policies, for what the key policies hand to IAM (one simulation).
  let results: EvaluationResult[];
  try {
    results =
      (
        await clients.iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: role,
            ActionNames: [...new Set(iamNeeded.map((n) => n.action))],
            ResourceArns: [...new Set(iamNeeded.map((n) => n.resource))],
            MaxItems: 1000,
          }),
        )
      ).EvaluationResults ?? [];
  } catch (err) {
    if (errorCode(err) === 'NoSuchEntity' || errorCode(err) === 'NoSuchEntityException') {
      problems.push(`The transform's role ${role} does not exist: Glue cannot run a re-created transform with it.`);
      return { problems, warnings };
    }
    const why = isAccessDenied(err) ? 'iam:SimulatePrincipalPolicy was refused' : describeAwsError(err, 'iam:SimulatePrincipalPolicy', role).message;
    warnings.push(`Could not check the IAM permissions of ${role} (${why}): make sure it allows ${iamNeeded.map((n) => `${n.action} on ${n.resource}`).join(', ')}.`);
    return { problems, warnings };
  }
  const decision = (n: { action: string; resource: string }) =>
    results.find((r) => r.EvalActionName?.toLowerCase() === n.action.toLowerCase() && r.EvalResourceName === n.resource)?.EvalDecision ?? 'implicitDeny';
  const notAllowed = iamNeeded.filter((n) => decision(n) !== 'allowed');
  const explicit = notAllowed.filter((n) => decision(n) === 'explicitDeny');
  if (explicit.length > 0) {
    problems.push(`An explicit Deny in the policies of ${role} (or its permissions boundary, or an SCP) refuses ${explicit.map((n) => `${n.action} on ${n.resource}`).join(', ')}: remove it before remediating.`);
  }
  const implicit = notAllowed.filter((n) => decision(n) !== 'explicitDeny');
  const unverified = [...new Set(implicit.filter((n) => n.keyArn && n.policyUnread).map((n) => n.resource))];
  if (unverified.length > 0) {
    warnings.push(
      `The IAM policies of ${rolePath} do not allow kms:Decrypt and kms:GenerateDataKey on ${unverified.join(' and ')}: that is fine only if the key policy, which could not be read, names the role.`,
    );
  }
  const kmsMissing = [...new Set(implicit.filter((n) => n.keyArn && !n.policyUnread).map((n) => n.resource))];
  if (kmsMissing.length > 0) {
    problems.push(
      `The transform's role ${rolePath} may not use ${kmsMissing.join(' and ')} (the key policy leaves that to IAM). Add to the role's policy: ${json({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: kmsMissing.length === 1 ? kmsMissing[0] : kmsMissing,
      })}`,
    );
  }
  const logsMissing = implicit.find((n) => n.action === 'logs:AssociateKmsKey');
  if (logsMissing) {
    problems.push(
      `The transform's role ${rolePath} may not associate a KMS key with its log groups, which encrypted task-run logs need. Add to the role's policy: ${json({
        Effect: 'Allow',
        Action: 'logs:AssociateKmsKey',
        Resource: logsMissing.resource,
      })}`,
    );
  }
  return { problems, warnings };
}

/** A key policy that is not JSON is reported as nothing granted, never as a crash of the plan. */
function safeGrant(policy: string, role: string, action: string): KeyPolicyGrant {
  try {
    return keyPolicyGrantForRole(policy, role, action);
  } catch {
    return 'none';
  }
}

function safeServiceAllows(policy: string, service: string, action: string): boolean {
  try {
    return keyPolicyAllowsService(policy, service, action);
  } catch {
    return false;
  }
}
