// What an operator or security reviewer wants to know about the deployment, asserted on the
// CloudFormation template that `npm run package` (osls `serverless package`) generates.
// No AWS account needed: the template and the zips are read from .serverless/.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditTableDefinition, stateTableDefinition } from '../../src/audit/tables.js';

const OUT_DIR = join(process.cwd(), '.serverless');
const TEMPLATE = join(OUT_DIR, 'cloudformation-template-update-stack.json');

/** Actions whose Service Authorization Reference entry lists no resource type, so `*` is the only possible Resource. */
const STAR_RESOURCE_ALLOWED = new Set(['glue:GetSecurityConfiguration', 'glue:GetSecurityConfigurations', 'kms:ListAliases']);
const AUDIT_WRITES_FORBIDDEN = ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'];
const KMS_READ = ['kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:ListAliases'];
/** Lambda's limit for a zip uploaded directly; ours go through S3 but should stay far below anyway. */
const MAX_ZIP_BYTES = 50 * 1024 * 1024;

type Json = Record<string, unknown>;

interface CfnResource {
  Type: string;
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
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') add(id, r.Type, p.PolicyDocument);
    if (r.Type === 'AWS::DynamoDB::Table' && isObject(p.ResourcePolicy)) add(id, r.Type, p.ResourcePolicy.PolicyDocument);
    if (r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::SQS::QueuePolicy') add(id, r.Type, p.PolicyDocument);
  }
  return found;
}

/** Identity-policy statements attached to one role (inline, or AWS::IAM::Policy naming the role). */
function roleStatements(roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const policy of asArray(props(roleId).Policies as Json[] | undefined)) {
    if (isObject(policy.PolicyDocument)) out.push(...asArray(policy.PolicyDocument.Statement as Statement | Statement[]));
  }
  for (const [, r] of ofType('AWS::IAM::Policy')) {
    const roles = JSON.stringify(r.Properties?.Roles ?? []);
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
    // No event source: only the slack function starts it.
    const permissions = ofType('AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(r.Properties?.FunctionName).includes('Worker'));
    expect(permissions).toHaveLength(0);
    expect(ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(0);
  });

  it('runs every function on nodejs22.x / arm64 with its own role', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(['SlackLambdaFunction', 'WorkerLambdaFunction']);
    for (const [id, r] of functions) {
      expect(r.Properties?.Runtime, id).toBe('nodejs22.x');
      expect(r.Properties?.Architectures, id).toEqual(['arm64']);
    }
    expect(functionRole('SlackLambdaFunction')).toBe('SlackRole');
    expect(functionRole('WorkerLambdaFunction')).toBe('WorkerRole');
    // osls's shared default role must not exist: every function has a purpose-built one.
    expect(tpl().Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('sets the documented timeouts and memory', () => {
    expect(props('SlackLambdaFunction')).toMatchObject({ Timeout: 10, MemorySize: 512 });
    expect(props('WorkerLambdaFunction')).toMatchObject({ Timeout: 300, MemorySize: 1024 });
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
    expect(slack.GLUE_ENCRYPT_WORKER_FUNCTION).toBe(props('WorkerLambdaFunction').FunctionName);
    expect(slack.GLUE_ENCRYPT_AUDIT_TABLE).toEqual({ Ref: 'AuditTable' });
    expect(slack.GLUE_ENCRYPT_STATE_TABLE).toEqual({ Ref: 'StateTable' });
    expect(slack.NODE_OPTIONS).toBe('--enable-source-maps');
  });
});

describe('secrets', () => {
  it('passes SSM parameter names, never secret values, in the environment', () => {
    for (const id of ['SlackLambdaFunction', 'WorkerLambdaFunction']) {
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

  it('keeps every ARN in this account, except the member-account read role', () => {
    for (const { owner, ownerType, statement } of allStatements()) {
      if (statement.Effect !== 'Allow' || !ownerType.startsWith('AWS::IAM::')) continue;
      for (const res of resourcesOf(statement)) {
        if (res === '*' || !isObject(res) || typeof res['Fn::Sub'] !== 'string') continue; // GetAtt/Ref: in this stack
        const arn = res['Fn::Sub'];
        if (/^\$\{\w+\.Arn\}/.test(arn)) continue; // built on a resource of this stack
        if (arn.startsWith('arn:${AWS::Partition}:iam::*:role/')) {
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

  it('gives the worker read-only Glue and KMS access', () => {
    const actions = roleStatements('WorkerRole').flatMap(actionsOf);
    const glue = actions.filter((a) => a.startsWith('glue:'));
    expect(glue.length).toBeGreaterThan(0);
    for (const a of glue) expect(a, a).toMatch(/^glue:Get[A-Za-z]+$/);
    for (const a of actions.filter((x) => x.startsWith('kms:'))) {
      expect(['kms:Decrypt', ...KMS_READ], a).toContain(a);
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
  });

  it.each(['slack', 'worker'])('packages %s.zip', (name) => {
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
