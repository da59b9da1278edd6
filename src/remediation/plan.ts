// Builds the plan people approve: what will happen, with which key and configuration, where
// the labels go, which jobs must be updated, and every reason it cannot go ahead. Reads only.
import { GetJobsCommand, GetMLTaskRunsCommand, GetMLTransformCommand, type GlueClient } from '@aws-sdk/client-glue';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, type KMSClient } from '@aws-sdk/client-kms';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config.js';
import { resolveLevel } from '../checks/policy.js';
import { describeAwsError, errorCode } from '../inventory/awsErrors.js';
import { regionOfArn } from '../inventory/keys.js';
import { FIRST_STEP } from './lifecycle.js';
import { TAG_REMEDIATION, TAG_SOURCE, TAG_SUPERSEDED_BY, renamedName, snapshotTransform } from './snapshot.js';
import type { Remediation, RemediationKind, RemediationPlan, TransformSnapshot } from './types.js';

export interface KeyChoice {
  /** Alias name when there is one, else the key ARN. */
  label: string;
  arn: string;
}

export interface KeyCheck {
  arn?: string;
  label: string;
  problems: string[];
}

/** Validates a target key for re-creation: enabled, same region, symmetric, customer-managed, rotation per policy. */
export async function checkTargetKey(kms: KMSClient, keyId: string, region: string, config: AppConfig): Promise<KeyCheck> {
  const problems: string[] = [];
  let meta;
  try {
    meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (err) {
    const why = errorCode(err) === 'NotFoundException' ? `Key ${keyId} does not exist in ${region}.` : describeAwsError(err, 'kms:DescribeKey', region).message;
    return { label: keyId, problems: [why] };
  }
  if (!meta?.Arn) return { label: keyId, problems: [`kms:DescribeKey returned nothing for ${keyId}.`] };
  if (meta.KeyState !== 'Enabled') {
    problems.push(
      meta.KeyState === 'PendingDeletion'
        ? `Key ${keyId} is pending deletion${meta.DeletionDate ? ` (deletes ${meta.DeletionDate.toISOString().slice(0, 10)})` : ''}.`
        : `Key ${keyId} is ${meta.KeyState}, not Enabled.`,
    );
  }
  if (regionOfArn(meta.Arn) !== region) problems.push(`Key ${keyId} is in ${regionOfArn(meta.Arn)}, not ${region}.`);
  if (meta.KeySpec !== 'SYMMETRIC_DEFAULT' || meta.KeyUsage !== 'ENCRYPT_DECRYPT') problems.push(`Key ${keyId} is not a symmetric encrypt/decrypt key.`);
  if (meta.KeyManager === 'AWS' && resolveLevel(config.policy, 'KMS_KEY_AWS_MANAGED') === 'fail') {
    problems.push(`Key ${keyId} is AWS-managed; policy requires a customer-managed key.`);
  }
  if (meta.KeyManager === 'CUSTOMER' && meta.KeyState === 'Enabled' && resolveLevel(config.policy, 'KMS_KEY_ROTATION_OFF') === 'fail') {
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: meta.Arn })).catch(() => undefined);
    if (!rotation?.KeyRotationEnabled) problems.push(`Key ${keyId} does not have rotation on; policy requires it.`);
  }
  const allowed = config.policy.allowedKeys;
  if (allowed.length > 0 && !allowed.some((a) => a === keyId || a === meta.Arn || a === meta.KeyId)) {
    // Allowed aliases are resolved to their keys, so a key chosen by ARN or ID matches them too;
    // only needed when the key is not allowed by its own name.
    const allowedAliasArns = await Promise.all(
      allowed
        .filter((a) => a.startsWith('alias/') || a.includes(':alias/'))
        .map((a) => kms.send(new DescribeKeyCommand({ KeyId: a })).then((d) => d.KeyMetadata?.Arn, () => undefined)),
    );
    if (!allowedAliasArns.includes(meta.Arn)) problems.push(`Key ${keyId} is not in the allowed keys (GLUE_ENCRYPT_ALLOWED_KEYS).`);
  }
  return { arn: meta.Arn, label: keyId, problems };
}

/** Customer-managed keys people may pick from, by alias (ListAliases, first pages). */
export async function listKeyChoices(kms: KMSClient, max = 25): Promise<KeyChoice[]> {
  const choices: KeyChoice[] = [];
  let marker: string | undefined;
  do {
    const page = await kms.send(new ListAliasesCommand({ Marker: marker, Limit: 100 }));
    for (const a of page.Aliases ?? []) {
      // alias/aws/* are AWS-managed keys; aliases without a target point nowhere.
      if (!a.AliasName || !a.TargetKeyId || a.AliasName.startsWith('alias/aws/')) continue;
      choices.push({ label: a.AliasName, arn: a.AliasArn ?? a.AliasName });
    }
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker && choices.length < max);
  return choices.slice(0, max);
}

