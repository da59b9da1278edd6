// loadConfig: what an operator gets from defaults, a config file and the environment, and what
// they are told when a value is wrong.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateTransform } from '../src/checks/evaluate.js';
import { DEFAULT_POLICY, POLICY_LEVEL_DEFAULTS } from '../src/checks/policy.js';
import { ConfigError, loadConfig, type AppConfig } from '../src/config.js';
import { labelBucketFor } from '../src/remediation/labelBuckets.js';
import { withKey } from './checks/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'glue-encrypt-config-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function configFile(content: unknown): string {
  const path = join(dir, `config-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), 'utf8');
  return path;
}

/** The ConfigError loadConfig throws for this environment (fails the test when it does not throw). */
function problemsWith(env: Record<string, string>): string {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return (thrown as ConfigError).message;
}

describe('loadConfig defaults', () => {
  it('starts with no region, no member account, the default policy and documented limits', () => {
    const config = loadConfig({});
    expect(config.scope).toEqual({ regions: [], accounts: [], targetRoleName: 'glue-encrypt-read' });
    expect(config.policy).toEqual({ levels: { ...POLICY_LEVEL_DEFAULTS }, requiredS3Encryption: 'SSE-KMS', allowedKeys: [] });
    expect(config.concurrency).toBe(8);
    expect(config.maxAttempts).toBe(8);
    expect(config.workerFunction).toBeUndefined();
    expect(config.tables).toEqual({ audit: undefined, state: undefined });
    expect(config.slack.apiUrl).toBeUndefined();
    expect(config.slack.findingsChannel).toBeUndefined();
    expect(config.remediation).toMatchObject({
      approvers: [],
      allowSelfApproval: false,
      approvalTtlHours: 24,
      defaultKey: 'alias/glue-ml',
      remediationRoleName: 'glue-encrypt-remediate',
      pollSeconds: 60,
      taskRunTimeoutMinutes: 120,
    });
  });

  it('scans the Lambda region (AWS_REGION, else AWS_DEFAULT_REGION) when no regions are configured', () => {
    expect(loadConfig({ AWS_REGION: 'eu-west-1' }).scope.regions).toEqual(['eu-west-1']);
    expect(loadConfig({ AWS_DEFAULT_REGION: 'us-east-1' }).scope.regions).toEqual(['us-east-1']);
    expect(loadConfig({ AWS_REGION: 'eu-west-1', GLUE_ENCRYPT_REGIONS: 'us-east-1, ap-southeast-2' }).scope.regions).toEqual(['us-east-1', 'ap-southeast-2']);
  });

  it('accepts the region names of every partition, the same ones /glue-encrypt check accepts', () => {
    const regions = ['eu-west-1', 'us-gov-west-1', 'cn-north-1', 'us-isob-east-1', 'eusc-de-east-1', 'ap-southeast-5'];
    expect(loadConfig({ GLUE_ENCRYPT_REGIONS: regions.join(',') }).scope.regions).toEqual(regions);
  });

  it('does not let a config object change the built-in default policy', () => {
    const config = loadConfig({ GLUE_ENCRYPT_POLICY_LEVELS: 'KMS_KEY_ROTATION_OFF=fail' });
    expect(config.policy.levels.KMS_KEY_ROTATION_OFF).toBe('fail');
    expect(DEFAULT_POLICY.levels.KMS_KEY_ROTATION_OFF).toBe('warn');
    expect(loadConfig({}).policy.levels.KMS_KEY_ROTATION_OFF).toBe('warn');
  });
});

describe('loadConfig refuses invalid values, naming the setting and the value', () => {
  it.each([
    ['GLUE_ENCRYPT_REGIONS', 'nowhere', 'nowhere'],
    ['GLUE_ENCRYPT_ACCOUNTS', '12', '"12"'],
    ['SLACK_API_URL', 'ftp://slack.example/api/', 'ftp://slack.example/api/'],
    ['SLACK_API_URL', 'not a url', 'not a url'],
    ['GLUE_ENCRYPT_POLICY_LEVELS', 'USER_DATA_NOT_ENCRYPTED=warn', 'USER_DATA_NOT_ENCRYPTED=warn'],
    ['GLUE_ENCRYPT_POLICY_LEVELS', 'NO_SUCH_CODE=fail', 'NO_SUCH_CODE=fail'],
    ['GLUE_ENCRYPT_POLICY_LEVELS', 'KMS_KEY_ROTATION_OFF=loud', 'KMS_KEY_ROTATION_OFF=loud'],
    ['AWS_REGION', 'moon-base-1x', 'moon-base-1x'],
    ['GLUE_ENCRYPT_CONCURRENCY', '0', '"0"'],
  ])('%s=%s', (name, value, named) => {
    const message = problemsWith({ [name]: value });
    const line = message.split('\n').find((l) => l.includes(name));
    expect(line, message).toBeDefined();
    expect(line).toContain(named);
  });

  it('says what a policy level must look like, listing the codes a policy may set', () => {
    const message = problemsWith({ GLUE_ENCRYPT_POLICY_LEVELS: 'USER_DATA_NOT_ENCRYPTED=warn' });
    expect(message).toContain('fail|warn|off');
    for (const code of Object.keys(POLICY_LEVEL_DEFAULTS)) expect(message).toContain(code);
  });

  it('lists every problem at once, not just the first', () => {
    const message = problemsWith({
      GLUE_ENCRYPT_REGIONS: 'nowhere',
      GLUE_ENCRYPT_ACCOUNTS: '12',
      SLACK_API_URL: 'ftp://slack.example/api/',
      GLUE_ENCRYPT_POLICY_LEVELS: 'USER_DATA_NOT_ENCRYPTED=warn,NO_SUCH_CODE=fail,KMS_KEY_ROTATION_OFF=loud,KMS_KEY_AWS_MANAGED=warn',
    });
    const problems = message.split('\n').filter((l) => l.startsWith('- '));
    expect(problems).toHaveLength(6);
    for (const named of ['GLUE_ENCRYPT_REGIONS', 'GLUE_ENCRYPT_ACCOUNTS', 'SLACK_API_URL', 'USER_DATA_NOT_ENCRYPTED=warn', 'NO_SUCH_CODE=fail', 'KMS_KEY_ROTATION_OFF=loud']) {
      expect(problems.filter((p) => p.includes(named)), named).toHaveLength(1);
    }
    // The valid pair among them is not blamed.
    expect(message).not.toContain('KMS_KEY_AWS_MANAGED=warn');
  });

  // Regression: the message once quoted the whole list ("eu-west-1,nowhere" is not an AWS region name).
  it('names the bad entry of a list, not the whole list', () => {
    const message = problemsWith({ GLUE_ENCRYPT_REGIONS: 'eu-west-1,nowhere', GLUE_ENCRYPT_ACCOUNTS: '123456789012,12' });
    expect(message).toContain('GLUE_ENCRYPT_REGIONS: "nowhere" is not an AWS region');
    expect(message).toContain('GLUE_ENCRYPT_ACCOUNTS: "12" is not a 12-digit AWS account ID');
  });

  // BUG (src/config.ts, zod/mini has no message catalogue): these say only "Invalid input",
  // leaving the operator to guess what the setting accepts.
  it.each([
    ['GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION', 'AES', ['SSE-KMS', 'SSE-S3']],
    ['GLUE_ENCRYPT_ALLOW_SELF_APPROVAL', 'yes', ['true', 'false']],
    ['SLACK_API_URL', 'ftp://slack.example/api/', ['http']],
  ])('says what %s accepts when given %s', (name, value, accepted) => {
    const line = problemsWith({ [name]: value }).split('\n').find((l) => l.includes(name)) ?? '';
    expect(line).not.toContain('Invalid input');
    for (const word of accepted) expect(line).toContain(word);
  });

  it('refuses a config file that is not JSON, naming the variable and the file', () => {
    const path = configFile('{ regions: [eu-west-1] ');
    const message = problemsWith({ GLUE_ENCRYPT_CONFIG_FILE: path });
    expect(message).toContain('GLUE_ENCRYPT_CONFIG_FILE');
    expect(message).toContain(path);
    expect(message).toContain('JSON');
  });

  it('refuses a config file that does not exist, naming it', () => {
    const path = join(dir, 'missing.json');
    expect(problemsWith({ GLUE_ENCRYPT_CONFIG_FILE: path })).toContain(path);
  });

  // Regression: with zod/mini (no message catalogue) this once read "(top) Invalid input".
  it('refuses a config file with an unknown key, naming the key', () => {
    const path = configFile({ regions: ['eu-west-1'], region: 'eu-west-1' });
    const message = problemsWith({ GLUE_ENCRYPT_CONFIG_FILE: path });
    expect(message).toContain(path);
    expect(message).toContain('"region"');
  });

  // Regression: once "policy.levels Invalid input", naming no code.
  it('refuses a config file that sets the level of a reason policy does not control', () => {
    const path = configFile({ policy: { levels: { USER_DATA_NOT_ENCRYPTED: 'off' } } });
    const message = problemsWith({ GLUE_ENCRYPT_CONFIG_FILE: path });
    expect(message).toContain('policy.levels');
    expect(message).toContain('USER_DATA_NOT_ENCRYPTED');
  });

  it('refuses invalid values inside the config file, naming where they are', () => {
    const path = configFile({ regions: ['eu-west-1', 'nowhere'], policy: { levels: { KMS_KEY_ROTATION_OFF: 'loud' } } });
    const message = problemsWith({ GLUE_ENCRYPT_CONFIG_FILE: path });
    expect(message).toContain(`${path}: regions.1`);
    expect(message).toContain(`${path}: policy.levels.KMS_KEY_ROTATION_OFF`);
  });

  it('requires SLACK_TEAM_ID when remediation is enabled (state machine and both tables), and only then', () => {
    const remediation = {
      GLUE_ENCRYPT_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111111111111:stateMachine:glue-encrypt-prod-remediation',
      GLUE_ENCRYPT_AUDIT_TABLE: 'glue-encrypt-prod-audit',
      GLUE_ENCRYPT_STATE_TABLE: 'glue-encrypt-prod-state',
    };
    const required = 'SLACK_TEAM_ID is required when remediation is enabled (approvals must be bound to one workspace)';
    expect(problemsWith(remediation)).toContain(required);
    // An empty value (an unset deploy parameter) is unset.
    expect(problemsWith({ ...remediation, SLACK_TEAM_ID: '' })).toContain(required);
    expect(loadConfig({ ...remediation, SLACK_TEAM_ID: 'T0123ABCD' }).slack.teamId).toBe('T0123ABCD');
    // A bad value is named once, as a bad value.
    const bad = problemsWith({ ...remediation, SLACK_TEAM_ID: 'nope' });
    expect(bad).toContain('SLACK_TEAM_ID: "nope"');
    expect(bad).not.toContain(required);
    // Without the workflow (checks only, or the advance function, which has no state machine ARN) it stays optional.
    expect(() => loadConfig({ GLUE_ENCRYPT_AUDIT_TABLE: 'a', GLUE_ENCRYPT_STATE_TABLE: 's' })).not.toThrow();
    const { GLUE_ENCRYPT_STATE_TABLE: _state, ...noStateTable } = remediation;
    expect(() => loadConfig(noStateTable)).not.toThrow();
  });
});

describe('loadConfig sources', () => {
  const file = {
    regions: ['eu-west-1'],
    accounts: ['222222222222'],
    targetRoleName: 'file-read-role',
    findingsChannel: 'C0FROMFILE',
    policy: { levels: { KMS_KEY_ROTATION_OFF: 'fail', TASK_LOGS_NOT_ENCRYPTED: 'off' }, requiredS3Encryption: 'SSE-S3', allowedKeys: ['alias/glue-ml'] },
  };

  it('takes its settings from the config file when the environment does not set them', () => {
    const config = loadConfig({ GLUE_ENCRYPT_CONFIG_FILE: configFile(file), AWS_REGION: 'us-west-2' });
    expect(config.scope).toEqual({ regions: ['eu-west-1'], accounts: ['222222222222'], targetRoleName: 'file-read-role' });
    expect(config.slack.findingsChannel).toBe('C0FROMFILE');
    expect(config.policy).toEqual({
      levels: { ...POLICY_LEVEL_DEFAULTS, KMS_KEY_ROTATION_OFF: 'fail', TASK_LOGS_NOT_ENCRYPTED: 'off' },
      requiredS3Encryption: 'SSE-S3',
      allowedKeys: ['alias/glue-ml'],
    });
  });

  it('lets the environment override the file, setting by setting and policy code by policy code', () => {
    const config: AppConfig = loadConfig({
      GLUE_ENCRYPT_CONFIG_FILE: configFile(file),
      GLUE_ENCRYPT_REGIONS: 'us-east-1,ap-northeast-1',
      GLUE_ENCRYPT_ACCOUNTS: '333333333333',
      GLUE_ENCRYPT_ROLE_NAME: 'env-read-role',
      GLUE_ENCRYPT_FINDINGS_CHANNEL: 'C0FROMENV',
      GLUE_ENCRYPT_POLICY_LEVELS: 'KMS_KEY_ROTATION_OFF=off',
      GLUE_ENCRYPT_REQUIRED_S3_ENCRYPTION: 'SSE-KMS',
      GLUE_ENCRYPT_ALLOWED_KEYS: 'alias/a, alias/b',
    });
    expect(config.scope).toEqual({ regions: ['us-east-1', 'ap-northeast-1'], accounts: ['333333333333'], targetRoleName: 'env-read-role' });
    expect(config.slack.findingsChannel).toBe('C0FROMENV');
    // The environment's level wins for its code; the file's other level still applies.
    expect(config.policy.levels).toEqual({ ...POLICY_LEVEL_DEFAULTS, KMS_KEY_ROTATION_OFF: 'off', TASK_LOGS_NOT_ENCRYPTED: 'off' });
    expect(config.policy.requiredS3Encryption).toBe('SSE-KMS');
    expect(config.policy.allowedKeys).toEqual(['alias/a', 'alias/b']);
  });
});

describe('policy levels from the configuration decide what a check reports', () => {
  // A transform whose only problem is a key without automatic rotation (default: WARN).
  const rotationOff = withKey({ rotationEnabled: false });

  it.each([
    [undefined, 'WARN', ['KMS_KEY_ROTATION_OFF']],
    ['KMS_KEY_ROTATION_OFF=fail', 'FAIL', ['KMS_KEY_ROTATION_OFF']],
    ['KMS_KEY_ROTATION_OFF=off', 'PASS', []],
  ])('GLUE_ENCRYPT_POLICY_LEVELS=%s makes a key without rotation %s', (levels, status, codes) => {
    const config = loadConfig(levels ? { GLUE_ENCRYPT_POLICY_LEVELS: levels } : {});
    const finding = evaluateTransform(rotationOff, config.policy);
    expect(finding.status).toBe(status);
    expect(finding.reasons.map((r) => r.code)).toEqual(codes);
  });

  it('applies levels from the config file the same way', () => {
    const config = loadConfig({ GLUE_ENCRYPT_CONFIG_FILE: configFile({ policy: { levels: { KMS_KEY_ROTATION_OFF: 'fail' } } }) });
    expect(evaluateTransform(rotationOff, config.policy).status).toBe('FAIL');
  });
});

describe('label buckets: one per region, validated at start-up', () => {
  const regions = { GLUE_ENCRYPT_REGIONS: 'eu-west-1,us-east-1' };

  it('a pattern with {accountId} and {region} names a bucket per account and region; the map wins for its region', () => {
    const config = loadConfig({
      ...regions,
      GLUE_ENCRYPT_LABEL_BUCKET: 'labels-{accountId}-{region}',
      GLUE_ENCRYPT_LABEL_BUCKETS: 'us-east-1=labels-virginia',
    });
    expect(labelBucketFor(config.remediation, '222222222222', 'eu-west-1')).toBe('labels-222222222222-eu-west-1');
    expect(labelBucketFor(config.remediation, '222222222222', 'us-east-1')).toBe('labels-virginia');
  });

  it('a map alone serves only the regions it names', () => {
    const config = loadConfig({ ...regions, GLUE_ENCRYPT_LABEL_BUCKETS: 'eu-west-1=labels-eu' });
    expect(labelBucketFor(config.remediation, '111111111111', 'eu-west-1')).toBe('labels-eu');
    expect(labelBucketFor(config.remediation, '111111111111', 'us-east-1')).toBeUndefined();
  });

  it('refuses one bucket name for two regions (Glue refuses labels in a bucket of another region)', () => {
    const message = problemsWith({ ...regions, GLUE_ENCRYPT_LABEL_BUCKET: 'my-labels' });
    expect(message).toContain('GLUE_ENCRYPT_LABEL_BUCKET: "my-labels" names one bucket for eu-west-1, us-east-1');
    expect(message).toContain('add {region} to the name');
    // The same name is fine when the map gives the other region its own bucket.
    expect(() => loadConfig({ ...regions, GLUE_ENCRYPT_LABEL_BUCKET: 'my-labels', GLUE_ENCRYPT_LABEL_BUCKETS: 'us-east-1=my-labels-us' })).not.toThrow();
  });

  it('names every bad entry: unknown placeholder, a pattern too long for the longest region, bad pairs, regions not configured, duplicates', () => {
    const message = problemsWith({
      ...regions,
      GLUE_ENCRYPT_LABEL_BUCKET: 'labels-{account}-{region}',
      GLUE_ENCRYPT_LABEL_BUCKETS: 'eu-west-1=ok-bucket,eu-west-1=other-bucket,us-east-1,ap-south-1=labels-mumbai,us-east-1=Bad_Name',
    });
    expect(message).toContain('"labels-{account}-{region}" has {account}; a bucket name pattern may only use {accountId} and {region}');
    expect(message).toContain('"eu-west-1=other-bucket": eu-west-1 is given a bucket twice');
    expect(message).toContain('"us-east-1" must be REGION=BUCKET');
    expect(message).toContain('"ap-south-1=labels-mumbai": ap-south-1 is not one of the configured regions (eu-west-1, us-east-1)');
    expect(message).toContain('"us-east-1=Bad_Name": Bad_Name is not an S3 bucket name');
    const long = problemsWith({ ...regions, GLUE_ENCRYPT_LABEL_BUCKET: `${'x'.repeat(45)}-{accountId}-{region}` });
    expect(long).toContain('does not make an S3 bucket name');
    expect(long).toContain('for eu-west-1 it gives');
  });

  it('the transform role pattern defaults to *Glue* and refuses what is not an IAM name pattern', () => {
    expect(loadConfig({}).remediation.transformRolePattern).toBe('*Glue*');
    expect(loadConfig({ GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN: 'service-role/ml-*' }).remediation.transformRolePattern).toBe('service-role/ml-*');
    expect(problemsWith({ GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN: 'roles with spaces' })).toContain('GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN: "roles with spaces" is not an IAM role name pattern');
  });
});
