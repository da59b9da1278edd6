// What an operator or security reviewer wants to know about the deployment, asserted on the
// CloudFormation template that `npm run package` (osls `serverless package`) generates.
// No AWS account needed: the template and the zips are read from .serverless/.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditTableDefinition, stateTableDefinition } from '../../src/audit/tables.js';
import { loadConfig } from '../../src/config.js';
import { workerJobSchema } from '../../src/slack/jobs.js';
import { METRICS_NAMESPACE } from '../../src/operations/metrics.js';
import { SCHEDULE_INPUT } from '../../src/sandbox/scanStateMachine.js';
import { functionsBundling, functionsSending, indexQueries, modulesCalling } from './sources.js';

const OUT_DIR = join(process.cwd(), '.serverless');
const TEMPLATE = join(OUT_DIR, 'cloudformation-template-update-stack.json');
const MEMBER_TEMPLATE = join(process.cwd(), 'deploy', 'target-account-role.yml');

/**
 * Actions whose Service Authorization Reference entry lists no resource type, so `*` is the only
 * possible Resource: Glue security configurations have no ARN, GetJobs lists every job,
 * CreateMLTransform acts on a transform that does not exist yet, ListAliases lists the account's
 * aliases, and GetTags lists no mlTransform resource type (a statement scoped to mlTransform/*
 * would not allow it on a transform).
 */
const STAR_RESOURCE_ALLOWED = new Set([
  'glue:GetSecurityConfiguration',
  'glue:GetSecurityConfigurations',
  'glue:CreateSecurityConfiguration',
  'glue:GetJobs',
  'glue:CreateMLTransform',
  'glue:GetTags',
  'kms:ListAliases',
]);
/** What the workflow calls on Glue (src/remediation/steps.ts), all of it, nothing more. */
const WORKFLOW_GLUE_ACTIONS = [
  'glue:CreateMLTransform',
  'glue:CreateSecurityConfiguration',
  'glue:DeleteMLTransform',
  'glue:GetMLTaskRun',
  'glue:GetMLTaskRuns',
  'glue:GetMLTransform',
  'glue:GetMLTransforms',
  'glue:GetSecurityConfiguration',
  'glue:GetTags',
  'glue:StartExportLabelsTaskRun',
  'glue:StartImportLabelsTaskRun',
  'glue:TagResource',
  'glue:UntagResource',
  'glue:UpdateMLTransform',
];
const STAGE = 'ci';
const FUNCTIONS = {
  slack: 'SlackLambdaFunction',
  worker: 'WorkerLambdaFunction',
  advance: 'AdvanceLambdaFunction',
  scan: 'ScanLambdaFunction',
  digest: 'DigestLambdaFunction',
  drift: 'DriftLambdaFunction',
} as const;
const AUDIT_WRITES_FORBIDDEN = ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'];
const KMS_READ = ['kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:GetKeyPolicy', 'kms:ListAliases'];
/** SDK commands the code sends, and the IAM action each is authorised as. */
const COMMAND_ACTIONS = {
  GetTagsCommand: 'glue:GetTags',
  GetKeyPolicyCommand: 'kms:GetKeyPolicy',
  SimulatePrincipalPolicyCommand: 'iam:SimulatePrincipalPolicy',
} as const;
/** Lambda's limit for a zip uploaded directly; ours go through S3 but should stay far below anyway. */
const MAX_ZIP_BYTES = 50 * 1024 * 1024;

type Json = Record<string, unknown>;

interface CfnResource {
  Type: string;
  Condition?: string;
  Properties?: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: unknown;
}

