// The bot's S3 access to the label buckets (deploy/labelBucketAccess.cjs, the last entry of
// serverless.yml's `resources`): worked out at package time from the labelBucket and
// labelBuckets params, absent when neither is set. The default template (.serverless/, what
// `npm run package` writes) has no label bucket; a second template is packaged here, in a copy of
// the service (osls empties the service's own .serverless/ on every package), with both params set.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { functionsSending } from './sources.js';

const ROOT = process.cwd();
const DEFAULT_TEMPLATE = join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');
const PARAMS = {
  regions: 'eu-west-1,eu-central-1,us-east-1',
  labelBucket: 'glue-labels-{accountId}-{region}',
  labelBuckets: 'eu-west-1=labels-eu,us-east-1=labels-us',
};
const BUCKET_ARNS = ['glue-labels-*-*', 'labels-eu', 'labels-us'].map((b) => `arn:\${AWS::Partition}:s3:::${b}`);
const LABEL_POLICIES = { WorkerRole: 'WorkerLabelBucketsPolicy', AdvanceRole: 'AdvanceLabelBucketsPolicy' } as const;
/** What the packaging of a copy may take, esbuild included, on a busy CI runner. */
const PACKAGE_TIMEOUT_MS = 180_000;

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Template {
  Resources: Record<string, { Type: string; Properties?: Json }>;
}

interface LabelBucketModule {
  bucketPatterns(labelBucket: string, labelBuckets: string): string[];
  labelBucketAccess(labelBucket: string, labelBuckets: string): { Resources?: Record<string, unknown> };
}
const access = createRequire(import.meta.url)('../../deploy/labelBucketAccess.cjs') as LabelBucketModule;

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const subText = (v: unknown): string => (isObject(v) && typeof v['Fn::Sub'] === 'string' ? v['Fn::Sub'] : JSON.stringify(v));

/** Every identity-policy statement of a role: inline, and AWS::IAM::RolePolicy / AWS::IAM::Policy naming it. */
function roleStatements(t: Template, roleId: string): { policy: string; statement: Statement }[] {
  const out: { policy: string; statement: Statement }[] = [];
  const add = (policy: string, doc: unknown) => {
    if (isObject(doc)) for (const statement of asArray(doc.Statement as Statement | Statement[])) out.push({ policy, statement });
  };
  for (const p of asArray(t.Resources[roleId]?.Properties?.Policies as Json[] | undefined)) add(`${roleId} inline`, p.PolicyDocument);
  for (const [id, r] of Object.entries(t.Resources)) {
    const p = r.Properties ?? {};
    const names = r.Type === 'AWS::IAM::RolePolicy' ? [p.RoleName] : r.Type === 'AWS::IAM::Policy' ? asArray(p.Roles as unknown[]) : [];
    if (names.some((n) => isObject(n) && n.Ref === roleId)) add(id, p.PolicyDocument);
  }
  return out;
}

const s3Statements = (t: Template, roleId: string) => roleStatements(t, roleId).filter(({ statement }) => asArray(statement.Action).some((a) => a.startsWith('s3:')));

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, PACKAGE_TIMEOUT_SECONDS: String(PACKAGE_TIMEOUT_MS / 1000 - 10) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

function defaultTemplate(): Template {
  if (!existsSync(DEFAULT_TEMPLATE)) throw new Error(`${DEFAULT_TEMPLATE} is missing: run \`npm run package\` first (npm test does it before vitest).`);
  return JSON.parse(readFileSync(DEFAULT_TEMPLATE, 'utf8')) as Template;
}

describe('deploy/labelBucketAccess.cjs', () => {
  it('turns each {accountId} and {region} of labelBucket into `*` and adds every labelBuckets bucket, once', () => {
    expect(access.bucketPatterns('', '')).toEqual([]);
    expect(access.bucketPatterns('my-glue-labels', '')).toEqual(['my-glue-labels']);
    expect(access.bucketPatterns('glue-labels-{accountId}-{region}', '')).toEqual(['glue-labels-*-*']);
    expect(access.bucketPatterns('labels-{region}.{accountId}.example', '')).toEqual(['labels-*.*.example']);
    expect(access.bucketPatterns('', ' eu-west-1=labels-eu , us-east-1=labels-us ,')).toEqual(['labels-eu', 'labels-us']);
    expect(access.bucketPatterns('labels-eu', 'eu-west-1=labels-eu,us-gov-west-1=labels-gov')).toEqual(['labels-eu', 'labels-gov']);
  });

  it('refuses values the code would refuse too, so a bad param stops the package rather than the functions', () => {
    expect(() => access.bucketPatterns('labels-{account}', '')).toThrow('unknown placeholder {account}');
    expect(() => access.bucketPatterns('Labels_{region}', '')).toThrow('does not make an S3 bucket name');
    expect(() => access.bucketPatterns('', 'eu-west-1')).toThrow('expected REGION=BUCKET');
    expect(() => access.bucketPatterns('', 'eu-west-1=a=b')).toThrow('expected REGION=BUCKET');
    expect(() => access.bucketPatterns('', 'west=labels')).toThrow('expected REGION=BUCKET');
    expect(() => access.bucketPatterns('', 'eu-west-1=s3://labels')).toThrow('expected REGION=BUCKET');
  });

  it('adds nothing when no bucket is configured (a statement with an empty Resource is invalid)', () => {
    expect(access.labelBucketAccess('', '')).toEqual({});
    expect(access.labelBucketAccess(' ', ' , ')).toEqual({});
  });
});