/** Glue jobs whose name or arguments mention the transform (they call it by ID). */
export async function jobsReferencing(glue: GlueClient, transformId: string, transformName: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await glue.send(new GetJobsCommand({ NextToken: token, MaxResults: 200 }));
    for (const job of page.Jobs ?? []) {
      const args = JSON.stringify([job.DefaultArguments ?? {}, job.NonOverridableArguments ?? {}]);
      if (job.Name && (args.includes(transformId) || job.Name.includes(transformName))) names.push(job.Name);
    }
    token = page.NextToken || undefined;
  } while (token && ++pages < 20);
  return names;
}

/**
 * Transforms the bot itself made or superseded are changed through their remediation, not
 * remediated again: a superseded original is retired or reverted; an encrypted twin can be
 * re-keyed only once its original is gone (otherwise two workflows would share one original).
 */
async function remediationLineage(glue: GlueClient, source: TransformSnapshot): Promise<string[]> {
  const by = source.tags[TAG_REMEDIATION];
  if (source.tags[TAG_SUPERSEDED_BY]) {
    return [`This is the original that remediation ${by ?? ''} superseded (now ${source.tags[TAG_SUPERSEDED_BY]}): use that remediation's Revert or Retire original instead.`];
  }
  const original = source.tags[TAG_SOURCE];
  if (original) {
    const stillThere = await glue.send(new GetMLTransformCommand({ TransformId: original })).then(
      () => true,
      (err: unknown) => errorCode(err) !== 'EntityNotFoundException',
    );
    if (stillThere) {
      return [`This transform was created by remediation ${by ?? ''} and its original ${original} still exists: retire or revert that remediation first.`];
    }
  }
  return [];
}

export const NO_CHANGE_PREFIX = 'The transform is already encrypted with ';

/** The plan problem for a re-creation that would change nothing but the transform's ID. */
export function noChangeProblem(
  source: TransformSnapshot,
  currentKeyArn: string | undefined,
  key: { arn?: string; label: string },
  securityConfigurationName: string | undefined,
): string[] {
  const currentConfiguration = source.transformEncryption?.TaskRunSecurityConfigurationName;
  if (!key.arn || currentKeyArn !== key.arn || currentConfiguration !== securityConfigurationName) return [];
  return [`${NO_CHANGE_PREFIX}${key.label} and uses ${securityConfigurationName ?? 'no security configuration'}: re-creating it would change nothing but its ID.`];
}

/** The ARN of the key the transform's user data is encrypted with now, when it has one. */
export async function currentKeyArn(kms: KMSClient, source: TransformSnapshot): Promise<string | undefined> {
  const current = source.transformEncryption?.MlUserDataEncryption;
  if (current?.MlUserDataEncryptionMode !== 'SSE-KMS' || !current.KmsKeyId) return undefined;
  return kms.send(new DescribeKeyCommand({ KeyId: current.KmsKeyId })).then((d) => d.KeyMetadata?.Arn, () => undefined);
}

export interface PlanRequest {
  kind: RemediationKind;
  accountId: string;
  region: string;
  transformId: string;
  requestedBy: string;
  teamId?: string;
  channel: string;
  /** Key the requester chose; the configured default when absent. */
  keyId?: string;
  /** For revert and retire: the completed remediation they act on. */
  parent?: Remediation;
}

function exportPath(bucket: string, accountId: string, region: string, transformId: string, id: string): string {
  return `s3://${bucket}/glue-encrypt/${accountId}/${region}/${transformId}/${id}/`;
}

/** The security configuration the bot creates for a key when none is configured: glue-encrypt-<first 8 of the key id>. */
export function securityConfigurationNameFor(keyArn: string | undefined): string | undefined {
  return keyArn ? `glue-encrypt-${keyArn.split('/').pop()!.slice(0, 8)}` : undefined;
}

