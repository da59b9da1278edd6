// Builds the plan people approve: what will happen, with which key and configuration, where
// the labels go, which jobs must be updated, and every reason it cannot go ahead. Reads only.
import { GetJobsCommand, GetMLTransformCommand, type GlueClient } from '@aws-sdk/client-glue';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, type KMSClient } from '@aws-sdk/client-kms';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config.js';
import { resolveLevel } from '../checks/policy.js';
import { taskRunSecurityConfigurationRule } from '../checks/rules/task-run-security-configuration.js';
import type { SecurityConfigurationFacts } from '../checks/types.js';
import type { AccountClients } from '../inventory/awsClients.js';
import { describeAwsError, errorCode } from '../inventory/awsErrors.js';
import { regionOfArn } from '../inventory/keys.js';
import { lookupSecurityConfiguration } from '../inventory/securityConfigurations.js';
import { getTransformById } from '../inventory/transforms.js';
import { labelBucketFor } from './labelBuckets.js';
import { FIRST_STEP } from './lifecycle.js';
import { checkLabelBucket, checkRolePrerequisites, type KeyUse, type PlanFindings } from './prerequisites.js';
import { TAG_REMEDIATION, TAG_SOURCE, TAG_SUPERSEDED_BY, copiedTags, renamedName, snapshotTransform } from './snapshot.js';
import { activeTaskRuns } from './taskRuns.js';
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
async function checkTargetKey(kms: KMSClient, keyId: string, region: string, config: AppConfig): Promise<KeyCheck> {
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
function noChangeProblem(
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
function securityConfigurationNameFor(keyArn: string | undefined): string | undefined {
  return keyArn ? `glue-encrypt-${keyArn.split('/').pop()!.slice(0, 8)}` : undefined;
}

/** Glue's limit of tags per resource. */
const MAX_TAGS = 50;

/** Tags the twin gets besides the copied ones, and those the superseded original gains. */
const TWIN_TAGS = [TAG_REMEDIATION, TAG_SOURCE];
const ORIGINAL_TAGS = [TAG_REMEDIATION, TAG_SUPERSEDED_BY];

/** A twin or a superseded original past Glue's 50 tags would fail half-way (create or tag): refuse it in the plan. */
function tagLimitProblems(source: TransformSnapshot): string[] {
  const twin = Object.keys(copiedTags(source.tags)).length + TWIN_TAGS.length;
  const original = new Set([...Object.keys(source.tags), ...ORIGINAL_TAGS]).size;
  if (twin <= MAX_TAGS && original <= MAX_TAGS) return [];
  const over = Math.max(twin, original) - MAX_TAGS;
  return [
    `The transform has ${Object.keys(source.tags).length} tags; with the ${TWIN_TAGS.length} the bot adds to record where each transform came from, ${over === 1 ? 'one is' : `${over} are`} past Glue's limit of ${MAX_TAGS} per transform. Remove ${over} tag${over === 1 ? '' : 's'} from it first.`,
  ];
}

/** The label bucket for the remediation's region, with its region confirmed (one s3:GetBucketLocation). */
async function bucketFindings(clients: Pick<AccountClients, 's3'>, config: AppConfig, accountId: string, region: string): Promise<PlanFindings & { bucket?: string }> {
  const bucket = labelBucketFor(config.remediation, accountId, region);
  if (!bucket) {
    return {
      problems: [`No label bucket is configured for ${region} (GLUE_ENCRYPT_LABEL_BUCKETS, or GLUE_ENCRYPT_LABEL_BUCKET with {region}): labels cannot be saved first, so nothing may change.`],
      warnings: [],
    };
  }
  return { bucket, ...(await checkLabelBucket(clients.s3, bucket, region)) };
}

/** What the re-created transform will use, and what was found about it: everything that depends on the key. */
export interface KeyPlan {
  keyArn?: string;
  keyLabel: string;
  securityConfigurationName?: string;
  createSecurityConfiguration: boolean;
  findings: PlanFindings;
}

/**
 * The source's own security configuration, when it already meets the policy: the check's rule
 * finds nothing in it (S3 output SSE-KMS or what the policy requires, logs and bookmarks
 * encrypted), and every key it names is one the policy accepts. Reusing it keeps the operator's choices instead of adding another.
 */
async function reusableConfiguration(
  clients: Pick<AccountClients, 'glue' | 'kms'>,
  config: AppConfig,
  source: TransformSnapshot,
  accountId: string,
  region: string,
): Promise<SecurityConfigurationFacts | undefined> {
  const name = source.transformEncryption?.TaskRunSecurityConfigurationName;
  if (!name) return undefined;
  const lookup = await lookupSecurityConfiguration(clients.glue, name, region);
  if (lookup.kind !== 'found') return undefined;
  const facts = {
    accountId,
    region,
    transformId: source.transformId,
    name: source.name,
    encryption: { securityConfigurationName: name },
  };
  // Kept only when it passes outright: a re-created transform should have no finding left, not a warning.
  if (taskRunSecurityConfigurationRule.evaluate({ transform: facts, securityConfiguration: lookup }, config.policy).length > 0) return undefined;
  const keys = [...new Set([...lookup.config.s3.map((e) => e.kmsKeyArn), lookup.config.cloudWatchKmsKeyArn].filter((k): k is string => Boolean(k)))];
  for (const key of keys) if ((await checkTargetKey(clients.kms, key, region, config)).problems.length > 0) return undefined;
  return lookup.config;
}

/** The keys the transform's role (and CloudWatch Logs) must be able to use, by what they encrypt. */
function keyUses(keyArn: string | undefined, configuration: SecurityConfigurationFacts | undefined, botCreated: boolean): KeyUse[] {
  const uses = new Map<string, KeyUse>();
  const add = (arn: string | undefined, purpose: string, forLogs = false) => {
    if (!arn) return;
    const use = uses.get(arn) ?? { keyArn: arn, purposes: [], forLogs: false };
    use.purposes.push(purpose);
    use.forLogs ||= forLogs;
    uses.set(arn, use);
  };
  add(keyArn, 'user data');
  if (botCreated) {
    add(keyArn, 'task output in S3');
    add(keyArn, 'task-run logs', true);
  } else if (configuration) {
    for (const e of configuration.s3) if (e.mode === 'SSE-KMS') add(e.kmsKeyArn, 'task output in S3');
    if (configuration.cloudWatchMode === 'SSE-KMS') add(configuration.cloudWatchKmsKeyArn, 'task-run logs', true);
  }
  return [...uses.values()];
}

/**
 * Everything about the target key: is it usable, which security configuration goes with it
 * (configured, the source's own when it meets the policy, else one the bot creates), would the
 * re-create change anything, and may the transform's role (and CloudWatch Logs) use it. A key
 * change runs this again and swaps exactly these findings.
 */
export async function planKey(
  clients: AccountClients,
  config: AppConfig,
  req: { accountId: string; region: string; source: TransformSnapshot; keyId: string; currentKeyArn?: string },
): Promise<KeyPlan> {
  const key = await checkTargetKey(clients.kms, req.keyId, req.region, config);
  const problems = [...key.problems];
  const warnings: string[] = [];
  const configured = config.remediation.securityConfiguration;
  const reused = configured ? undefined : await reusableConfiguration(clients, config, req.source, req.accountId, req.region);
  const securityConfigurationName = configured ?? reused?.name ?? securityConfigurationNameFor(key.arn);
  const createSecurityConfiguration = !configured && !reused;
  problems.push(...noChangeProblem(req.source, req.currentKeyArn, key, securityConfigurationName));

  let configuration = reused;
  if (configured) {
    const lookup = await lookupSecurityConfiguration(clients.glue, configured, req.region);
    if (lookup.kind === 'found') configuration = lookup.config;
    else if (lookup.kind === 'not-found') problems.push(`The configured security configuration ${configured} (GLUE_ENCRYPT_SECURITY_CONFIGURATION) does not exist in ${req.accountId} · ${req.region}.`);
    else warnings.push(`Could not read the configured security configuration ${configured}: ${lookup.message}`);
  }
  if (key.arn) {
    const roleChecks = await checkRolePrerequisites(clients, {
      accountId: req.accountId,
      region: req.region,
      role: req.source.role,
      rolePattern: config.remediation.transformRolePattern,
      keys: keyUses(key.arn, configuration, createSecurityConfiguration),
    });
    problems.push(...roleChecks.problems);
    warnings.push(...roleChecks.warnings);
  }
  return { keyArn: key.arn, keyLabel: key.label, securityConfigurationName, createSecurityConfiguration, findings: { problems, warnings } };
}

/** Builds a new remediation awaiting approval. Problems are listed in the plan, never thrown. */
export async function planRemediation(req: PlanRequest, clients: AccountClients, config: AppConfig, now: Date): Promise<Remediation> {
  const id = randomUUID();
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
    const twinId = parent.progress.twinId;
    // Retire exports nothing: the original's labels stay where the remediation saved them.
    const bucket = req.kind === 'revert' ? await bucketFindings(clients, config, req.accountId, req.region) : undefined;
    const twin = await getTransformById(clients.glue, twinId).catch(() => undefined);
    return {
      ...base,
      parentId: parent.id,
      source: parent.source,
      progress: { twinId },
      plan: {
        ...parent.plan,
        exportPath: bucket?.bucket ? exportPath(bucket.bucket, req.accountId, req.region, twinId, id) : parent.plan.exportPath,
        labelCount: twin?.LabelCount ?? parent.source.labelCount,
        affectedJobs: await jobsReferencing(clients.glue, twinId, parent.source.name).catch(() => []),
        problems: bucket?.problems ?? [],
        warnings: bucket?.warnings ?? [],
        keyFindings: { problems: [], warnings: [] },
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
  const bucket = await bucketFindings(clients, config, req.accountId, req.region);
  const problems = [...bucket.problems];
  if (source.status !== 'READY') problems.push(`The transform is ${source.status ?? 'in an unknown state'}, not READY.`);
  if ((await activeTaskRuns(clients.glue, req.transformId).catch(() => 0)) > 0) problems.push('The transform has a task run in progress.');
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
  problems.push(...tagLimitProblems(source));
  const key = await planKey(clients, config, {
    accountId: req.accountId,
    region: req.region,
    source,
    keyId: req.keyId ?? config.remediation.defaultKey,
    currentKeyArn: currentArn,
  });

  const plan: RemediationPlan = {
    keyArn: key.keyArn,
    keyLabel: key.keyLabel,
    securityConfigurationName: key.securityConfigurationName,
    createSecurityConfiguration: key.createSecurityConfiguration,
    exportPath: bucket.bucket ? exportPath(bucket.bucket, req.accountId, req.region, req.transformId, id) : '(no label bucket configured)',
    labelCount: source.labelCount,
    renamedName: renamedName(source.name, now),
    affectedJobs: await jobsReferencing(clients.glue, req.transformId, source.name).catch(() => []),
    problems: [...problems, ...key.findings.problems],
    warnings: [...bucket.warnings, ...key.findings.warnings],
    keyFindings: key.findings,
  };
  return { ...base, source, plan, progress: {} };
}
