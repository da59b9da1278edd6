// Every setting, parsed and validated once. Sources, later wins:
//   built-in defaults  <  JSON file named by GLUE_ENCRYPT_CONFIG_FILE  <  environment variables.
// A bad value stops start-up with a message naming the setting; nothing runs half-configured.
import { readFileSync } from 'node:fs';
// zod/mini: the same validation in a fraction of the bundle (the Slack handler's cold start).
import * as z from 'zod/mini';
import type { Policy, ReasonCode, RuleLevel } from './checks/types.js';
import { DEFAULT_POLICY, POLICY_CODES, RULE_LEVELS, isPolicyCode } from './checks/policy.js';
import { BUCKET_NAME_PATTERN, bucketPatternProblem, regionsSharingOneBucket } from './remediation/labelBuckets.js';

/** Partition-aware region names: eu-west-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1. */
export const REGION_PATTERN =
  /^[a-z]{2,4}(-[a-z]{2,4})?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$/;
export const ACCOUNT_PATTERN = /^\d{12}$/;
const ROLE_NAME_PATTERN = /^[\w+=,.@/-]{1,64}$/;
const SLACK_ID_PATTERN = /^[A-Z0-9]{2,}$/;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const region = z.string().check(z.regex(REGION_PATTERN, 'is not an AWS region name like eu-west-1'));
const account = z.string().check(z.regex(ACCOUNT_PATTERN, 'is not a 12-digit AWS account ID'));
const slackId = z.string().check(z.regex(SLACK_ID_PATTERN, 'is not a Slack ID like C0123ABCD'));
const level = z.enum(RULE_LEVELS);
const roleName = z.string().check(z.regex(ROLE_NAME_PATTERN, 'is not an IAM role name'));

const fileSchema = z.strictObject({
  regions: z.optional(z.array(region).check(z.minLength(1), z.maxLength(30))),
  accounts: z.optional(z.array(account).check(z.maxLength(100))),
  targetRoleName: z.optional(z.string().check(z.regex(ROLE_NAME_PATTERN))),
  findingsChannel: z.optional(slackId),
  policy: z.optional(
    z.strictObject({
      // Only policy-controlled codes may be overridden; the others are always FAIL/ERROR.
      levels: z.optional(z.partialRecord(z.enum(POLICY_CODES as [string, ...string[]]), level)),
      requiredS3Encryption: z.optional(z.enum(['SSE-KMS', 'SSE-S3'])),
      allowedKeys: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(2048))).check(z.maxLength(200))),
    }),
  ),
});

export type FileConfig = z.infer<typeof fileSchema>;

export interface SlackConfig {
  /** Plain values: local runs and tests (Bolt's usual names). */
  signingSecret?: string;
  botToken?: string;
  /** SSM SecureString parameter names: on Lambda; read at runtime, never put in the template. */
  signingSecretParam?: string;
  botTokenParam?: string;
  /** Web API base, e.g. a local stand-in; Slack's own when unset. */
  apiUrl?: string;
  /** The installation's workspace: requests from any other team are refused. */
  teamId?: string;
  enterpriseId?: string;
  botId?: string;
  botUserId?: string;
  /** Where every check's findings are also posted. */
  findingsChannel?: string;
}

export interface ScopeConfig {
  /** Regions scanned when a command names none. */
  regions: string[];
  /** Member accounts reached by assuming `targetRoleName`; the bot's own account is always included. */
  accounts: string[];
  targetRoleName: string;
  /**
   * The account the bot is deployed in (the template passes AWS::AccountId to the slack
   * function), so a command naming any other unconfigured account is refused at once.
   * Unknown when unset: the check then reports such an account as unreadable instead.
   */
  homeAccountId?: string;
}

export interface RemediationConfig {
  /** Slack user IDs allowed to approve. */
  approvers: string[];
  /** A Slack user group whose members may approve. */
  approverGroup?: string;
  /** Four-eyes by default: the requester may not approve their own request. */
  allowSelfApproval: boolean;
  /** Hours an approval request stays valid. */
  approvalTtlHours: number;
  /** Longest an accepted risk (waiver) may run, in days from the day it is requested. */
  waiverMaxDays: number;
  /** Key for re-created transforms when the requester picks none: alias name, key ID or ARN. */
  defaultKey: string;
  /** An existing security configuration to attach; when unset the bot creates glue-encrypt-<key>. */
  securityConfiguration?: string;
  /**
   * Bucket the labels are exported to before anything changes: a name, or a pattern with
   * {accountId} and {region} (Glue needs the bucket in the transform's own region).
   */
  labelBucket?: string;
  /** Region -> bucket, for regions whose bucket the pattern does not name. */
  labelBuckets: Record<string, string>;
  /** IAM role names (wildcards * and ?) the workflow may pass to Glue: a transform with another role cannot be re-created. */
  transformRolePattern: string;
  /** Role the workflow assumes in member accounts (write access, see deploy/target-account-role.yml). */
  remediationRoleName: string;
  /** State machine that runs the workflow (Step Functions). */
  stateMachineArn?: string;
  /** Seconds between polls of a running Glue task run. */
  pollSeconds: number;
  /** Minutes a Glue label task run may take before the workflow rolls back. */
  taskRunTimeoutMinutes: number;
  /** IAM role names the workflow acts through (member remediation role, the advance function's): their changes are not drift. */
  workflowRoleNames: string[];
}