interface Template {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface FoundStatement {
  /** Logical ID of the resource holding the policy. */
  owner: string;
  ownerType: string;
  statement: Statement;
}

let cached: Template | undefined;

/** The generated template. Missing = every test fails (not skips) and says how to produce it. */
function tpl(): Template {
  if (!existsSync(TEMPLATE)) {
    throw new Error(`${TEMPLATE} is missing: run \`npm run package\` first (npm test does it before vitest).`);
  }
  cached ??= JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Template;
  return cached;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function resource(logicalId: string): CfnResource {
  const found = tpl().Resources[logicalId];
  if (!found) throw new Error(`resource ${logicalId} not in template`);
  return found;
}

function props(logicalId: string): Json {
  return resource(logicalId).Properties ?? {};
}

function ofType(type: string): [string, CfnResource][] {
  return Object.entries(tpl().Resources).filter(([, r]) => r.Type === type);
}

/** Every policy statement in the template: IAM roles, policies and resource policies alike. */
function allStatements(): FoundStatement[] {
  const found: FoundStatement[] = [];
  const add = (owner: string, ownerType: string, doc: unknown) => {
    if (!isObject(doc)) return;
    for (const statement of asArray(doc.Statement as Statement | Statement[] | undefined)) {
      found.push({ owner, ownerType, statement });
    }
  };
  for (const [id, r] of Object.entries(tpl().Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Role') {
      for (const policy of asArray(p.Policies as Json[] | undefined)) add(id, r.Type, policy.PolicyDocument);
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::RolePolicy' || r.Type === 'AWS::IAM::ManagedPolicy') add(id, r.Type, p.PolicyDocument);
    if (r.Type === 'AWS::DynamoDB::Table' && isObject(p.ResourcePolicy)) add(id, r.Type, p.ResourcePolicy.PolicyDocument);
    if (r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::SQS::QueuePolicy') add(id, r.Type, p.PolicyDocument);
  }
  return found;
}

/** Identity-policy statements attached to one role (inline, or AWS::IAM::Policy / RolePolicy naming the role). */
function roleStatements(roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const policy of asArray(props(roleId).Policies as Json[] | undefined)) {
    if (isObject(policy.PolicyDocument)) out.push(...asArray(policy.PolicyDocument.Statement as Statement | Statement[]));
  }
  for (const [, r] of [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::RolePolicy')]) {
    const roles = JSON.stringify(r.Properties?.Roles ?? r.Properties?.RoleName ?? []);
    if (roles.includes(`"${roleId}"`) && isObject(r.Properties?.PolicyDocument)) {
      out.push(...asArray(r.Properties.PolicyDocument.Statement as Statement | Statement[]));
    }
  }
  return out;
}

const actionsOf = (s: Statement): string[] => asArray(s.Action);
const resourcesOf = (s: Statement): unknown[] => asArray(s.Resource as unknown);

/** The role a Lambda function runs with, as a logical ID (functions must use `Fn::GetAtt [Role, Arn]`). */
function functionRole(functionId: string): string {
  const role = props(functionId).Role;
  if (isObject(role) && Array.isArray(role['Fn::GetAtt'])) return String(role['Fn::GetAtt'][0]);
  throw new Error(`${functionId} role is not a role defined in this template: ${JSON.stringify(role)}`);
}

function envOf(functionId: string): Record<string, unknown> {
  const env = props(functionId).Environment;
  return isObject(env) && isObject(env.Variables) ? env.Variables : {};
}

function auditTableName(): string {
  return String(props('AuditTable').TableName);
}

/** Does a policy Resource entry point at the audit table (or could it)? */
function touchesAuditTable(res: unknown): boolean {
  if (res === '*') return true;
  const text = JSON.stringify(res);
  return text.includes('AuditTable') || text.includes(auditTableName()) || /table\/\*/.test(text);
}


/** A CloudFormation value as text, intrinsic functions left as `${...}` placeholders. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
    if (typeof getAtt === 'string') return `\${${getAtt}}`;
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub;
    if (Array.isArray(sub)) {
      const vars = isObject(sub[1]) ? sub[1] : {};
      return String(sub[0]).replace(/\$\{([\w.:]+)\}/g, (whole, name: string) => (name in vars ? asText(vars[name]) : whole));
    }
    const join = value['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(asText).join(String(join[0]));
  }
  throw new Error(`cannot read ${JSON.stringify(value)} as text`);
}

const unique = (list: string[]) => [...new Set(list)].sort();

/** The one state machine of the stack. */
/** The remediation workflow's state machine (the scan's has tests of its own, test/deploy/scan.test.ts). */
function stateMachine(): [string, Json] {
  const machine = tpl().Resources.RemediationStateMachine;
  if (machine?.Type !== 'AWS::StepFunctions::StateMachine') throw new Error('no RemediationStateMachine in the template');
  return ['RemediationStateMachine', machine.Properties ?? {}];
}

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Json;
  ResultSelector?: Record<string, string>;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Choices?: { Variable?: string; BooleanEquals?: boolean; Next: string }[];
  Default?: string;
  SecondsPath?: string;
  Next?: string;
  End?: boolean;
}

/**
 * The state machine's definition, parsed: `Definition` as is, or `DefinitionString` (a string,
 * Fn::Sub or Fn::Join) read as JSON text with placeholders; and `resolve` applying the
 * DefinitionSubstitutions (their values themselves as placeholders, e.g. `${AdvanceLambdaFunction.Arn}`).
 */
function workflow(): { asl: { StartAt: string; States: Record<string, AslState> }; resolve: (text: string) => string } {
  const [, p] = stateMachine();
  const text = p.Definition !== undefined ? JSON.stringify(p.Definition) : asText(p.DefinitionString);
  const substitutions = isObject(p.DefinitionSubstitutions) ? p.DefinitionSubstitutions : {};
  const resolve = (t: string) => t.replace(/\$\{(\w+)\}/g, (whole, name: string) => (name in substitutions ? asText(substitutions[name]) : whole));
  return { asl: JSON.parse(text) as { StartAt: string; States: Record<string, AslState> }, resolve };
}

interface AslValidation {
  isValid: boolean;
  errors: { 'Error code': string; Message: string }[];
  errorsText: (separator?: string) => string;
}
/** asl-validator 4 is CommonJS without type declarations: `module.exports = function validator(definition, options)`. */
const validateAsl = createRequire(import.meta.url)('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => AslValidation;

const PLAUSIBLE = { partition: 'aws', region: 'eu-west-1', accountId: '111111111111' } as const;

/** What Step Functions would see for a `${...}` placeholder of a definition: a plausible value of the right shape. */
function plausibleValue(value: unknown): string {
  const pseudo: Record<string, string> = { 'AWS::Partition': PLAUSIBLE.partition, 'AWS::Region': PLAUSIBLE.region, 'AWS::AccountId': PLAUSIBLE.accountId, 'AWS::URLSuffix': 'amazonaws.com' };
  const arnOf = (id: string): string => {
    const r = resource(id);
    const name = (key: string) => String(r.Properties?.[key] ?? id);
    const at = `${PLAUSIBLE.region}:${PLAUSIBLE.accountId}`;
    switch (r.Type) {
      case 'AWS::Lambda::Function':
        return `arn:${PLAUSIBLE.partition}:lambda:${at}:function:${name('FunctionName')}`;
      case 'AWS::DynamoDB::Table':
        return `arn:${PLAUSIBLE.partition}:dynamodb:${at}:table/${name('TableName')}`;
      case 'AWS::SQS::Queue':
        return `arn:${PLAUSIBLE.partition}:sqs:${at}:${name('QueueName')}`;
      default:
        throw new Error(`no plausible ARN for ${id} (${r.Type}): extend plausibleValue`);
    }
  };
  const placeholder = (name: string): string => {
    if (name in pseudo) return pseudo[name] as string;
    if (name.endsWith('.Arn')) return arnOf(name.slice(0, -'.Arn'.length));
    throw new Error(`no plausible value for \${${name}}: extend plausibleValue`);
  };
  if (typeof value === 'string') return value.replace(/\$\{([\w:.]+)\}/g, (_m, name: string) => placeholder(name));
  if (isObject(value) && typeof value.Ref === 'string') return placeholder(value.Ref);
  if (isObject(value) && Array.isArray(value['Fn::GetAtt']) && value['Fn::GetAtt'][1] === 'Arn') return arnOf(String(value['Fn::GetAtt'][0]));
  return plausibleValue(asText(value));
}

/**
 * A state machine's definition as Step Functions would receive it: `Definition`, or
 * `DefinitionString` (a string, Fn::Sub or Fn::Join), with every DefinitionSubstitutions and
 * Fn::Sub placeholder replaced by a plausible value (a Lambda ARN for a function's Arn, ...).
 */
function deployedDefinition(p: Json): Json {
  const text = p.Definition !== undefined ? JSON.stringify(p.Definition) : asText(p.DefinitionString);
  const substitutions = isObject(p.DefinitionSubstitutions) ? p.DefinitionSubstitutions : {};
  const resolved = text.replace(/\$\{([\w:.]+)\}/g, (whole, name: string) => (name in substitutions ? plausibleValue(substitutions[name]) : plausibleValue(whole)));
  return JSON.parse(resolved) as Json;
}

/** Role logical ID from `Fn::GetAtt [Role, Arn]`. */
function roleOf(value: unknown): string {
  if (isObject(value) && Array.isArray(value['Fn::GetAtt'])) return String(value['Fn::GetAtt'][0]);
  throw new Error(`not a role of this template: ${JSON.stringify(value)}`);
}

/**
 * Actions a role allows on each table, by table ("audit" / "state", and "audit index" for its
 * indexes, `${AuditTable.Arn}/index/*`); any other DynamoDB resource fails.
 */
function tableActions(roleId: string): Record<string, string[]> {
  const byTable: Record<string, string[]> = {};
  for (const s of roleStatements(roleId)) {
    const actions = actionsOf(s).filter((a) => a.startsWith('dynamodb:'));
    if (actions.length === 0) continue;
    for (const res of resourcesOf(s)) {
      const text = JSON.stringify(res);
      const table = text.includes('AuditTable') ? 'audit' : text.includes('StateTable') ? 'state' : text.includes('SnapshotTable') ? 'snapshots' : undefined;
      const index = /\/index\//.test(text);
      if (!table || (index && asText(res) !== `\${${table === 'audit' ? 'AuditTable' : 'StateTable'}.Arn}/index/*`)) throw new Error(`${roleId} ${s.Sid}: DynamoDB actions on ${text}`);
      const key = index ? `${table} index` : table;
      byTable[key] = unique([...(byTable[key] ?? []), ...actions]);
    }
  }
  return byTable;
}

/** The table (logical ID) with a secondary index of this name; exactly one must have it. */
function tableWithIndex(indexName: string): string {
  const indexes = (p: Json | undefined) => [...asArray(p?.GlobalSecondaryIndexes as Json[] | undefined), ...asArray(p?.LocalSecondaryIndexes as Json[] | undefined)];
  const tables = ofType('AWS::DynamoDB::Table').filter(([, r]) => indexes(r.Properties).some((i) => i.IndexName === indexName));
  if (tables.length !== 1) throw new Error(`index ${indexName} is on ${tables.length} tables of the template: ${tables.map(([id]) => id).join(', ') || 'none'}`);
  return (tables[0] as [string, CfnResource])[0];
}

describe('functions', () => {
  it('has the slack HTTP function behind an HTTP API route POST /slack/events', () => {
    expect(resource('SlackLambdaFunction').Type).toBe('AWS::Lambda::Function');
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties?.RouteKey === 'POST /slack/events');
    expect(routes).toHaveLength(1);
    const target = JSON.stringify(routes[0]?.[1].Properties?.Target);
    const integrationId = /"Ref":"(\w+)"/.exec(target)?.[1];
    expect(integrationId, `route target ${target}`).toBeDefined();
    expect(props(integrationId ?? '').IntegrationUri).toEqual({ 'Fn::GetAtt': ['SlackLambdaFunction', 'Arn'] });
    // Nothing else is exposed over HTTP.
    expect(ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.RouteKey)).toEqual(['POST /slack/events']);
    expect(ofType('AWS::ApiGateway::RestApi')).toHaveLength(0);
    expect(ofType('AWS::Lambda::Url')).toHaveLength(0);
  });

  it('has the worker, invoked asynchronously without retries and with a failure destination', () => {
    expect(resource('WorkerLambdaFunction').Type).toBe('AWS::Lambda::Function');
    const [, invokeConfig] = ofType('AWS::Lambda::EventInvokeConfig').find(([, r]) =>
      JSON.stringify(r.Properties?.FunctionName).includes('WorkerLambdaFunction'),
    ) ?? [undefined, undefined];
    expect(invokeConfig?.Properties?.MaximumRetryAttempts).toBe(0);
    expect(JSON.stringify(invokeConfig?.Properties?.DestinationConfig)).toContain('WorkerFailureQueue');
    // No event source mapping: the slack function and the sweep's schedule start it.
    expect(ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(0);
  });

  it.each(Object.entries(FUNCTIONS))('gives the %s function the metrics namespace its EMF lines are published in', (_name, id) => {
    expect(envOf(id).POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    // EMF goes through the function's log group: no cloudwatch:PutMetricData is needed, or granted.
    expect(roleStatements(functionRole(id)).flatMap((st) => asArray(st.Action))).not.toContain('cloudwatch:PutMetricData');
  });

  it('sweeps expired requests every 15 minutes with a schedule that invokes the worker with a job it accepts', () => {
    // The schedules (the drift rules match events, see below).
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => r.Properties?.ScheduleExpression !== undefined);
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0]!;
    expect(rule.Properties?.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Properties?.State).toBe('ENABLED');
    const targets = rule.Properties?.Targets as Json[];
    expect(targets).toHaveLength(1);
    expect(JSON.stringify(targets[0]!.Arn)).toContain('WorkerLambdaFunction');
    expect(workerJobSchema.safeParse(JSON.parse(String(targets[0]!.Input))).data).toEqual({ kind: 'sweep' });
    // EventBridge may invoke the worker for this rule only; nothing else may.
    const permissions = ofType('AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(r.Properties?.FunctionName).includes('Worker'));
    expect(permissions).toHaveLength(1);
    expect(permissions[0]![1].Properties?.Principal).toBe('events.amazonaws.com');
    expect(JSON.stringify(permissions[0]![1].Properties?.SourceArn)).toContain(ruleId);
  });

  it('has the advance function, started by the state machine only', () => {
    expect(props('AdvanceLambdaFunction')).toMatchObject({
      Handler: 'src/handlers/advance.handler',
      FunctionName: `glue-encrypt-${STAGE}-advance`,
    });
    // No event source, URL, route or async configuration: its only caller is the state machine,
    // through the state machine role's lambda:InvokeFunction.
    const mentions = (type: string) => ofType(type).filter(([, r]) => JSON.stringify(r.Properties ?? {}).includes('AdvanceLambdaFunction'));
    expect(mentions('AWS::Lambda::Permission')).toHaveLength(0);
    expect(mentions('AWS::Lambda::EventInvokeConfig')).toHaveLength(0);
    expect(mentions('AWS::ApiGatewayV2::Integration')).toHaveLength(0);
  });

  it('runs every function on nodejs22.x / arm64 with its own role', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(['AdvanceLambdaFunction', 'DigestLambdaFunction', 'DriftLambdaFunction', 'ScanLambdaFunction', 'SlackLambdaFunction', 'WorkerLambdaFunction']);
    for (const [id, r] of functions) {
      expect(r.Properties?.Runtime, id).toBe('nodejs22.x');
      expect(r.Properties?.Architectures, id).toEqual(['arm64']);
    }
    expect(functionRole('SlackLambdaFunction')).toBe('SlackRole');
    expect(functionRole('WorkerLambdaFunction')).toBe('WorkerRole');
    expect(functionRole('AdvanceLambdaFunction')).toBe('AdvanceRole');
    expect(functionRole('ScanLambdaFunction')).toBe('ScanRole');
    expect(functionRole('DigestLambdaFunction')).toBe('DigestRole');
    expect(functionRole('DriftLambdaFunction')).toBe('DriftRole');
    // osls's shared default role must not exist: every function has a purpose-built one.
    expect(tpl().Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('sets the documented timeouts and memory', () => {
    expect(props('SlackLambdaFunction')).toMatchObject({ Timeout: 10, MemorySize: 512 });
    expect(props('WorkerLambdaFunction')).toMatchObject({ Timeout: 300, MemorySize: 1024 });
    expect(props('AdvanceLambdaFunction')).toMatchObject({ Timeout: 120, MemorySize: 512 });
    expect(props('ScanLambdaFunction')).toMatchObject({ Timeout: 300, MemorySize: 1024 });
    expect(props('DigestLambdaFunction')).toMatchObject({ Timeout: 900, MemorySize: 512 });
  });

  it('gives the functions the settings they read, by name, and the worker no signing secret', () => {
    const common = [
      'SLACK_BOT_TOKEN_PARAM',
      'GLUE_ENCRYPT_WORKER_FUNCTION',
      'GLUE_ENCRYPT_AUDIT_TABLE',
      'GLUE_ENCRYPT_STATE_TABLE',
      'GLUE_ENCRYPT_REGIONS',
      'GLUE_ENCRYPT_ACCOUNTS',
      'GLUE_ENCRYPT_ROLE_NAME',
      'GLUE_ENCRYPT_FINDINGS_CHANNEL',
      'SLACK_TEAM_ID',
      'POWERTOOLS_SERVICE_NAME',
      'NODE_OPTIONS',
    ];
    const slack = envOf('SlackLambdaFunction');
    const worker = envOf('WorkerLambdaFunction');
    for (const name of [...common, 'SLACK_SIGNING_SECRET_PARAM']) expect(slack, name).toHaveProperty(name);
    for (const name of common) expect(worker, name).toHaveProperty(name);
    expect(worker).not.toHaveProperty('SLACK_SIGNING_SECRET_PARAM');
    expect(envOf('AdvanceLambdaFunction')).not.toHaveProperty('SLACK_SIGNING_SECRET_PARAM');
    expect(slack.GLUE_ENCRYPT_WORKER_FUNCTION).toBe(props('WorkerLambdaFunction').FunctionName);
    expect(slack.GLUE_ENCRYPT_AUDIT_TABLE).toEqual({ Ref: 'AuditTable' });
    expect(slack.GLUE_ENCRYPT_STATE_TABLE).toEqual({ Ref: 'StateTable' });
    expect(slack.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  // What each function's code reads (src/config.ts; empty string = unset), and who uses it:
  // slack decides approvals and starts the workflow, worker builds plans, advance runs steps.
  it.each([
    ['slack', ['GLUE_ENCRYPT_APPROVERS', 'GLUE_ENCRYPT_APPROVER_GROUP', 'GLUE_ENCRYPT_STATE_MACHINE_ARN']],
    [
      'worker',
      [
        'GLUE_ENCRYPT_REMEDIATION_ROLE_NAME',
        // A plan names its region's label bucket and checks the transform's role.
        'GLUE_ENCRYPT_LABEL_BUCKET',
        'GLUE_ENCRYPT_LABEL_BUCKETS',
        'GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN',
        'GLUE_ENCRYPT_DEFAULT_KEY',
        'GLUE_ENCRYPT_SECURITY_CONFIGURATION',
        'GLUE_ENCRYPT_STATE_MACHINE_ARN',
        // Its approval requests name who may approve and when they expire.
        'GLUE_ENCRYPT_APPROVERS',
        'GLUE_ENCRYPT_APPROVER_GROUP',
        'GLUE_ENCRYPT_APPROVAL_TTL_HOURS',
        // Checks and plans follow the policy.
        'GLUE_ENCRYPT_POLICY_LEVELS',
        'GLUE_ENCRYPT_ALLOWED_KEYS',
        'GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION',
      ],
    ],
    [
      'advance',
      [
        'SLACK_BOT_TOKEN_PARAM',
        'GLUE_ENCRYPT_AUDIT_TABLE',
        'GLUE_ENCRYPT_STATE_TABLE',
        'GLUE_ENCRYPT_REGIONS',
        'GLUE_ENCRYPT_ACCOUNTS',
        'GLUE_ENCRYPT_REMEDIATION_ROLE_NAME',
        'GLUE_ENCRYPT_POLL_SECONDS',
        'GLUE_ENCRYPT_TASK_RUN_TIMEOUT_MINUTES',
        'GLUE_ENCRYPT_DEFAULT_KEY',
        'GLUE_ENCRYPT_SECURITY_CONFIGURATION',
        'GLUE_ENCRYPT_LABEL_BUCKET',
        'GLUE_ENCRYPT_LABEL_BUCKETS',
        'GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN',
        'GLUE_ENCRYPT_POLICY_LEVELS',
        'GLUE_ENCRYPT_ALLOWED_KEYS',
        'GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION',
        'NODE_OPTIONS',
      ],
    ],
  ] as const)('gives the %s function the remediation settings it reads', (name, variables) => {
    const env = envOf(FUNCTIONS[name]);
    for (const variable of variables) expect(env, variable).toHaveProperty(variable);
  });

  it('passes the defaults documented in the README', () => {
    const advance = envOf('AdvanceLambdaFunction');
    expect(advance).toMatchObject({
      GLUE_ENCRYPT_REMEDIATION_ROLE_NAME: 'glue-encrypt-remediate',
      GLUE_ENCRYPT_DEFAULT_KEY: 'alias/glue-ml',
      GLUE_ENCRYPT_POLL_SECONDS: '60',
      GLUE_ENCRYPT_TASK_RUN_TIMEOUT_MINUTES: '120',
      GLUE_ENCRYPT_AUDIT_TABLE: { Ref: 'AuditTable' },
      GLUE_ENCRYPT_STATE_TABLE: { Ref: 'StateTable' },
    });
    expect(envOf('WorkerLambdaFunction').GLUE_ENCRYPT_REMEDIATION_ROLE_NAME).toBe('glue-encrypt-remediate');
    // Nobody can approve until approvers are configured; unset is an empty string, not a placeholder.
    expect(envOf('SlackLambdaFunction')).toMatchObject({ GLUE_ENCRYPT_APPROVERS: '', GLUE_ENCRYPT_APPROVER_GROUP: '' });
    // The worker shows the same approvers the slack function enforces.
    expect(envOf('WorkerLambdaFunction')).toMatchObject({
      GLUE_ENCRYPT_APPROVERS: '',
      GLUE_ENCRYPT_APPROVER_GROUP: '',
      GLUE_ENCRYPT_APPROVAL_TTL_HOURS: '24',
    });
    // No label bucket until one is configured; the transform role pattern of the README.
    for (const fn of ['WorkerLambdaFunction', 'AdvanceLambdaFunction']) {
      expect(envOf(fn), fn).toMatchObject({ GLUE_ENCRYPT_LABEL_BUCKET: '', GLUE_ENCRYPT_LABEL_BUCKETS: '', GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN: '*Glue*' });
    }
    // The built-in policy: no level overridden, any key allowed, task output in S3 on SSE-KMS.
    for (const fn of ['WorkerLambdaFunction', 'AdvanceLambdaFunction']) {
      expect(envOf(fn), fn).toMatchObject({ GLUE_ENCRYPT_POLICY_LEVELS: '', GLUE_ENCRYPT_ALLOWED_KEYS: '', GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION: 'SSE-KMS' });
    }
  });

  // The template's values must be ones the code accepts: a format mismatch would stop a function at start-up.
  it.each(Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[])('gives the %s function an environment loadConfig accepts', (name) => {
    const deployed: Record<string, string> = { AWS_REGION: 'eu-west-1' };
    const refs: Record<string, string> = {
      AuditTable: 'glue-encrypt-ci-audit',
      StateTable: 'glue-encrypt-ci-state',
      RemediationStateMachine: 'arn:aws:states:eu-west-1:111111111111:stateMachine:glue-encrypt-ci-remediation',
      ScanStateMachine: 'arn:aws:states:eu-west-1:111111111111:stateMachine:glue-encrypt-ci-scan',
      SnapshotTable: 'glue-encrypt-ci-snapshots',
      'AWS::AccountId': PLAUSIBLE.accountId,
    };
    for (const [key, value] of Object.entries(envOf(FUNCTIONS[name]))) {
      const ref = isObject(value) ? refs[String(value.Ref)] : undefined;
      if (typeof value !== 'string' && ref === undefined) throw new Error(`${name}: ${key} is ${JSON.stringify(value)}, which this test cannot stand in for`);
      deployed[key] = typeof value === 'string' ? value : ref!;
    }
    const remediates = Boolean(deployed.GLUE_ENCRYPT_STATE_MACHINE_ARN);
    // Without the slackTeamId param the functions that take part in approvals refuse to start, naming it.
    if (remediates) expect(() => loadConfig(deployed)).toThrow('SLACK_TEAM_ID is required when remediation is enabled');
    const config = loadConfig({ ...deployed, SLACK_TEAM_ID: 'T0123ABCD' });
    expect(config.policy.requiredS3Encryption).toBe('SSE-KMS');
    if (name !== 'slack') expect(config.remediation.defaultKey).toBe('alias/glue-ml');
    if (name === 'scan' || name === 'digest') expect(config.digests.snapshotRetentionDays).toBe(40);
    if (name === 'slack') expect(config.digests).toMatchObject({ managers: 'approvers', organizationScan: false, scanStateMachineArn: refs.ScanStateMachine });
    if (name === 'worker') expect(config.remediation.approvalTtlHours).toBe(24);
    // The Accept-risk form is checked by the slack function, with the README's default maximum.
    if (name === 'slack') expect([envOf(FUNCTIONS.slack).GLUE_ENCRYPT_WAIVER_MAX_DAYS, config.remediation.waiverMaxDays]).toEqual(['90', 90]);
    // The slack function knows its own account, to refuse a command naming one it does not read.
    if (name === 'slack') expect(config.scope.homeAccountId).toBe(PLAUSIBLE.accountId);
  });

  it('passes the policy, approver and TTL params through to the code in the formats it reads', () => {
    const worker = envOf('WorkerLambdaFunction');
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(worker).filter((e): e is [string, string] => typeof e[1] === 'string')),
      // As `--param="policyLevels=..."` etc. would set them.
      GLUE_ENCRYPT_POLICY_LEVELS: 'KMS_KEY_AWS_MANAGED=warn,KMS_KEY_ROTATION_OFF=fail',
      GLUE_ENCRYPT_ALLOWED_KEYS: 'alias/glue-ml,arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION: 'SSE-S3',
      GLUE_ENCRYPT_APPROVAL_TTL_HOURS: '8',
      GLUE_ENCRYPT_APPROVERS: 'U0123ABCD,U0456EFGH',
      GLUE_ENCRYPT_APPROVER_GROUP: 'S0123ABCD',
    });
    expect(config.policy.levels).toMatchObject({ KMS_KEY_AWS_MANAGED: 'warn', KMS_KEY_ROTATION_OFF: 'fail' });
    expect(config.policy.allowedKeys).toHaveLength(2);
    expect(config.policy.requiredS3Encryption).toBe('SSE-S3');
    expect(config.remediation).toMatchObject({ approvalTtlHours: 8, approvers: ['U0123ABCD', 'U0456EFGH'], approverGroup: 'S0123ABCD' });
  });

  it('passes the label bucket and transform role params through to the code in the formats it reads', () => {
    for (const fn of ['WorkerLambdaFunction', 'AdvanceLambdaFunction']) {
      const env = envOf(fn);
      const config = loadConfig({
        ...Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string')),
        SLACK_TEAM_ID: 'T0123ABCD',
        // As `--param="regions=..."`, `--param="labelBucket=..."` etc. would set them.
        GLUE_ENCRYPT_REGIONS: 'eu-west-1,eu-central-1,us-east-1',
        GLUE_ENCRYPT_LABEL_BUCKET: 'glue-labels-{accountId}-{region}',
        GLUE_ENCRYPT_LABEL_BUCKETS: 'eu-west-1=labels-eu,us-east-1=labels-us',
        GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN: 'AWSGlueServiceRole-*',
      });
      expect(config.remediation, fn).toMatchObject({
        labelBucket: 'glue-labels-{accountId}-{region}',
        labelBuckets: { 'eu-west-1': 'labels-eu', 'us-east-1': 'labels-us' },
        transformRolePattern: 'AWSGlueServiceRole-*',
      });
    }
  });

  it('gives the worker the transform role pattern the advance role may pass to Glue', () => {
    const pattern = envOf('WorkerLambdaFunction').GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN;
    expect(envOf('AdvanceLambdaFunction').GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN).toBe(pattern);
    const pass = roleStatements('AdvanceRole').filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(pass.flatMap(resourcesOf).map(asText)).toEqual([`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${String(pattern)}`]);
  });

  it('gives the slack and worker functions the state machine ARN', () => {
    const [machine] = stateMachine();
    for (const id of ['SlackLambdaFunction', 'WorkerLambdaFunction']) {
      // A Ref of a state machine is its ARN.
      expect(envOf(id).GLUE_ENCRYPT_STATE_MACHINE_ARN, id).toEqual({ Ref: machine });
    }
    expect(envOf('AdvanceLambdaFunction')).not.toHaveProperty('GLUE_ENCRYPT_STATE_MACHINE_ARN');
    // Digests put Remediate buttons on failures only where the workflow exists, like checks.
    expect(envOf('DigestLambdaFunction').GLUE_ENCRYPT_STATE_MACHINE_ARN).toEqual({ Ref: machine });
  });
});

describe('secrets', () => {
  it('passes SSM parameter names, never secret values, in the environment', () => {
    for (const id of Object.values(FUNCTIONS)) {
      const env = envOf(id);
      // Plain-value variables (what Bolt reads locally) must never be set on Lambda.
      expect(env, id).not.toHaveProperty('SLACK_SIGNING_SECRET');
      expect(env, id).not.toHaveProperty('SLACK_BOT_TOKEN');
      for (const [name, value] of Object.entries(env)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        expect(text, `${id} ${name}`).not.toMatch(/xox[abpors]-|xapp-/i);
        expect(text, `${id} ${name}`).not.toMatch(/^[0-9a-f]{32}$/i); // the shape of a Slack signing secret
        if (name.endsWith('_PARAM')) expect(text, `${id} ${name}`).toMatch(/^\/glue-encrypt\/[\w-]+\/slack-[\w-]+$/);
      }
    }
  });

  it('has no Slack token or signing secret anywhere in the template', () => {
    const text = JSON.stringify(tpl());
    expect(text).not.toMatch(/xox[abpors]-[0-9A-Za-z-]+/);
    expect(text).not.toMatch(/"[0-9a-f]{32}"/);
  });
});

describe('IAM', () => {
  it('allows no wildcard action anywhere', () => {
    const allows = allStatements().filter((f) => f.statement.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const { owner, statement } of allows) {
      expect(statement.NotAction, `${owner} ${statement.Sid}`).toBeUndefined();
      for (const action of actionsOf(statement)) {
        // `*`, `service:*`, `service:Get*`, `service:*Item` ...: every action is spelled out.
        expect(action, `${owner} ${statement.Sid}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      }
    }
  });

  it('uses a `*` resource only for actions that have no resource type', () => {
    for (const { owner, ownerType, statement } of allStatements()) {
      if (statement.Effect !== 'Allow' || !ownerType.startsWith('AWS::IAM::')) continue;
      expect(statement.NotResource, `${owner} ${statement.Sid}`).toBeUndefined();
      if (resourcesOf(statement).includes('*')) {
        for (const action of actionsOf(statement)) {
          expect(STAR_RESOURCE_ALLOWED.has(action), `${owner} ${statement.Sid}: ${action} on "*"`).toBe(true);
        }
      }
    }
  });

  it('keeps every ARN in this account, except the member-account roles', () => {
    for (const { owner, ownerType, statement } of allStatements()) {
      if (statement.Effect !== 'Allow' || !ownerType.startsWith('AWS::IAM::')) continue;
      for (const res of resourcesOf(statement)) {
        if (res === '*' || !isObject(res) || typeof res['Fn::Sub'] !== 'string') continue; // GetAtt/Ref: in this stack
        const arn = res['Fn::Sub'];
        if (/^\$\{\w+\.Arn\}/.test(arn)) continue; // built on a resource of this stack
        if (arn.startsWith('arn:${AWS::Partition}:s3:::')) {
          // Bucket ARNs have no account (the label buckets, when configured: test/deploy/labelBuckets.test.ts).
          expect(actionsOf(statement).every((a) => a.startsWith('s3:')), `${owner} ${statement.Sid}`).toBe(true);
        } else if (arn.startsWith('arn:${AWS::Partition}:iam::*:role/')) {
          expect(actionsOf(statement), `${owner} ${statement.Sid}`).toEqual(['sts:AssumeRole']);
          expect(arn, `${owner} ${statement.Sid}`).toMatch(/:role\/[\w+=,.@-]+$/); // one named role, not role/*
        } else {
          expect(arn, `${owner} ${statement.Sid}`).toContain('${AWS::AccountId}');
        }
      }
    }
  });

  it('gives the slack role no Glue, KMS read or STS access, and KMS decrypt only through SSM', () => {
    const statements = roleStatements('SlackRole');
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('glue:') || a.startsWith('sts:'))).toEqual([]);
    expect(actions.filter((a) => KMS_READ.includes(a))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('kms:') && a !== 'kms:Decrypt')).toEqual([]);
    for (const s of statements.filter((st) => actionsOf(st).includes('kms:Decrypt'))) {
      expect(JSON.stringify(s.Condition?.StringEquals?.['kms:ViaService'])).toContain('ssm.${AWS::Region}.amazonaws.com');
    }
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0]?.Resource)).toMatch(new RegExp(`function:${String(props('WorkerLambdaFunction').FunctionName)}"`));
  });

  it('lets the slack role start the remediation and scan state machines, look at remediation executions, and nothing else', () => {
    const [, machineProps] = stateMachine();
    const statements = roleStatements('SlackRole').filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
    expect(statements).toHaveLength(3);
    const starts = statements.filter((s) => actionsOf(s).includes('states:StartExecution'));
    const machineArn = (name: string) => `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${name}`;
    const arn = machineArn(String(machineProps.StateMachineName));
    expect(starts.flatMap((s) => resourcesOf(s).map(asText)).sort()).toEqual([arn, machineArn(`glue-encrypt-${STAGE}-scan`)].sort());
    for (const start of starts) expect(actionsOf(start)).toEqual(['states:StartExecution']);
    const describe = statements.find((s) => actionsOf(s).includes('states:DescribeExecution')) as Statement;
    expect(actionsOf(describe)).toEqual(['states:DescribeExecution']);
    const executions = `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${String(machineProps.StateMachineName)}:*`;
    expect(resourcesOf(describe).map(asText)).toEqual([executions]);
    // Nobody else starts executions: the worker plans, the state machine runs, the slack function
    // approves; the scan's schedule starts the scan, whose Distributed Map starts its own children.
    const starters = allStatements().filter((f) => f.statement.Effect === 'Allow' && actionsOf(f.statement).some((a) => a.startsWith('states:')));
    expect(unique(starters.map((f) => f.owner)).sort()).toEqual(['ScanScheduleRole', 'ScanStateMachineRole', 'SlackRole']);
  });

  it.each([
    // Approve / Reject: get and conditionally put the request and the lock, delete the lock when
    // a start is refused; refusals and decisions are audited.
    // subscribe / unsubscribe / subscriptions: query, put and delete subscription items.
    ['SlackRole', { state: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], audit: ['dynamodb:PutItem'] }],
    // Plans and status: create, index and save requests, list in-flight ones; history reads the audit trail.
    // The Home tab reads the newest scan's snapshot; /glue-encrypt report reads the audit trail by day.
    ['WorkerRole', { state: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], audit: ['dynamodb:PutItem', 'dynamodb:Query'], 'audit index': ['dynamodb:Query'], snapshots: ['dynamodb:GetItem', 'dynamodb:Query'] }],
    // Steps: read and checkpoint the remediation, release the lock at the end, one audit event per step.
    ['AdvanceRole', { state: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], audit: ['dynamodb:PutItem'] }],
  ])('gives %s exactly the DynamoDB actions its code uses', (role, expected) => {
    expect(tableActions(role)).toEqual(expected);
  });

  // A Query with IndexName is authorised on the index (`table/NAME/index/INDEX`), not the table:
  // read from the code which functions can make one, and hold their roles to it.
  it('finds the DynamoDB index queries in src/, each on an index of one table of the stack', () => {
    const queries = indexQueries();
    // The reading finds something: the audit trail's events of one day (AuditLog.allOfDay, index byTime).
    expect(queries.map((q) => `${q.module} ${q.inFunction} ${q.indexName}`)).toContain('src/audit/auditLog.ts allOfDay byTime');
    for (const q of queries) expect(tableWithIndex(q.indexName), q.at).toMatch(/Table$/);
    // And it follows calls to the functions that bundle the callers: the worker's history
    // (src/slack/remediationJobs.ts) reads a transform's trail with AuditLog.forTransform.
    expect(modulesCalling('src/audit/auditLog.ts', 'forTransform')).toContain('src/slack/remediationJobs.ts');
    expect(functionsBundling('src/slack/remediationJobs.ts')).toEqual(['worker']);
  });

  it('lets exactly the functions whose code can make an index query run dynamodb:Query on that index', () => {
    const needed = new Map<string, Set<string>>(Object.values(FUNCTIONS).map((fn) => [functionRole(fn), new Set<string>()]));
    const why: string[] = [];
    for (const q of indexQueries()) {
      const table = tableWithIndex(q.indexName);
      for (const caller of modulesCalling(q.module, q.inFunction)) {
        for (const name of functionsBundling(caller)) {
          needed.get(functionRole(FUNCTIONS[name]))?.add(`\${${table}.Arn}/index/*`);
          why.push(`${name}: ${caller} calls ${q.inFunction} (${q.at}, index ${q.indexName})`);
        }
      }
    }
    console.log(`index queries reached: ${why.join('; ') || 'none (no handler calls them)'}`);
    for (const [role, arns] of needed) {
      const statements = roleStatements(role);
      const onIndexes = statements.flatMap((s) => resourcesOf(s).map(asText).filter((r) => r.includes('/index/')).map((r) => [r, actionsOf(s)] as const));
      expect(unique(onIndexes.map(([r]) => r)), `${role}: index ARNs`).toEqual(unique([...arns]));
      for (const [r, actions] of onIndexes) expect(actions, `${role} on ${r}`).toEqual(['dynamodb:Query']);
    }
  });

  it('lets roles delete only lock, open-request claim and subscription items from the state table', () => {
    const deletes = allStatements().filter((f) => f.statement.Effect === 'Allow' && actionsOf(f.statement).includes('dynamodb:DeleteItem'));
    expect(deletes.length).toBeGreaterThan(0);
    for (const { owner, statement } of deletes) {
      expect(actionsOf(statement), `${owner} ${statement.Sid}`).toEqual(['dynamodb:DeleteItem']);
      expect(resourcesOf(statement), `${owner} ${statement.Sid}`).toEqual([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]);
      const keys = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[] | undefined;
      expect(keys, `${owner} ${statement.Sid}`).toBeDefined();
      expect(keys!.every((k) => k === 'LOCK#*' || k === 'REQUEST#*' || k === 'SUBSCRIPTIONS'), `${owner} ${statement.Sid}`).toBe(true);
    }
  });

  it('gives the advance role exactly the Glue actions the workflow calls', () => {
    const statements = roleStatements('AdvanceRole');
    expect(unique(statements.flatMap(actionsOf).filter((a) => a.startsWith('glue:')))).toEqual(unique(WORKFLOW_GLUE_ACTIONS));
    for (const s of statements) {
      for (const action of actionsOf(s).filter((a) => a.startsWith('glue:') && !STAR_RESOURCE_ALLOWED.has(a))) {
        // Everything that can be scoped is scoped to this account's ML transforms.
        expect(resourcesOf(s).map(asText), `${s.Sid} ${action}`).toEqual(['arn:${AWS::Partition}:glue:*:${AWS::AccountId}:mlTransform/*']);
      }
    }
    // CreateMLTransform cannot be scoped by resource: only requests tagged as the bot's own.
    const create = statements.find((s) => actionsOf(s).includes('glue:CreateMLTransform'));
    expect(create?.Condition?.Null?.['aws:RequestTag/glue-encrypt:remediation-id']).toBe('false');
  });

  it('lets only the advance role pass a role, only Glue transform roles of this account, only to Glue', () => {
    const passers = allStatements().filter((f) => f.statement.Effect === 'Allow' && actionsOf(f.statement).includes('iam:PassRole'));
    expect(passers.map((f) => f.owner)).toEqual(['AdvanceRole']);
    const { statement } = passers[0] as FoundStatement;
    expect(actionsOf(statement)).toEqual(['iam:PassRole']);
    expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } });
    const arns = resourcesOf(statement).map(asText);
    expect(arns).toHaveLength(1);
    expect(arns[0]).toMatch(/^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/\S+$/);
    expect(arns[0], 'a name pattern, not every role').not.toMatch(/:role\/\*$/);
  });

  it('gives the advance role KMS DescribeKey, STS on the remediation role only, and no other service', () => {
    const statements = roleStatements('AdvanceRole');
    const actions = unique(statements.flatMap(actionsOf));
    expect(unique(actions.map((a) => a.split(':')[0] ?? ''))).toEqual(['dynamodb', 'glue', 'iam', 'kms', 'logs', 'ssm', 'sts']);
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    const sts = statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'));
    expect(sts.flatMap(resourcesOf).map(asText)).toEqual([`arn:\${AWS::Partition}:iam::*:role/${String(envOf('AdvanceLambdaFunction').GLUE_ENCRYPT_REMEDIATION_ROLE_NAME)}`]);
  });

  it('gives the worker read-only Glue and KMS access', () => {
    const actions = roleStatements('WorkerRole').flatMap(actionsOf);
    const glue = actions.filter((a) => a.startsWith('glue:'));
    expect(glue.length).toBeGreaterThan(0);
    for (const a of glue) expect(a, a).toMatch(/^glue:Get[A-Za-z]+$/);
    for (const a of actions.filter((x) => x.startsWith('kms:'))) {
      expect(['kms:Decrypt', ...KMS_READ], a).toContain(a);
    }
  });

  it('grants glue:GetTags on `*`, alone in a statement, to exactly the roles whose code calls it', () => {
    const callers = functionsSending('GetTagsCommand');
    // The detector finds something: plans snapshot a transform's tags, the workflow reads them.
    expect(callers).toEqual(expect.arrayContaining(['worker', 'advance']));
    for (const [name, fn] of Object.entries(FUNCTIONS)) {
      const role = functionRole(fn);
      const statements = roleStatements(role).filter((s) => actionsOf(s).includes('glue:GetTags'));
      if (!(callers as string[]).includes(name)) {
        expect(statements, `${role}: its code never calls GetTags`).toEqual([]);
        continue;
      }
      expect(statements, role).toHaveLength(1);
      const [statement] = statements as [Statement];
      expect(actionsOf(statement), role).toEqual(['glue:GetTags']);
      expect(resourcesOf(statement), role).toEqual(['*']);
      expect(statement.Condition, role).toBeUndefined();
    }
  });

  it.each(Object.entries(COMMAND_ACTIONS))('lets every function whose code sends %s do %s', (command, action) => {
    const senders = functionsSending(command);
    expect(senders.length, `no bundled module sends ${command}`).toBeGreaterThan(0);
    for (const name of senders) {
      const role = functionRole(FUNCTIONS[name]);
      expect(roleStatements(role).filter((st) => st.Effect === 'Allow').flatMap(actionsOf), role).toContain(action);
    }
  });

  it('lets the worker read key policies and simulate transform roles at plan time, nothing more of IAM', () => {
    const statements = roleStatements('WorkerRole');
    const on = (action: string) => statements.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf).map(asText);
    expect(on('kms:GetKeyPolicy')).toEqual(['arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*']);
    // Only the roles the workflow may pass to Glue: the same pattern as the advance role's iam:PassRole.
    const pattern = String(envOf('WorkerLambdaFunction').GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN);
    expect(on('iam:SimulatePrincipalPolicy')).toEqual([`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${pattern}`]);
    expect(unique(statements.flatMap(actionsOf).filter((a) => a.startsWith('iam:')))).toEqual(['iam:SimulatePrincipalPolicy']);
    for (const s of statements.filter((st) => actionsOf(st).includes('iam:SimulatePrincipalPolicy'))) {
      expect(actionsOf(s), s.Sid).toEqual(['iam:SimulatePrincipalPolicy']);
    }
  });

  it('lets no role update or delete audit events', () => {
    for (const { owner, statement } of allStatements()) {
      if (statement.Effect !== 'Allow') continue;
      const writes = actionsOf(statement).filter((a) => AUDIT_WRITES_FORBIDDEN.includes(a));
      if (writes.length === 0) continue;
      for (const res of resourcesOf(statement)) {
        expect(touchesAuditTable(res), `${owner} ${statement.Sid}: ${writes.join(', ')} on ${JSON.stringify(res)}`).toBe(false);
      }
    }
  });

  it("denies update and delete on the audit table in the table's own policy", () => {
    const policy = props('AuditTable').ResourcePolicy;
    const doc = isObject(policy) ? policy.PolicyDocument : undefined;
    const statements = isObject(doc) ? asArray(doc.Statement as Statement | Statement[]) : [];
    const deny = statements.find((s) => s.Effect === 'Deny' && s.Principal === '*');
    expect(deny).toBeDefined();
    expect(actionsOf(deny as Statement)).toEqual(expect.arrayContaining(AUDIT_WRITES_FORBIDDEN));
  });
});


describe('remediation workflow', () => {
  it('is a Standard state machine named glue-encrypt-<stage>-remediation', () => {
    const [, p] = stateMachine();
    expect(p.StateMachineName).toBe(`glue-encrypt-${STAGE}-remediation`);
    expect(p.StateMachineType ?? 'STANDARD').toBe('STANDARD');
  });

  it('loops Advance -> done? -> Wait(waitSeconds) -> Advance until done, then succeeds', () => {
    const { asl, resolve } = workflow();
    const states = asl.States;
    const state = (name: string | undefined): AslState => {
      const found = name === undefined ? undefined : states[name];
      if (!found) throw new Error(`state ${name} is not defined`);
      return found;
    };

    // Advance: the advance function through the Lambda integration, with the remediation id only.
    const advance = state(asl.StartAt);
    expect(advance.Type).toBe('Task');
    expect(resolve(advance.Resource ?? '')).toMatch(/^arn:(\$\{AWS::Partition\}|aws[\w-]*):states:::lambda:invoke$/);
    const functionName = resolve(String(advance.Parameters?.FunctionName));
    expect(['${AdvanceLambdaFunction.Arn}', '${AdvanceLambdaFunction}'].includes(functionName) || functionName.endsWith(`function:glue-encrypt-${STAGE}-advance`), functionName).toBe(true);
    expect(advance.Parameters?.Payload).toEqual({ 'remediationId.$': '$.remediationId' });

    // Its result keeps the id and brings done / waitSeconds where the loop reads them.
    expect(advance.ResultSelector).toMatchObject({ 'done.$': '$.Payload.done', 'waitSeconds.$': '$.Payload.waitSeconds' });
    const resultAt = advance.ResultPath ?? '$';
    expect(resultAt).not.toBeNull();
    const at = (field: string) => (resultAt === '$' ? `$.${field}` : `${resultAt}.${field}`);
    // Replacing the whole state is fine only because the handler echoes remediationId.
    if (resultAt === '$') expect(advance.ResultSelector?.['remediationId.$']).toBe('$.Payload.remediationId');

    const choice = state(advance.Next);
    expect(choice.Type).toBe('Choice');
    const doneRule = choice.Choices?.find((c) => c.Variable === at('done') && c.BooleanEquals === true);
    expect(doneRule, JSON.stringify(choice.Choices)).toBeDefined();
    expect(state(doneRule?.Next).Type).toBe('Succeed');

    const wait = state(choice.Default);
    expect(wait.Type).toBe('Wait');
    expect(wait.SecondsPath).toBe(at('waitSeconds'));
    expect(wait.Next).toBe(asl.StartAt);

    // When Advance fails for good, its Catch goes to Abort: the same function, told to abort
    // with the error, back into the loop (a rollback still has steps to run); Abort failing in
    // turn ends the execution as failed. No failure is ever caught into success.
    const caught = advance.Catch ?? [];
    expect(caught.map((c) => c.ErrorEquals)).toEqual([['States.ALL']]);
    const abortState = state(caught[0]?.Next);
    expect(abortState.Type).toBe('Task');
    expect(resolve(String(abortState.Parameters?.FunctionName))).toBe(functionName);
    expect(abortState.Parameters?.Payload).toMatchObject({ 'remediationId.$': '$.remediationId', abort: true });
    expect(abortState.Next).toBe(advance.Next);
    expect((abortState.Catch ?? []).map((c) => state(c.Next).Type)).toEqual(['Fail']);
    expect(Object.values(states).filter((s) => s.Type === 'Task')).toHaveLength(2);
    expect(Object.keys(states)).toHaveLength(6);
    for (const s of Object.values(states)) for (const c of s.Catch ?? []) expect(state(c.Next).Type).not.toBe('Succeed');
  });

  it('has only state machines whose definitions are valid Amazon States Language (asl-validator)', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThan(0);
    for (const [id, r] of machines) {
      const definition = deployedDefinition(r.Properties ?? {});
      expect(JSON.stringify(definition), id).not.toContain('${');
      const result = validateAsl(definition);
      expect(result.errorsText('\n'), id).toBe('');
      expect(result.isValid, id).toBe(true);
    }
  });

  it('would catch a broken definition: a transition to no state, an unresolved placeholder', () => {
    const [, p] = stateMachine();
    const broken = deployedDefinition(p) as { StartAt: string; States: Record<string, AslState> };
    const first = broken.States[broken.StartAt] as AslState;
    expect(first.Next).toBeDefined();
    first.Next = 'NoSuchState';
    const result = validateAsl(broken);
    expect(result.isValid).toBe(false);
    expect(result.errors.map((e) => e['Error code'])).toContain('MISSING_TRANSITION_TARGET');
    expect(result.errorsText()).toContain('NoSuchState');
    // The placeholders matter: left as they are in the template, the Resource is not an ARN.
    const raw = JSON.parse(JSON.stringify(p.Definition ?? {})) as Json;
    expect(JSON.stringify(raw)).toContain('${');
    expect(validateAsl(raw).isValid).toBe(false);
  });

  it('retries the advance task on Lambda service errors, throttling and timeouts, with backoff', () => {
    const { asl } = workflow();
    const advance = asl.States[asl.StartAt] as AslState;
    const retried = (advance.Retry ?? []).flatMap((r) => r.ErrorEquals);
    expect(retried).toEqual(
      expect.arrayContaining([
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
        'States.Timeout',
      ]),
    );
    // Any other error is retried too, last and bounded (a passing DynamoDB, STS or SSM error must
    // not roll back a healthy workflow); after that the Catch hands over to Abort.
    const retriers = advance.Retry ?? [];
    expect(retriers.findIndex((r) => r.ErrorEquals.includes('States.ALL'))).toBe(retriers.length - 1);
    expect(retriers.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
    for (const r of retriers) {
      expect(r.BackoffRate ?? 2, JSON.stringify(r)).toBeGreaterThan(1);
      expect(r.MaxAttempts ?? 3, JSON.stringify(r)).toBeGreaterThanOrEqual(2);
      expect(r.MaxAttempts ?? 3, JSON.stringify(r)).toBeLessThanOrEqual(10);
    }
    // States.Timeout only happens with a task timeout, which must leave the function its own.
    expect(advance.TimeoutSeconds).toBeGreaterThan(Number(props('AdvanceLambdaFunction').Timeout));
  });

  it('runs with a role that can only invoke the advance function', () => {
    const [, p] = stateMachine();
    const role = roleOf(p.RoleArn);
    const trust = asArray((props(role).AssumeRolePolicyDocument as { Statement: Statement | Statement[] }).Statement);
    expect(trust.map((t) => [t.Effect, t.Principal, t.Action])).toEqual([['Allow', { Service: 'states.amazonaws.com' }, 'sts:AssumeRole']]);
    expect(props(role).ManagedPolicyArns).toBeUndefined();
    const statements = roleStatements(role);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(actionsOf(s)).toEqual(['lambda:InvokeFunction']);
      for (const res of resourcesOf(s)) {
        // The function, or its versions and aliases.
        expect(asText(res)).toMatch(new RegExp(`:function:glue-encrypt-${STAGE}-advance(:\\*)?$`));
      }
    }
    // And nothing else may invoke it.
    const invokers = allStatements().filter(
      (f) => f.statement.Effect === 'Allow' && actionsOf(f.statement).includes('lambda:InvokeFunction') && JSON.stringify(f.statement.Resource).includes('-advance'),
    );
    expect(unique(invokers.map((f) => f.owner))).toEqual([role]);
  });

  it('has no circular dependency between resources (roles, functions, state machine)', () => {
    const ids = new Set(Object.keys(tpl().Resources));
    const refs = (value: unknown, out: Set<string>): Set<string> => {
      if (Array.isArray(value)) for (const v of value) refs(v, out);
      else if (isObject(value)) {
        if (typeof value.Ref === 'string' && ids.has(value.Ref)) out.add(value.Ref);
        const getAtt = value['Fn::GetAtt'];
        const target = Array.isArray(getAtt) ? String(getAtt[0]) : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
        if (target && ids.has(target)) out.add(target);
        const sub = value['Fn::Sub'];
        const text = Array.isArray(sub) ? sub[0] : sub;
        if (typeof text === 'string') {
          for (const m of text.matchAll(/\$\{(\w+)(\.\w+)?\}/g)) if (ids.has(m[1] as string)) out.add(m[1] as string);
        }
        for (const v of Object.values(value)) refs(v, out);
      }
      return out;
    };
    const deps = new Map<string, Set<string>>();
    for (const [id, r] of Object.entries(tpl().Resources)) {
      const out = refs(r.Properties ?? {}, new Set());
      for (const d of asArray(r.DependsOn as string | string[] | undefined)) out.add(d);
      deps.set(id, out);
    }
    const done = new Set<string>();
    const visit = (id: string, path: string[]) => {
      if (path.includes(id)) throw new Error(`dependency cycle: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`);
      if (done.has(id)) return;
      for (const d of deps.get(id) ?? []) visit(d, [...path, id]);
      done.add(id);
    };
    for (const id of ids) visit(id, []);
    // The slack role names the state machine by ARN, not by reference (it would wait for the advance function).
    expect(deps.get('SlackRole')?.has(stateMachine()[0])).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------
// deploy/target-account-role.yml: what the bot may do in a member account.

interface YamlType {
  new (tag: string, options: { kind: 'scalar' | 'sequence' | 'mapping'; construct: (data: unknown) => unknown }): unknown;
}
interface JsYaml {
  Type: YamlType;
  DEFAULT_SCHEMA: { extend(types: unknown[]): unknown };
  load(text: string, options: { schema: unknown }): unknown;
}

let memberCached: Template | undefined;

/** The member-account template, CloudFormation short forms (!Sub, !Ref, !GetAtt) read as their long forms. */
function memberTemplate(): Template {
  if (memberCached) return memberCached;
  // js-yaml comes with the toolchain (osls, eslint); typed here to keep it out of package.json.
  const yaml = createRequire(import.meta.url)('js-yaml') as JsYaml;
  const tags = [
    ['!Sub', 'Fn::Sub'],
    ['!Ref', 'Ref'],
    ['!GetAtt', 'Fn::GetAtt'],
    ['!Join', 'Fn::Join'],
    ['!Split', 'Fn::Split'],
    ['!Not', 'Fn::Not'],
    ['!Equals', 'Fn::Equals'],
    ['!If', 'Fn::If'],
  ] as const;
  const types = tags.flatMap(([tag, fn]) =>
    (['scalar', 'sequence'] as const).map(
      (kind) => new yaml.Type(tag, { kind, construct: (data) => ({ [fn]: fn === 'Fn::GetAtt' && typeof data === 'string' ? data.split('.') : data }) }),
    ),
  );
  memberCached = yaml.load(readFileSync(MEMBER_TEMPLATE, 'utf8'), { schema: yaml.DEFAULT_SCHEMA.extend(types) }) as Template;
  return memberCached;
}

function memberRole(id: string): { props: Json; statements: Statement[]; trust: Statement[] } {
  const role = memberTemplate().Resources[id];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${id} is not a role in ${MEMBER_TEMPLATE}`);
  const p = role.Properties ?? {};
  const statements = asArray(p.Policies as Json[] | undefined).flatMap((policy) =>
    isObject(policy.PolicyDocument) ? asArray(policy.PolicyDocument.Statement as Statement | Statement[]) : [],
  );
  const trust = asArray((p.AssumeRolePolicyDocument as { Statement: Statement | Statement[] }).Statement);
  return { props: p, statements, trust };
}

function memberParameters(): Record<string, { Type: string; Default?: unknown; AllowedPattern?: string }> {
  return (memberTemplate() as unknown as { Parameters: Record<string, { Type: string; Default?: unknown; AllowedPattern?: string }> }).Parameters;
}

function parameterDefault(name: string): unknown {
  return memberParameters()[name]?.Default;
}

/**
 * A member-template value as CloudFormation would compute it (Ref, Fn::Sub, Fn::Join, Fn::Split),
 * parameters at their defaults unless given, pseudo parameters left as `${AWS::...}`. A
 * CommaDelimitedList parameter is a list.
 */
function memberValue(value: unknown, given: Record<string, string> = {}): string | string[] {
  const param = (name: string): string | string[] => {
    if (name.startsWith('AWS::')) return `\${${name}}`;
    const p = memberParameters()[name];
    if (!p) throw new Error(`no parameter ${name}`);
    const raw = name in given ? given[name] : String(p.Default ?? '');
    return p.Type === 'CommaDelimitedList' ? String(raw).split(',') : String(raw);
  };
  const text = (v: unknown): string => {
    const r = memberValue(v, given);
    if (Array.isArray(r)) throw new Error(`a list where text is needed: ${JSON.stringify(v)}`);
    return r;
  };
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(text) : asArray(memberValue(v, given)));
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    if (typeof value.Ref === 'string') return param(value.Ref);
    if (typeof value['Fn::Sub'] === 'string') {
      return value['Fn::Sub'].replace(/\$\{([\w:]+)\}/g, (_m, name: string) => {
        const v = param(name);
        if (Array.isArray(v)) throw new Error(`Fn::Sub of the list ${name}`);
        return v;
      });
    }
    const join = value['Fn::Join'];
    if (Array.isArray(join)) {
      if (typeof join[0] !== 'string') throw new Error(`Fn::Join delimiter must be a literal: ${JSON.stringify(join[0])}`);
      return list(join[1]).join(join[0]);
    }
    const split = value['Fn::Split'];
    if (Array.isArray(split)) {
      if (typeof split[0] !== 'string') throw new Error(`Fn::Split delimiter must be a literal: ${JSON.stringify(split[0])}`);
      return text(split[1]).split(split[0]);
    }
  }
  throw new Error(`cannot compute ${JSON.stringify(value)}`);
}

/** The resources a member-role statement names, computed (see memberValue). */
function memberResources(statement: Statement, given: Record<string, string> = {}): string[] {
  return resourcesOf(statement).flatMap((r) => asArray(memberValue(r, given)));
}

describe('member-account roles (deploy/target-account-role.yml)', () => {
  it('creates the read role and the remediation role under the names the bot assumes', () => {
    expect(memberRole('ReadRole').props.RoleName).toEqual({ Ref: 'RoleName' });
    expect(memberRole('RemediationRole').props.RoleName).toEqual({ Ref: 'RemediationRoleName' });
    expect(parameterDefault('RoleName')).toBe(envOf('WorkerLambdaFunction').GLUE_ENCRYPT_ROLE_NAME);
    expect(parameterDefault('RemediationRoleName')).toBe(envOf('AdvanceLambdaFunction').GLUE_ENCRYPT_REMEDIATION_ROLE_NAME);
  });

  it('lets the remediation role be assumed by the bot advance role only, by exact ARN', () => {
    const { trust } = memberRole('RemediationRole');
    expect(trust).toHaveLength(1);
    const [statement] = trust as [Statement];
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toBe('sts:AssumeRole');
    expect(statement.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${BotAccountId}:root' } });
    expect(Object.keys(statement.Condition ?? {})).toEqual(['ArnEquals']);
    const principals = asArray(statement.Condition?.ArnEquals?.['aws:PrincipalArn'] as unknown).map(asText).sort();
    expect(principals).toEqual(['arn:${AWS::Partition}:iam::${BotAccountId}:role/${BotAdvanceRoleName}']);
    // The defaults follow the bot's role names (serverless.yml: glue-encrypt-<stage>-<region>-advance / -worker).
    expect(String(parameterDefault('BotAdvanceRoleName'))).toMatch(/^glue-encrypt-[\w-]+-advance$/);
    expect(String(parameterDefault('BotRoleName'))).toMatch(/^glue-encrypt-[\w-]+-worker$/);
    // The read role is the worker's (checks, plans) and the scheduled scan's.
    const read = memberRole('ReadRole').trust;
    expect(read.flatMap((t) => asArray(t.Condition?.ArnEquals?.['aws:PrincipalArn'] as unknown).map(asText))).toEqual([
      'arn:${AWS::Partition}:iam::${BotAccountId}:role/${BotRoleName}',
      'arn:${AWS::Partition}:iam::${BotAccountId}:role/${BotScanRoleName}',
    ]);
    expect(String(parameterDefault('BotScanRoleName'))).toMatch(/^glue-encrypt-[\w-]+-scan$/);
  });

  it('gives the remediation role exactly the workflow Glue actions, and keeps the read role read-only', () => {
    const { statements } = memberRole('RemediationRole');
    const actions = unique(statements.flatMap(actionsOf));
    expect(actions.filter((a) => a.startsWith('glue:'))).toEqual(unique([...WORKFLOW_GLUE_ACTIONS]));
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual(['kms:DescribeKey']);
    expect(unique(actions.map((a) => a.split(':')[0] ?? ''))).toEqual(['glue', 'iam', 'kms', 's3']);
    expect(actions.filter((a) => a.startsWith('s3:') || a.startsWith('iam:'))).toEqual(['iam:PassRole', 's3:ListBucket']);
    const pass = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(pass).toHaveLength(1);
    expect(pass[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } });
    expect(resourcesOf(pass[0] as Statement).map(asText)).toEqual(['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${TransformRolePattern}']);
    const create = statements.find((s) => actionsOf(s).includes('glue:CreateMLTransform'));
    expect(create?.Condition?.Null?.['aws:RequestTag/glue-encrypt:remediation-id']).toBe('false');

    // Reads only: Glue and KMS Get/Describe/List, the buckets' region, a simulation of a role's policies.
    for (const a of memberRole('ReadRole').statements.flatMap(actionsOf)) {
      expect(a).toMatch(/^(glue:Get[A-Za-z]+|kms:(Describe|Get|List)[A-Za-z]+|s3:GetBucketLocation|iam:SimulatePrincipalPolicy)$/);
    }
  });

  it('lets the read role make the plan-time checks: key policies, a simulation of transform roles, label bucket regions', () => {
    const { statements } = memberRole('ReadRole');
    const on = (action: string) => statements.filter((s) => actionsOf(s).includes(action));
    expect(on('kms:GetKeyPolicy').flatMap((s) => memberResources(s))).toEqual(['arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*']);
    // The roles the remediation role may pass to Glue, and those only.
    const simulate = on('iam:SimulatePrincipalPolicy');
    expect(simulate.map(actionsOf)).toEqual([['iam:SimulatePrincipalPolicy']]);
    expect(simulate.flatMap((s) => memberResources(s))).toEqual(['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*Glue*']);
    expect(simulate.map((s) => s.Resource)).toEqual(memberRole('RemediationRole').statements.filter((s) => actionsOf(s).includes('iam:PassRole')).map((s) => s.Resource));
    expect(parameterDefault('TransformRolePattern')).toBe(envOf('WorkerLambdaFunction').GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN);
    const location = on('s3:GetBucketLocation');
    expect(location.map(actionsOf)).toEqual([['s3:GetBucketLocation']]);
    expect(location[0]?.Condition).toBeUndefined();
    expect(memberResources(location[0] as Statement)).toEqual(['arn:*:s3:::glue-encrypt-labels-*']);
  });

  it('lets the remediation role list the label buckets under glue-encrypt/ only', () => {
    const list = memberRole('RemediationRole').statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(list.map(actionsOf)).toEqual([['s3:ListBucket']]);
    const [statement] = list as [Statement];
    expect(statement.Condition).toEqual({ StringLike: { 's3:prefix': ['glue-encrypt/*'] } });
    expect(memberResources(statement)).toEqual(['arn:*:s3:::glue-encrypt-labels-*']);
  });

  it('names every bucket of LabelBucketNames, and those only, in both roles', () => {
    const parameter = memberParameters().LabelBucketNames;
    expect(parameter).toMatchObject({ Type: 'CommaDelimitedList', Default: 'glue-encrypt-labels-*' });
    // Each entry is a bucket name or an IAM pattern: no ARN, no path, no space, not empty.
    const entry = new RegExp(String(parameter?.AllowedPattern));
    for (const ok of ['glue-encrypt-labels-*', 'labels-111111111111-eu-west-1', 'labels.example.com', 'glue-labels-????????????-*']) expect(ok, ok).toMatch(entry);
    for (const bad of ['', ' labels', 'arn:aws:s3:::labels', 'labels/glue-encrypt', 'Labels']) expect(bad, bad).not.toMatch(entry);
    const given = { LabelBucketNames: 'labels-eu,glue-labels-111111111111-*' };
    for (const [id, action] of [
      ['ReadRole', 's3:GetBucketLocation'],
      ['RemediationRole', 's3:ListBucket'],
    ] as const) {
      const statements = memberRole(id).statements.filter((s) => actionsOf(s).includes(action));
      expect(statements.flatMap((s) => memberResources(s, given)), id).toEqual(['arn:*:s3:::labels-eu', 'arn:*:s3:::glue-labels-111111111111-*']);
    }
  });

  it.each(['ReadRole', 'RemediationRole'])('%s: glue:GetTags on `*`, alone in a statement (no mlTransform resource type)', (id) => {
    const statements = memberRole(id).statements.filter((s) => actionsOf(s).includes('glue:GetTags'));
    expect(statements).toHaveLength(1);
    const [statement] = statements as [Statement];
    expect(actionsOf(statement)).toEqual(['glue:GetTags']);
    expect(resourcesOf(statement)).toEqual(['*']);
    expect(statement.Condition).toBeUndefined();
  });

  it.each(['ReadRole', 'RemediationRole'])('%s: no wildcard action, `*` only where no resource type exists, ARNs in its own account', (id) => {
    for (const s of memberRole(id).statements) {
      expect(s.Effect).toBe('Allow');
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      for (const action of actionsOf(s)) expect(action, `${id} ${s.Sid}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      for (const res of resourcesOf(s)) {
        if (res === '*') {
          for (const action of actionsOf(s)) expect(STAR_RESOURCE_ALLOWED.has(action), `${id} ${s.Sid}: ${action} on "*"`).toBe(true);
        } else if (actionsOf(s).every((a) => a.startsWith('s3:'))) {
          // Bucket ARNs have no account: the label buckets the stack is given, nothing else.
          for (const arn of asArray(memberValue(res))) expect(arn, `${id} ${s.Sid}`).toMatch(/^arn:\*:s3:::[a-z0-9.*?-]+$/);
          expect(JSON.stringify(res), `${id} ${s.Sid}`).toContain('"Ref":"LabelBucketNames"');
        } else {
          expect(asText(res), `${id} ${s.Sid}`).toContain(':${AWS::AccountId}:');
        }
      }
    }
  });
});