/** Builds a new remediation awaiting approval. Problems are listed in the plan, never thrown. */
export async function planRemediation(
  req: PlanRequest,
  clients: { glue: GlueClient; kms: KMSClient },
  config: AppConfig,
  now: Date,
): Promise<Remediation> {
  const id = randomUUID();
  const problems: string[] = [];
  const bucket = config.remediation.labelBucket;
  if (!bucket) problems.push('No label bucket is configured (GLUE_ENCRYPT_LABEL_BUCKET): labels cannot be saved first, so nothing may change.');
  const base = {
    id,
    kind: req.kind,
    status: 'pending_approval' as const,
    accountId: req.accountId,
    region: req.region,
    requestedBy: req.requestedBy,
    requestedAt: now.toISOString(),
    teamId: req.teamId,
    expiresAt: new Date(now.getTime() + config.remediation.approvalTtlHours * 3600_000).toISOString(),
    step: FIRST_STEP[req.kind],
    history: [],
    slack: { channel: req.channel },
    version: 0,
  };

  if (req.kind !== 'remediate') {
    const parent = req.parent;
    if (!parent || parent.kind !== 'remediate' || parent.status !== 'completed' || !parent.progress.twinId) {
      throw new Error('Revert and retire act on a completed remediation only.');
    }
    return {
      ...base,
      parentId: parent.id,
      source: parent.source,
      progress: { twinId: parent.progress.twinId },
      plan: {
        ...parent.plan,
        exportPath: bucket ? exportPath(bucket, req.accountId, req.region, parent.progress.twinId, id) : parent.plan.exportPath,
        affectedJobs: await jobsReferencing(clients.glue, parent.progress.twinId, parent.source.name).catch(() => []),
        problems,
      },
    };
  }

  // A button value names its own region: only configured ones are acted on.
  if (!config.scope.regions.includes(req.region)) {
    throw new Error(`Region ${req.region} is not one the bot is set up for (GLUE_ENCRYPT_REGIONS); nothing was planned.`);
  }
  let source: TransformSnapshot;
  try {
    source = await snapshotTransform(clients.glue, req.accountId, req.region, req.transformId);
  } catch (err) {
    const why =
      errorCode(err) === 'EntityNotFoundException'
        ? `Transform ${req.transformId} does not exist in ${req.accountId} · ${req.region}.`
        : describeAwsError(err, 'glue:GetMLTransform', `${req.accountId} · ${req.region}`).message;
    throw new Error(why);
  }
  if (source.status !== 'READY') problems.push(`The transform is ${source.status ?? 'in an unknown state'}, not READY.`);
  const runs = await clients.glue
    .send(new GetMLTaskRunsCommand({ TransformId: req.transformId, Filter: { Status: 'RUNNING' }, MaxResults: 10 }))
    .catch(() => undefined);
  if ((runs?.TaskRuns?.length ?? 0) > 0) problems.push('The transform has a task run in progress.');
  // An already-encrypted transform on a weak key is re-created the same way, with the planned key,
  // but its labels can only be exported while its current key still works.
  const current = source.transformEncryption?.MlUserDataEncryption;
  let currentArn: string | undefined;
  if (current?.MlUserDataEncryptionMode === 'SSE-KMS' && current.KmsKeyId) {
    const meta = await clients.kms
      .send(new DescribeKeyCommand({ KeyId: current.KmsKeyId }))
      .then((d) => d.KeyMetadata)
      .catch(() => undefined);
    currentArn = meta?.Arn;
    const state = meta?.KeyState ?? 'unreadable';
    if (state === 'PendingDeletion') {
      problems.push(`The transform's current key ${current.KmsKeyId} is pending deletion: cancel the deletion first (kms:CancelKeyDeletion, then enable it), or its labels cannot be exported.`);
    } else if (state !== 'Enabled') {
      problems.push(`The transform's current key ${current.KmsKeyId} is ${state}: enable it first, or its labels cannot be exported.`);
    }
  }
  problems.push(...(await remediationLineage(clients.glue, source)));
  const key = await checkTargetKey(clients.kms, req.keyId ?? config.remediation.defaultKey, req.region, config);
  problems.push(...key.problems);
  const securityConfigurationName = config.remediation.securityConfiguration ?? securityConfigurationNameFor(key.arn);
  problems.push(...noChangeProblem(source, currentArn, key, securityConfigurationName));

  const plan: RemediationPlan = {
    keyArn: key.arn,
    keyLabel: key.label,
    securityConfigurationName,
    createSecurityConfiguration: config.remediation.securityConfiguration === undefined,
    exportPath: bucket ? exportPath(bucket, req.accountId, req.region, req.transformId, id) : '(no label bucket configured)',
    renamedName: renamedName(source.name, now),
    affectedJobs: await jobsReferencing(clients.glue, req.transformId, source.name).catch(() => []),
    problems,
  };
  return { ...base, source, plan, progress: {} };
}