export interface DigestConfig {
  /** The scan state machine: `/glue-encrypt digest` starts it, and so does its schedule. */
  scanStateMachineArn?: string;
  /** Table of scan snapshots (per run, account and region). */
  snapshotTable?: string;
  /** Days a scan snapshot is kept (DynamoDB TTL): at least a weekly digest's baseline. */
  snapshotRetentionDays: number;
  /** Who may change a channel's digests: the approvers, anyone in the workspace, or these Slack user IDs. */
  managers: 'approvers' | 'anyone' | string[];
  /** Read the accounts to scan from AWS Organizations instead of GLUE_ENCRYPT_ACCOUNTS. */
  organizationScan: boolean;
  /** With an organisation scan: only accounts under these roots or OUs (and their OUs); empty = all. */
  organizationParents: string[];
  /** Milliseconds between two messages to one channel (Slack allows about one a second). */
  channelIntervalMs: number;
  /** Import each scheduled scan's findings into Security Hub (each account's own, in each region). */
  securityHub: boolean;
}

export interface AppConfig {
  slack: SlackConfig;
  remediation: RemediationConfig;
  scope: ScopeConfig;
  policy: Policy;
  /** Name of the worker Lambda that runs scans asynchronously. */
  workerFunction?: string;
  tables: { audit?: string; state?: string };
  digests: DigestConfig;
  /** Parallel AWS calls per account and region. */
  concurrency: number;
  /** AWS SDK attempts per call (adaptive retry mode), throttling included. */
  maxAttempts: number;
  /** Transforms per GetMLTransforms page (the API allows 1 to 1000). */
  pageSize: number;
}

type Env = Record<string, string | undefined>;

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  // Nothing but commas and spaces means "not set": the default applies.
  return items.length > 0 ? items : undefined;
}

function parseLevels(value: string | undefined, problems: string[]): Partial<Record<ReasonCode, RuleLevel>> {
  const levels: Partial<Record<ReasonCode, RuleLevel>> = {};
  for (const pair of list(value) ?? []) {
    const [code, lvl] = pair.split('=').map((s) => s.trim());
    const parsedLevel = level.safeParse(lvl);
    if (!code || !isPolicyCode(code) || !parsedLevel.success) {
      problems.push(`GLUE_ENCRYPT_POLICY_LEVELS: "${pair}" must be CODE=fail|warn|off, CODE one of ${POLICY_CODES.join(', ')}`);
      continue;
    }
    levels[code] = parsedLevel.data;
  }
  return levels;
}

/** zod/mini carries no message catalogue (that is what keeps it small): say it in our words. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.') || '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_key':
      return `${where}: "${String(issue.input)}" is not allowed here${where.endsWith('levels') ? ` (policy levels can be set for ${POLICY_CODES.join(', ')})` : ''}`;
    case 'invalid_value':
      return `${where}: "${String(issue.input)}" must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return `${where}: expected ${issue.expected}`;
    case 'too_small':
    case 'too_big':
      return `${where}: ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)} ${issue.origin === 'array' ? 'entries' : 'characters'}`;
    default:
      return `${where}: ${issue.message && issue.message !== 'Invalid input' ? issue.message : `"${String(issue.input)}" is not valid`}`;
  }
}

function readFileConfig(path: string | undefined, problems: string[]): FileConfig {
  if (!path) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    problems.push(`GLUE_ENCRYPT_CONFIG_FILE: cannot read ${path} as JSON (${(err as Error).message})`);
    return {};
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${path}: ${describeIssue(issue)}`);
    return {};
  }
  return parsed.data;
}

function wholeNumber(name: string, value: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name}: "${value}" must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/** "approvers" (default), "anyone", or a comma list of Slack user IDs. */
function subscriptionManagers(value: string | undefined, problems: string[]): DigestConfig['managers'] {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '' || trimmed === 'approvers') return 'approvers';
  if (trimmed === 'anyone') return 'anyone';
  const users = checkList('GLUE_ENCRYPT_SUBSCRIPTION_MANAGERS', z.string().check(z.regex(/^[UW][A-Z0-9]{2,}$/, 'is not "approvers", "anyone" or a Slack user ID like U0123ABCD')), list(trimmed), 100, problems);
  return users ?? 'approvers';
}