describe('data', () => {
  it.each(['AuditTable', 'StateTable'])('%s keeps its data: PITR, KMS encryption, Retain', (id) => {
    const table = resource(id);
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  it.each([
    ['AuditTable', auditTableDefinition],
    ['StateTable', stateTableDefinition],
  ] as const)('%s declares the keys and indexes the code uses (src/audit/tables.ts)', (id, definition) => {
    const code = definition('unused');
    const byName = (list: unknown) => [...asArray(list as { AttributeName: string }[])].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName));
    expect(byName(props(id).AttributeDefinitions)).toEqual(byName(code.AttributeDefinitions));
    expect(props(id).KeySchema).toEqual(code.KeySchema);
    expect(props(id).GlobalSecondaryIndexes ?? []).toEqual(code.GlobalSecondaryIndexes ?? []);
    expect(props(id).BillingMode).toBe(code.BillingMode);
  });

  it('indexes audit events by time and protects the audit table from deletion', () => {
    expect(props('AuditTable').DeletionProtectionEnabled).toBe(true);
    expect(props('AuditTable').GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byTime',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('expires state items through TTL on expiresAt', () => {
    expect(props('StateTable').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('encrypts the worker failure queue', () => {
    expect(props('WorkerFailureQueue').SqsManagedSseEnabled).toBe(true);
  });
});

describe('outputs and artifacts', () => {
  it('outputs the Slack request URL and the table names', () => {
    const outputs = tpl().Outputs ?? {};
    expect(JSON.stringify(outputs.SlackRequestUrl?.Value)).toMatch(/\/slack\/events"/);
    expect(outputs.AuditTableName?.Value).toEqual({ Ref: 'AuditTable' });
    expect(outputs.StateTableName?.Value).toEqual({ Ref: 'StateTable' });
    // The member-account template needs both role names.
    expect(outputs.WorkerRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['WorkerRole', 'Arn'] });
    expect(outputs.AdvanceRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['AdvanceRole', 'Arn'] });
  });

  it.each(['slack', 'worker', 'advance'])('packages %s.zip', (name) => {
    const zip = join(OUT_DIR, `${name}.zip`);
    expect(existsSync(zip), `${zip} missing: run \`npm run package\``).toBe(true);
    const { size } = statSync(zip);
    console.log(`.serverless/${name}.zip: ${(size / 1024).toFixed(1)} KiB`);
    expect(size).toBeGreaterThan(1024);
    expect(size).toBeLessThan(MAX_ZIP_BYTES);
    const code = JSON.stringify(props(`${name[0]?.toUpperCase()}${name.slice(1)}LambdaFunction`).Code);
    expect(code).toContain(`/${name}.zip`);
  });
});

describe('alarms: what someone must look at reaches a topic of the operator\'s', () => {
  const alarms = () =>
    Object.entries(tpl().Resources)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([name, r]) => ({ name, p: r.Properties as Json }));

  it('alarm on the worker failure queue holding a message, on failed or timed-out remediation executions, and on failed scans', () => {
    const dimension = (p: Json) => JSON.stringify((p.Dimensions as Json[] | undefined)?.[0]?.Value);
    const byMetric = Object.fromEntries(alarms().map((a) => [`${String(a.p.Namespace)}:${String(a.p.MetricName)}:${dimension(a.p)}`, a.p]));
    expect(Object.keys(byMetric).sort()).toEqual([
      'AWS/SQS:ApproximateNumberOfMessagesVisible:{"Fn::GetAtt":["WorkerFailureQueue","QueueName"]}',
      'AWS/States:ExecutionsFailed:{"Ref":"RemediationStateMachine"}',
      'AWS/States:ExecutionsFailed:{"Ref":"ScanStateMachine"}',
      'AWS/States:ExecutionsTimedOut:{"Ref":"RemediationStateMachine"}',
    ]);
    for (const p of Object.values(byMetric)) {
      // Any one is worth a look: more than 0 in five minutes, and silence is not an alarm.
      expect(p).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Period: 300, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
      expect(String(p.AlarmDescription).length).toBeGreaterThan(40);
    }
  });

  it('notify the alarmTopicArn topic only when one is given (no empty action list)', () => {
    const conditions = (tpl() as unknown as { Conditions?: Record<string, unknown> }).Conditions ?? {};
    expect(conditions.HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    for (const { p } of alarms()) {
      expect(p.AlarmActions).toEqual({ 'Fn::If': ['HasAlarmTopic', [''], { Ref: 'AWS::NoValue' }] });
    }
  });
});

// ---------------------------------------------------------------------------------------
// The scheduled scan and the digests.

describe('scheduled scan and digests', () => {
  const scanMachine = () => tpl().Resources.ScanStateMachine?.Properties ?? {};
  const scanStates = () => deployedDefinition(scanMachine()) as { StartAt: string; States: Record<string, AslState & Json> };

  it('starts the scan state machine from an EventBridge Scheduler schedule, with the input the sandbox uses', () => {
    const schedule = tpl().Resources.ScanSchedule;
    expect(schedule?.Type).toBe('AWS::Scheduler::Schedule');
    const p = schedule?.Properties ?? {};
    expect(p).toMatchObject({ ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED', FlexibleTimeWindow: { Mode: 'OFF' } });
    const target = p.Target as Json;
    expect(target.Arn).toEqual({ Ref: 'ScanStateMachine' });
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['ScanScheduleRole', 'Arn'] });
    expect(target.Input).toBe(SCHEDULE_INPUT);
    // The scheduler's role may start this state machine and nothing else, for this account only.
    const statements = roleStatements('ScanScheduleRole');
    expect(statements.flatMap(actionsOf)).toEqual(['states:StartExecution']);
    expect(statements.flatMap((st) => resourcesOf(st).map(asText))).toEqual([`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:glue-encrypt-${STAGE}-scan`]);
  });

  it('deploys deploy/scan-state-machine.json unchanged (the definition the sandbox runs), valid ASL', () => {
    const file = JSON.parse(readFileSync(join(process.cwd(), 'deploy', 'scan-state-machine.json'), 'utf8')) as unknown;
    expect(scanMachine().Definition).toEqual(file);
    expect(scanMachine().StateMachineType).toBe('STANDARD');
    expect(validateAsl(deployedDefinition(scanMachine())).isValid).toBe(true);
  });

  it('fans out with a Map: inline up to 40 accounts, Distributed past that, both bounded, failures caught per account', () => {
    const { States } = scanStates();
    const choice = States.HowMany as Json;
    expect(choice.Choices).toEqual([{ Variable: '$.targets.count', NumericGreaterThan: 40, Next: 'ScanAccountsDistributed' }]);
    expect(choice.Default).toBe('ScanAccounts');
    const inline = States.ScanAccounts as Json;
    const distributed = States.ScanAccountsDistributed as Json;
    expect((inline.ItemProcessor as Json).ProcessorConfig).toEqual({ Mode: 'INLINE' });
    expect((distributed.ItemProcessor as Json).ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(inline.MaxConcurrency).toBe(10);
    expect(distributed.MaxConcurrency).toBe(40);
    expect(distributed.ToleratedFailurePercentage).toBe(100);
    for (const map of [inline, distributed]) {
      expect(map.ItemsPath).toBe('$.targets.accounts');
      const processor = map.ItemProcessor as { StartAt: string; States: Record<string, Json> };
      const task = processor.States[processor.StartAt] as Json;
      expect((task.Parameters as Json).Payload).toMatchObject({ step: 'account' });
      // Any failure of one account's scan becomes a "not scanned" result; the Map goes on.
      expect(asArray(task.Catch as Json[]).map((c) => c.ErrorEquals)).toEqual([['States.ALL']]);
      expect(map.Next).toBe('Digest');
    }
    // Due first (a run with nothing due scans nothing), the digest last.
    expect(scanStates().StartAt).toBe('Due');
    expect((States.AnythingDue as Json).Default).toBe('NothingDue');
    expect(States.Digest?.End).toBe(true);
  });

  it('keeps snapshots in their own table, encrypted, expiring through TTL on expiresAt', () => {
    const p = tpl().Resources.SnapshotTable?.Properties ?? {};
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(p.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(envOf('ScanLambdaFunction').GLUE_ENCRYPT_SNAPSHOT_TABLE).toEqual({ Ref: 'SnapshotTable' });
    expect(envOf('DigestLambdaFunction').GLUE_ENCRYPT_SNAPSHOT_TABLE).toEqual({ Ref: 'SnapshotTable' });
  });

  it('lets the scan role read AWS and write snapshots, and read the organisation only when organizationScan is on', () => {
    const statements = roleStatements('ScanRole');
    const plain = statements.filter((st) => !isObject(st) || !('Fn::If' in st));
    const conditional = (tpl().Resources.ScanRole?.Properties?.Policies as { PolicyDocument: { Statement: Json[] } }[])[0]!.PolicyDocument.Statement.filter((st) => 'Fn::If' in st);
    expect(conditional).toHaveLength(2);
    const byCondition = Object.fromEntries(conditional.map((c) => [(c as { 'Fn::If': [string] })['Fn::If'][0], (c as { 'Fn::If': [string, Statement, Json] })['Fn::If']]));
    // Only with securityHub: this account's findings into its own hub, nothing else.
    const [, hub, noHub] = byCondition.SecurityHubExport!;
    expect(actionsOf(hub).sort()).toEqual(['securityhub:BatchImportFindings', 'securityhub:BatchUpdateFindings']);
    expect(resourcesOf(hub).map(asText)).toEqual([
      'arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/${AWS::AccountId}/default',
      'arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:hub/default',
    ]);
    expect(noHub).toEqual({ Ref: 'AWS::NoValue' });
    expect((tpl() as unknown as { Conditions: Json }).Conditions.SecurityHubExport).toEqual({ 'Fn::Equals': ['false', 'true'] });
    const [condition, organizations, otherwise] = byCondition.OrganizationScan!;
    expect(condition).toBe('OrganizationScan');
    expect(actionsOf(organizations).sort()).toEqual(['organizations:ListAccounts', 'organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent']);
    expect(otherwise).toEqual({ Ref: 'AWS::NoValue' });
    expect((tpl() as unknown as { Conditions: Json }).Conditions.OrganizationScan).toEqual({ 'Fn::Equals': ['false', 'true'] });
    const actions = unique(plain.flatMap(actionsOf));
    // No writes anywhere but the snapshot table; no Slack secret.
    expect(actions.filter((a) => !/^(glue:Get|kms:(Describe|Get|List)|logs:|sts:AssumeRole$|dynamodb:)/.test(a))).toEqual([]);
    const tableStatements = plain.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    // Writes to the snapshot table only; of the state table, a Query of the waivers' partition alone.
    expect(tableStatements.filter((st) => JSON.stringify(resourcesOf(st)).includes('StateTable'))).toEqual([
      expect.objectContaining({ Action: 'dynamodb:Query', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WAIVERS'] } } }),
    ]);
    expect(tableStatements.filter((st) => !JSON.stringify(resourcesOf(st)).includes('StateTable')).flatMap((st) => resourcesOf(st))).toEqual([{ 'Fn::GetAtt': ['SnapshotTable', 'Arn'] }]);
    expect(actions).not.toContain('ssm:GetParameter');
  });

  it('lets the digest role post (bot token), read snapshots and in-flight requests, and write only subscriptions, the latest-run pointer and audit events', () => {
    const statements = roleStatements('DigestRole');
    const actions = unique(statements.flatMap(actionsOf));
    expect(actions.filter((a) => /^(glue|sts|organizations|states):/.test(a))).toEqual([]);
    const puts = statements.filter((st) => actionsOf(st).includes('dynamodb:PutItem'));
    const targets = puts.map((st) => [JSON.stringify(resourcesOf(st)), JSON.stringify(st.Condition ?? null)]);
    expect(targets.sort()).toEqual(
      [
        [JSON.stringify([{ 'Fn::GetAtt': ['AuditTable', 'Arn'] }]), 'null'],
        [JSON.stringify([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]), JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SUBSCRIPTIONS'] } })],
        [JSON.stringify([{ 'Fn::GetAtt': ['SnapshotTable', 'Arn'] }]), JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LATESTRUN'] } })],
      ].sort(),
    );
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });

  it('lets the scan state machine invoke its two functions and run its own Distributed Map children only', () => {
    const statements = roleStatements('ScanStateMachineRole');
    const invoked = statements.filter((st) => actionsOf(st).includes('lambda:InvokeFunction')).flatMap((st) => resourcesOf(st).map(asText));
    expect(invoked.every((arn) => /function:glue-encrypt-ci-(scan|digest)(:\*)?$/.test(arn))).toBe(true);
    expect(invoked).toHaveLength(4);
    const starts = statements.filter((st) => actionsOf(st).includes('states:StartExecution')).flatMap((st) => resourcesOf(st).map(asText));
    expect(starts).toEqual([`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:glue-encrypt-${STAGE}-scan`]);
  });
});

// ---------------------------------------------------------------------------------------
// Drift: CloudTrail events through EventBridge.

const DRIFT_EVENTS = [
  'CreateMLTransform',
  'UpdateMLTransform',
  'DeleteMLTransform',
  'CreateSecurityConfiguration',
  'DeleteSecurityConfiguration',
  'DisableKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'EnableKey',
  'DisableKeyRotation',
  'PutKeyPolicy',
];
const DRIFT_PATTERN = {
  'detail-type': ['AWS API Call via CloudTrail'],
  source: ['aws.glue', 'aws.kms'],
  detail: { eventSource: ['glue.amazonaws.com', 'kms.amazonaws.com'], eventName: DRIFT_EVENTS },
};

describe('waivers', () => {
  // Every function that evaluates transforms applies the approved waivers, or a waived transform
  // would show FAIL in a digest, a drift alert or Security Hub while Slack says WAIVED.
  const evaluating = [
    ['WorkerLambdaFunction', 'checks, reports, waiver messages and their sweep'],
    ['ScanLambdaFunction', 'the scheduled scan (digests, Security Hub)'],
    ['DriftLambdaFunction', "drift's re-check"],
    ['SlackLambdaFunction', '/glue-encrypt waivers and the Accept-risk form'],
  ] as const;

  it.each(evaluating)('gives %s (%s) the state table and a Query of the waivers partition', (fn) => {
    expect(envOf(fn).GLUE_ENCRYPT_STATE_TABLE).toEqual({ Ref: 'StateTable' });
    const queries = roleStatements(functionRole(fn)).filter((st) => st.Effect === 'Allow' && actionsOf(st).includes('dynamodb:Query') && JSON.stringify(resourcesOf(st)) === JSON.stringify([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]));
    const reaches = queries.some((st) => {
      const keys = (st.Condition as { 'ForAllValues:StringLike'?: { 'dynamodb:LeadingKeys'?: string[] } } | undefined)?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
      return keys === undefined || keys.includes('WAIVERS');
    });
    expect(reaches, `${fn}: ${JSON.stringify(queries)}`).toBe(true);
  });
});

describe('drift', () => {
  const driftRules = () => ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties?.Targets ?? []).includes('DriftLambdaFunction'));

  it('sends exactly the watched Glue and KMS CloudTrail events, from this account and from the bot bus, to the drift function', () => {
    const rules = driftRules();
    expect(rules).toHaveLength(2);
    for (const [, r] of rules) expect(r.Properties?.EventPattern).toEqual(DRIFT_PATTERN);
    expect(rules.map(([, r]) => JSON.stringify(r.Properties?.EventBusName ?? 'default')).sort()).toEqual([JSON.stringify({ 'Fn::GetAtt': ['DriftEventBus', 'Name'] }), '"default"'].sort());
    // Each rule may invoke the function (and only its own rule, by ARN).
    const permissions = ofType('AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(r.Properties?.FunctionName).includes('DriftLambdaFunction'));
    expect(permissions).toHaveLength(2);
    for (const [, p] of permissions) expect(p.Properties).toMatchObject({ Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' });
  });

  it('admits to the bot bus only the organisation (aws:PrincipalOrgID) or, without one, the listed accounts', () => {
    const org = tpl().Resources.DriftEventBusFromOrganization;
    const listed = tpl().Resources.DriftEventBusFromAccounts;
    expect(org?.Condition).toBe('HasOrganizationId');
    expect((org?.Properties?.Statement as Json).Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': '' } });
    expect((org?.Properties?.Statement as Json).Action).toBe('events:PutEvents');
    expect(listed?.Condition).toBe('HasMemberAccountsOnly');
    expect((listed?.Properties?.Statement as Json).Principal).toEqual({ AWS: { 'Fn::Split': [',', ''] } });
    const conditions = (tpl() as unknown as { Conditions: Json }).Conditions;
    expect(conditions.HasOrganizationId).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    // Nothing else may put events on it.
    expect(ofType('AWS::Events::EventBusPolicy')).toHaveLength(2);
  });

  it('gives the drift role reads, the burst items and audit appends, and nothing else that writes', () => {
    const statements = roleStatements('DriftRole');
    const actions = unique(statements.flatMap(actionsOf));
    expect(actions.filter((a) => /^(states|lambda|organizations|iam|s3|events):/.test(a))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('glue:') && !a.startsWith('glue:Get'))).toEqual([]);
    const writes = statements.filter((st) => actionsOf(st).some((a) => ['dynamodb:PutItem', 'dynamodb:UpdateItem'].includes(a)));
    expect(writes.map((st) => [JSON.stringify(resourcesOf(st)), JSON.stringify(st.Condition ?? null)]).sort()).toEqual(
      [
        [JSON.stringify([{ 'Fn::GetAtt': ['AuditTable', 'Arn'] }]), 'null'],
        [JSON.stringify([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]), JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DRIFT#*'] } })],
      ].sort(),
    );
    // It tells the bot's own workflow apart by its roles.
    expect(envOf('DriftLambdaFunction').GLUE_ENCRYPT_WORKFLOW_ROLE_NAMES).toBe(`glue-encrypt-remediate,glue-encrypt-${STAGE}-eu-west-1-advance`);
  });

  it('has a forwarder template (deploy/drift-forwarder.yml) that sends exactly the same events to the bot bus, with the member role that may only put there', () => {
    const yaml = createRequire(import.meta.url)('js-yaml') as JsYaml;
    const types = ['!Sub', '!Ref'].map((tag) => new yaml.Type(tag, { kind: 'scalar', construct: (data) => ({ [tag === '!Sub' ? 'Fn::Sub' : 'Ref']: data }) }));
    const forwarder = yaml.load(readFileSync(join(process.cwd(), 'deploy', 'drift-forwarder.yml'), 'utf8'), { schema: yaml.DEFAULT_SCHEMA.extend(types) }) as Template;
    const rules = Object.values(forwarder.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties?.EventPattern).toEqual(DRIFT_PATTERN);
    expect(rules[0]!.Properties?.Targets).toEqual([
      { Id: 'glue-encrypt-bot-bus', Arn: { Ref: 'BotEventBusArn' }, RoleArn: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${ForwarderRoleName}' } },
    ]);
    const role = memberTemplate().Resources.DriftForwarderRole;
    expect(role?.Condition).toBe('ForwardDrift');
    expect(role?.Properties?.RoleName).toBe(String((forwarder as unknown as { Parameters: Record<string, { Default?: string }> }).Parameters.ForwarderRoleName?.Default));
    const statements = (role?.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.flatMap(actionsOf)).toEqual(['events:PutEvents']);
    expect(statements.flatMap((st) => resourcesOf(st))).toEqual([{ Ref: 'BotEventBusArn' }]);
  });
});