describe('default template: no label bucket configured', () => {
  it('has no label-bucket policy and no S3 statement in any role', () => {
    const t = defaultTemplate();
    expect(Object.keys(t.Resources).filter((id) => /LabelBuckets/.test(id))).toEqual([]);
    for (const [id, r] of Object.entries(t.Resources)) {
      if (r.Type === 'AWS::IAM::Role') expect(s3Statements(t, id), id).toEqual([]);
    }
  });
});

describe('template packaged with labelBucket and labelBuckets', () => {
  let dir: string;
  let labelled: Template;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glue-encrypt-label-buckets-'));
    for (const entry of ['serverless.yml', 'esbuild.plugins.cjs', 'package.json', 'tsconfig.json', 'src', 'deploy', 'scripts']) {
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const params = Object.entries(PARAMS).map(([k, v]) => `--param=${k}=${v}`);
    await run(process.execPath, [join(dir, 'scripts', 'package.mjs'), ...params], dir);
    labelled = JSON.parse(readFileSync(join(dir, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  }, PACKAGE_TIMEOUT_MS);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lets the worker role confirm each label bucket region (s3:GetBucketLocation), nothing else of S3', () => {
    const found = s3Statements(labelled, 'WorkerRole');
    expect(found.map((f) => f.policy)).toEqual([LABEL_POLICIES.WorkerRole]);
    const { statement } = found[0] as { statement: Statement };
    expect(statement.Effect).toBe('Allow');
    expect(asArray(statement.Action)).toEqual(['s3:GetBucketLocation']);
    expect(asArray(statement.Resource).map(subText)).toEqual(BUCKET_ARNS);
    expect(statement.Condition).toBeUndefined();
  });

  it('lets the advance role list the label buckets under glue-encrypt/ only (s3:ListBucket), nothing else of S3', () => {
    const found = s3Statements(labelled, 'AdvanceRole');
    expect(found.map((f) => f.policy)).toEqual([LABEL_POLICIES.AdvanceRole]);
    const { statement } = found[0] as { statement: Statement };
    expect(statement.Effect).toBe('Allow');
    expect(asArray(statement.Action)).toEqual(['s3:ListBucket']);
    expect(asArray(statement.Resource).map(subText)).toEqual(BUCKET_ARNS);
    // The prefix every export writes under (glue-encrypt/<account>/<region>/<transformId>/<remediationId>/).
    expect(statement.Condition).toEqual({ StringLike: { 's3:prefix': ['glue-encrypt/*'] } });
  });

  it('gives the slack role and the state machine role no S3 access', () => {
    expect(s3Statements(labelled, 'SlackRole')).toEqual([]);
    expect(s3Statements(labelled, 'RemediationStateMachineRole')).toEqual([]);
  });

  it('names the buckets (not their objects) by ARN, in this partition', () => {
    for (const id of Object.values(LABEL_POLICIES)) {
      const policy = labelled.Resources[id];
      expect(policy?.Type, id).toBe('AWS::IAM::RolePolicy');
      for (const statement of asArray((policy?.Properties?.PolicyDocument as { Statement: Statement | Statement[] }).Statement)) {
        for (const arn of asArray(statement.Resource).map(subText)) expect(arn, id).toMatch(/^arn:\$\{AWS::Partition\}:s3:::[a-z0-9.*-]+$/);
      }
    }
  });

  it('lets every function whose code sends an S3 command do it', () => {
    const calls = { GetBucketLocationCommand: 's3:GetBucketLocation', ListObjectsV2Command: 's3:ListBucket' } as const;
    const roles = { slack: 'SlackRole', worker: 'WorkerRole', advance: 'AdvanceRole' } as const;
    for (const [command, action] of Object.entries(calls)) {
      const senders = functionsSending(command);
      expect(senders.length, `no bundled module sends ${command}`).toBeGreaterThan(0);
      for (const name of senders) {
        const actions = s3Statements(labelled, roles[name]).flatMap(({ statement }) => asArray(statement.Action));
        expect(actions, `${name} sends ${command}`).toContain(action);
      }
    }
  });

  it('changes nothing else: the same roles and resources as the default template, plus the two policies', () => {
    const base = defaultTemplate();
    expect(Object.keys(labelled.Resources).sort()).toEqual([...Object.keys(base.Resources), ...Object.values(LABEL_POLICIES)].sort());
    for (const [id, r] of Object.entries(base.Resources)) {
      // Functions differ in their code's S3 key and in the environment checked below.
      if (r.Type === 'AWS::Lambda::Function') continue;
      expect(labelled.Resources[id], id).toEqual(r);
    }
  });

  it('passes both params to the worker and advance functions as given, in a form the code accepts', () => {
    for (const fn of ['WorkerLambdaFunction', 'AdvanceLambdaFunction']) {
      const env = (labelled.Resources[fn]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env, fn).toMatchObject({ GLUE_ENCRYPT_LABEL_BUCKET: PARAMS.labelBucket, GLUE_ENCRYPT_LABEL_BUCKETS: PARAMS.labelBuckets, GLUE_ENCRYPT_REGIONS: PARAMS.regions });
      const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const config = loadConfig({ ...strings, AWS_REGION: 'eu-west-1', SLACK_TEAM_ID: 'T0123ABCD' });
      expect(config.remediation.labelBuckets, fn).toEqual({ 'eu-west-1': 'labels-eu', 'us-east-1': 'labels-us' });
    }
  });
});