function positiveInt(name: string, value: string | undefined, fallback: number, max: number, problems: string[]): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    problems.push(`${name}: "${value}" must be a whole number from 1 to ${max}`);
    return fallback;
  }
  return n;
}

/** Checks each entry of a comma list, naming the bad ones rather than the whole list. */
function checkList(name: string, item: z.ZodMiniType<string>, values: string[] | undefined, max: number, problems: string[]): string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length > max) {
    problems.push(`${name}: at most ${max} entries, got ${values.length}`);
    return undefined;
  }
  const bad = values.filter((v) => !item.safeParse(v).success);
  for (const v of bad) check(name, item, v, problems);
  return bad.length === 0 ? values : undefined;
}

function check<T>(name: string, schema: z.ZodMiniType<T>, value: unknown, problems: string[]): T | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  problems.push(`${name}: "${String(value)}" ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return undefined;
}

function bucketPattern(value: string | undefined, regions: string[], problems: string[]): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const pattern = value.trim();
  const problem = bucketPatternProblem(pattern, regions);
  if (problem) problems.push(`GLUE_ENCRYPT_LABEL_BUCKET: "${pattern}" ${problem}`);
  return problem ? undefined : pattern;
}

/** "eu-west-1=bucket-a,us-east-1=bucket-b": each region once, each a configured region. */
function bucketMap(value: string | undefined, regions: string[], problems: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of list(value) ?? []) {
    const [r = '', bucket = '', ...rest] = pair.split('=').map((s) => s.trim());
    const where = `GLUE_ENCRYPT_LABEL_BUCKETS: "${pair}"`;
    if (rest.length > 0 || !region.safeParse(r).success || !bucket) problems.push(`${where} must be REGION=BUCKET, e.g. eu-west-1=my-labels-eu`);
    else if (!BUCKET_NAME_PATTERN.test(bucket) || bucket.includes('..')) problems.push(`${where}: ${bucket} is not an S3 bucket name`);
    else if (!regions.includes(r)) problems.push(`${where}: ${r} is not one of the configured regions (${regions.join(', ') || 'none'})`);
    else if (Object.hasOwn(map, r)) problems.push(`${where}: ${r} is given a bucket twice`);
    else map[r] = bucket;
  }
  return map;
}

/** A setting a function cannot work without (a table its template passes): its value, or why it cannot go on. */
export function requiredSetting(value: string | undefined, name: string, purpose: string): string {
  if (!value) throw new ConfigError(`${name} is not set: ${purpose}`);
  return value;
}

/** Parse and validate the whole configuration; throws ConfigError listing every problem found. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const file = readFileConfig(env.GLUE_ENCRYPT_CONFIG_FILE, problems);

  const defaultRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const regions =
    checkList('GLUE_ENCRYPT_REGIONS', region, list(env.GLUE_ENCRYPT_REGIONS), 30, problems) ??
    file.regions ??
    (defaultRegion ? [check('AWS_REGION', region, defaultRegion, problems) ?? defaultRegion] : []);
  const accounts =
    checkList('GLUE_ENCRYPT_ACCOUNTS', account, list(env.GLUE_ENCRYPT_ACCOUNTS), 100, problems) ??
    file.accounts ??
    [];

  const levels = { ...DEFAULT_POLICY.levels, ...file.policy?.levels, ...parseLevels(env.GLUE_ENCRYPT_POLICY_LEVELS, problems) };
  const requiredS3Encryption =
    check('GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION', z.enum(['SSE-KMS', 'SSE-S3'], { error: 'must be SSE-KMS or SSE-S3' }), env.GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION, problems) ??
    file.policy?.requiredS3Encryption ??
    DEFAULT_POLICY.requiredS3Encryption;
  const allowedKeys = [...(list(env.GLUE_ENCRYPT_ALLOWED_KEYS) ?? file.policy?.allowedKeys ?? DEFAULT_POLICY.allowedKeys)];

  const config: AppConfig = {
    slack: {
      signingSecret: env.SLACK_SIGNING_SECRET || undefined,
      botToken: env.SLACK_BOT_TOKEN || undefined,
      signingSecretParam: env.SLACK_SIGNING_SECRET_PARAM || undefined,
      botTokenParam: env.SLACK_BOT_TOKEN_PARAM || undefined,
      apiUrl: check('SLACK_API_URL', z.url({ protocol: /^https?$/, error: 'is not an http(s) URL' }), env.SLACK_API_URL, problems),
      teamId: check('SLACK_TEAM_ID', slackId, env.SLACK_TEAM_ID, problems),
      enterpriseId: check('SLACK_ENTERPRISE_ID', slackId, env.SLACK_ENTERPRISE_ID, problems),
      botId: check('SLACK_BOT_ID', slackId, env.SLACK_BOT_ID, problems),
      botUserId: check('SLACK_BOT_USER_ID', slackId, env.SLACK_BOT_USER_ID, problems),
      findingsChannel:
        check('GLUE_ENCRYPT_FINDINGS_CHANNEL', slackId, env.GLUE_ENCRYPT_FINDINGS_CHANNEL, problems) ?? file.findingsChannel,
    },
    scope: {
      regions,
      accounts,
      targetRoleName:
        check('GLUE_ENCRYPT_ROLE_NAME', roleName, env.GLUE_ENCRYPT_ROLE_NAME, problems) ??
        file.targetRoleName ??
        'glue-encrypt-read',
      ...(env.GLUE_ENCRYPT_HOME_ACCOUNT_ID ? { homeAccountId: check('GLUE_ENCRYPT_HOME_ACCOUNT_ID', account, env.GLUE_ENCRYPT_HOME_ACCOUNT_ID, problems) } : {}),
    },
    policy: { levels, requiredS3Encryption, allowedKeys },
    remediation: {
      approvers: checkList('GLUE_ENCRYPT_APPROVERS', slackId, list(env.GLUE_ENCRYPT_APPROVERS), 100, problems) ?? [],
      approverGroup: check('GLUE_ENCRYPT_APPROVER_GROUP', slackId, env.GLUE_ENCRYPT_APPROVER_GROUP, problems),
      allowSelfApproval:
        check('GLUE_ENCRYPT_ALLOW_SELF_APPROVAL', z.enum(['true', 'false'], { error: 'must be true or false' }), env.GLUE_ENCRYPT_ALLOW_SELF_APPROVAL, problems) === 'true',
      approvalTtlHours: positiveInt('GLUE_ENCRYPT_APPROVAL_TTL_HOURS', env.GLUE_ENCRYPT_APPROVAL_TTL_HOURS, 24, 24 * 14, problems),
      // A year at most: an exception nobody looks at again for longer is no longer an exception.
      waiverMaxDays: positiveInt('GLUE_ENCRYPT_WAIVER_MAX_DAYS', env.GLUE_ENCRYPT_WAIVER_MAX_DAYS, 90, 365, problems),
      defaultKey:
        check('GLUE_ENCRYPT_DEFAULT_KEY', z.string().check(z.regex(/^(alias\/[\w/-]+|arn:aws[\w-]*:kms:.+|[0-9a-f-]{36})$/, 'is not a KMS alias, key ARN or key ID')), env.GLUE_ENCRYPT_DEFAULT_KEY, problems) ??
        'alias/glue-ml',
      securityConfiguration: check('GLUE_ENCRYPT_SECURITY_CONFIGURATION', z.string().check(z.regex(/^[\w.-]{1,255}$/, 'is not a Glue name')), env.GLUE_ENCRYPT_SECURITY_CONFIGURATION, problems),
      labelBucket: bucketPattern(env.GLUE_ENCRYPT_LABEL_BUCKET, regions, problems),
      labelBuckets: bucketMap(env.GLUE_ENCRYPT_LABEL_BUCKETS, regions, problems),
      transformRolePattern:
        check('GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN', z.string().check(z.regex(/^[\w+=,.@*?/-]{1,512}$/, 'is not an IAM role name pattern (letters, digits, +=,.@_-, a path with /, and the wildcards * ?)')), env.GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN, problems) ??
        '*Glue*',
      remediationRoleName:
        check('GLUE_ENCRYPT_REMEDIATION_ROLE_NAME', roleName, env.GLUE_ENCRYPT_REMEDIATION_ROLE_NAME, problems) ??
        'glue-encrypt-remediate',
      stateMachineArn: check('GLUE_ENCRYPT_STATE_MACHINE_ARN', z.string().check(z.regex(/^arn:aws[\w-]*:states:/, 'is not a Step Functions state machine ARN')), env.GLUE_ENCRYPT_STATE_MACHINE_ARN, problems),
      pollSeconds: positiveInt('GLUE_ENCRYPT_POLL_SECONDS', env.GLUE_ENCRYPT_POLL_SECONDS, 60, 3600, problems),
      taskRunTimeoutMinutes: positiveInt('GLUE_ENCRYPT_TASK_RUN_TIMEOUT_MINUTES', env.GLUE_ENCRYPT_TASK_RUN_TIMEOUT_MINUTES, 120, 24 * 60, problems),
      workflowRoleNames:
        checkList('GLUE_ENCRYPT_WORKFLOW_ROLE_NAMES', roleName, list(env.GLUE_ENCRYPT_WORKFLOW_ROLE_NAMES), 10, problems) ??
        [check('GLUE_ENCRYPT_REMEDIATION_ROLE_NAME', roleName, env.GLUE_ENCRYPT_REMEDIATION_ROLE_NAME, []) ?? 'glue-encrypt-remediate'],
    },
    workerFunction: env.GLUE_ENCRYPT_WORKER_FUNCTION || undefined,
    tables: { audit: env.GLUE_ENCRYPT_AUDIT_TABLE || undefined, state: env.GLUE_ENCRYPT_STATE_TABLE || undefined },
    digests: {
      scanStateMachineArn: check('GLUE_ENCRYPT_SCAN_STATE_MACHINE_ARN', z.string().check(z.regex(/^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[\w-]{1,80}$/, 'is not a Step Functions state machine ARN')), env.GLUE_ENCRYPT_SCAN_STATE_MACHINE_ARN, problems),
      snapshotTable: env.GLUE_ENCRYPT_SNAPSHOT_TABLE || undefined,
      // A weekly digest compares with the scan a week before: keep more than that.
      snapshotRetentionDays: wholeNumber('GLUE_ENCRYPT_SNAPSHOT_RETENTION_DAYS', env.GLUE_ENCRYPT_SNAPSHOT_RETENTION_DAYS, 40, 8, 400, problems),
      managers: subscriptionManagers(env.GLUE_ENCRYPT_SUBSCRIPTION_MANAGERS, problems),
      organizationScan:
        check('GLUE_ENCRYPT_ORGANIZATION_SCAN', z.enum(['true', 'false'], { error: 'must be true or false' }), env.GLUE_ENCRYPT_ORGANIZATION_SCAN, problems) === 'true',
      organizationParents:
        checkList('GLUE_ENCRYPT_ORGANIZATION_PARENTS', z.string().check(z.regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, 'is not an organization root (r-...) or OU ID (ou-...)')), list(env.GLUE_ENCRYPT_ORGANIZATION_PARENTS), 50, problems) ?? [],
      channelIntervalMs: wholeNumber('GLUE_ENCRYPT_CHANNEL_INTERVAL_MS', env.GLUE_ENCRYPT_CHANNEL_INTERVAL_MS, 1100, 0, 10_000, problems),
      securityHub: check('GLUE_ENCRYPT_SECURITY_HUB', z.enum(['true', 'false'], { error: 'must be true or false' }), env.GLUE_ENCRYPT_SECURITY_HUB, problems) === 'true',
    },
    concurrency: positiveInt('GLUE_ENCRYPT_CONCURRENCY', env.GLUE_ENCRYPT_CONCURRENCY, 8, 64, problems),
    maxAttempts: positiveInt('GLUE_ENCRYPT_MAX_ATTEMPTS', env.GLUE_ENCRYPT_MAX_ATTEMPTS, 8, 20, problems),
    // 100 keeps each response small; up to 1000 trades response size for fewer calls.
    pageSize: positiveInt('GLUE_ENCRYPT_PAGE_SIZE', env.GLUE_ENCRYPT_PAGE_SIZE, 100, 1000, problems),
  };

  const shared = regionsSharingOneBucket(config.remediation, regions);
  if (shared.length > 0) {
    problems.push(
      `GLUE_ENCRYPT_LABEL_BUCKET: "${config.remediation.labelBucket}" names one bucket for ${shared.join(', ')}, but a bucket lives in one region and Glue refuses labels in a bucket of another region: add {region} to the name, or give the other regions their buckets in GLUE_ENCRYPT_LABEL_BUCKETS`,
    );
  }

  // A request is bound to the workspace that asked, and only the installation's workspace may
  // decide it: without SLACK_TEAM_ID, a click from any workspace that has the app could approve.
  const remediationEnabled = Boolean(config.remediation.stateMachineArn && config.tables.audit && config.tables.state);
  if (remediationEnabled && !env.SLACK_TEAM_ID) {
    problems.push('SLACK_TEAM_ID is required when remediation is enabled (approvals must be bound to one workspace)');
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  }
  return config;
}
