// The terminal front end: `glue-encrypt check` against the sandbox, as a person or a CI job runs it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { main } from '../src/cli.js';
import { DEMO_ACCOUNT_ID, DEMO_TRANSFORMS } from '../src/sandbox/fixtures.js';
import { startHarness, type Harness } from '../src/sandbox/harness.js';
import { countByStatus, expectedDemo } from './integration/demo-expectations.js';

interface JsonReport {
  summary: Record<string, number>;
  transforms: {
    transformId: string;
    name: string;
    region: string;
    accountId: string;
    status: string;
    reasons: { code: string; status: string; message: string }[];
  }[];
  scopeErrors: unknown[];
}

let log: MockInstance<typeof console.log>;
let error: MockInstance<typeof console.error>;

beforeEach(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
});

function stdout(): string {
  return log.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
}

function stderr(): string {
  return error.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
}

/** Runs main() with some environment variables changed, putting them back afterwards. */
async function withEnv(env: Record<string, string>, run: () => Promise<number>): Promise<number> {
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('glue-encrypt check on the demo estate', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('--json lists every transform with its ID, name, region, account, status and reasons, and exits 1 for the FAILs', async () => {
    const code = await main(['check', '--json']);
    const report = JSON.parse(stdout()) as JsonReport;
    const expected = expectedDemo(h.config.policy);
    expect(countByStatus(expected).FAIL).toBeGreaterThan(0);

    expect(code).toBe(1);
    expect(report.transforms).toHaveLength(DEMO_TRANSFORMS.length);
    for (const t of expected) {
      const row = report.transforms.find((r) => r.transformId === t.transformId);
      expect(row, t.name).toMatchObject({ transformId: t.transformId, name: t.name, region: t.region, accountId: DEMO_ACCOUNT_ID, status: t.status });
      expect(row?.reasons.map((r) => r.code).sort(), t.name).toEqual(t.codes);
      for (const reason of row?.reasons ?? []) expect(reason.message.length).toBeGreaterThan(0);
    }
    const counts = countByStatus(expected);
    expect(report.summary).toEqual({ FAIL: counts.FAIL, ERROR: 0, WARN: counts.WARN, WAIVED: 0, PASS: counts.PASS });
    expect(report.scopeErrors).toEqual([]);
  });

  it('prints a table with a FAIL row for each failing transform', async () => {
    const code = await main(['check']);
    const lines = stdout().split('\n');
    expect(code).toBe(1);
    for (const t of expectedDemo(h.config.policy)) {
      const row = lines.find((l) => l.includes(t.transformId));
      expect(row, t.name).toBeDefined();
      expect(row?.split(/\s+/).slice(0, 4)).toEqual([t.status, DEMO_ACCOUNT_ID, t.region, t.name]);
    }
    const counts = countByStatus(expectedDemo(h.config.policy));
    expect(stdout()).toContain(`${counts.FAIL} FAIL · 0 ERROR · ${counts.WARN} WARN · 0 WAIVED · ${counts.PASS} PASS`);
  });

  it('exits 0 when only passing transforms are checked', async () => {
    const passing = DEMO_TRANSFORMS.find((t) => t.expectedReasons.length === 0);
    expect(passing).toBeDefined();
    const code = await main(['check', passing!.name, '--region', passing!.region, '--json']);
    const report = JSON.parse(stdout()) as JsonReport;
    expect(report.transforms.map((t) => [t.name, t.status])).toEqual([[passing!.name, 'PASS']]);
    expect(code).toBe(0);
  });

  it('exits 2 without checking anything when the configuration is invalid', async () => {
    h.aws.resetCounts();
    const code = await withEnv({ GLUE_ENCRYPT_REGIONS: 'nowhere' }, () => main(['check', '--json']));
    expect(code).toBe(2);
    expect(stderr()).toContain('GLUE_ENCRYPT_REGIONS');
    expect(stderr()).toContain('nowhere');
    expect(stdout()).toBe('');
    expect(h.aws.callCounts()).toEqual({});
  });

  it.each([
    [['check', '--bogus'], '--bogus'],
    [['check', '--region', 'nowhere'], '"nowhere" is not an AWS region'],
    [['check', '--account', '12'], '"12" is not an AWS account ID'],
    [['check', 'one', 'two'], 'takes one transform ID or name'],
    [['frobnicate'], 'Unknown command "frobnicate"'],
  ])('exits 2 for invalid arguments %j, naming the problem', async (argv, problem) => {
    h.aws.resetCounts();
    const code = await main(argv);
    expect(code).toBe(2);
    expect(stderr()).toContain(problem);
    expect(stdout()).toBe('');
    expect(h.aws.callCounts()).toEqual({});
  });
});

describe('glue-encrypt check on an estate where everything passes', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ seed: 'none' });
    const state = h.aws.state;
    for (const region of ['eu-west-1', 'us-east-1']) {
      const scope = { accountId: DEMO_ACCOUNT_ID, region };
      const key = state.addKey(scope, { rotationEnabled: true, aliases: ['alias/glue-ml'] });
      state.addSecurityConfiguration(scope, {
        Name: 'glue-encrypt-kms',
        EncryptionConfiguration: {
          S3Encryption: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: key.arn }],
          CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: key.arn },
          JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: key.arn },
        },
      });
      for (const name of [`${region}-dedupe`, `${region}-match`]) {
        state.addTransform(scope, {
          Name: name,
          Role: `arn:aws:iam::${DEMO_ACCOUNT_ID}:role/GlueMLRole`,
          TransformEncryption: {
            MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: name.endsWith('dedupe') ? key.arn : 'alias/glue-ml' },
            TaskRunSecurityConfigurationName: 'glue-encrypt-kms',
          },
        });
      }
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('exits 0 and reports every transform as PASS', async () => {
    const code = await main(['check', '--json']);
    const report = JSON.parse(stdout()) as JsonReport;
    expect(report.transforms.map((t) => `${t.region}/${t.name} ${t.status}`).sort()).toEqual([
      'eu-west-1/eu-west-1-dedupe PASS',
      'eu-west-1/eu-west-1-match PASS',
      'us-east-1/us-east-1-dedupe PASS',
      'us-east-1/us-east-1-match PASS',
    ]);
    expect(code).toBe(0);
  });

  it('exits 2 when a region could not be read, even though what was read passed', async () => {
    h.aws.state.denyRegion(DEMO_ACCOUNT_ID, 'us-east-1');
    try {
      const code = await main(['check']);
      expect(code).toBe(2);
      expect(stdout()).toContain('Could not check');
      expect(stdout()).toContain('us-east-1');
    } finally {
      h.aws.state.clearDenyRules();
    }
  });
});
