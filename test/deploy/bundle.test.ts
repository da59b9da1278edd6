// The packaged slack function as Lambda runs it: .serverless/slack.zip unpacked into an empty
// directory, the bundled handler required by a fresh `node` (no vitest, no TypeScript, no
// node_modules to fall back on), given the HTTP API events Slack's requests become. Also what
// the bundle must not carry: the slack function approves remediations but never calls Glue,
// KMS or STS, and its cold start depends on staying small.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedSlashCommand } from '../../src/sandbox/slackRequest.js';
import { renderHelp } from '../../src/slack/views/help.js';
import { readZip } from './zip.js';

const OUT_DIR = join(process.cwd(), '.serverless');
const HANDLER = 'src/handlers/slack.js';
/** The unminified bundle was 2.9 MB; 1.27 MB since Bolt's unused receivers are stubbed (esbuild.plugins.cjs). */
const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;
/** Clients the slack function must not contain: the worker and the workflow read and change Glue, not it. */
const FORBIDDEN_CLIENTS = ['@aws-sdk/client-glue', '@aws-sdk/client-kms', '@aws-sdk/client-sts'];
/**
 * How a bundled Glue or KMS client shows in minified code: the JSON 1.1 target prefix
 * (`AWSGlue.GetMLTransforms`, or `serviceTarget:"AWSGlue"` in schema-based SDK releases).
 * STS has no such marker of its own: the SDK's default credential chain bundles a nested STS
 * client (AssumeRole, AssumeRoleWithWebIdentity) in every function, so for STS only the source
 * map tells the client-sts package apart.
 */
const FORBIDDEN_TARGETS = [/["'.]AWSGlue["'.]/, /["'.]TrentService["'.]/];

const SIGNING_SECRET = 'bundle-test-signing-secret';

function unpack(name: string): { dir: string; files: Map<string, Buffer> } {
  const zip = join(OUT_DIR, `${name}.zip`);
  if (!existsSync(zip)) throw new Error(`${zip} is missing: run \`npm run package\` first (npm test does it before vitest).`);
  const files = readZip(zip);
  const dir = mkdtempSync(join(tmpdir(), `glue-encrypt-${name}-`));
  for (const [path, data] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  return { dir, files };
}

/** npm package names the bundle was built from, per its source map. */
function bundledPackages(files: Map<string, Buffer>, handler: string): Set<string> {
  const map = files.get(`${handler}.map`);
  if (!map) throw new Error(`${handler}.map is not in the zip (custom.esbuild.sourcemap)`);
  const { sources } = JSON.parse(map.toString('utf8')) as { sources: string[] };
  const packages = new Set<string>();
  for (const source of sources) {
    const at = source.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const [scope, name] = source.slice(at + 'node_modules/'.length).split('/');
    packages.add(scope?.startsWith('@') ? `${scope}/${name}` : String(scope));
  }
  return packages;
}

interface LambdaResponse {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}

// Runs in the child: require the bundle, hand it each event in turn, write what it answered.
const DRIVER = `
const fs = require('node:fs');
const { handler } = require('./${HANDLER}');
(async () => {
  const events = JSON.parse(fs.readFileSync('events.json', 'utf8'));
  const responses = [];
  for (const event of events) responses.push(await handler(event, {}));
  fs.writeFileSync('responses.json', JSON.stringify(responses));
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('slack.zip', () => {
  let slack: { dir: string; files: Map<string, Buffer> };

  beforeAll(() => {
    slack = unpack('slack');
  });
  afterAll(() => {
    if (slack) rmSync(slack.dir, { recursive: true, force: true });
  });

  it('holds the bundled handler and its source map, nothing else', () => {
    expect([...slack.files.keys()].sort()).toEqual([HANDLER, `${HANDLER}.map`]);
  });

  it('answers a signed /glue-encrypt help with the help text, and a badly signed one with 401', () => {
    const help = signedSlashCommand({ text: 'help' }, { signingSecret: SIGNING_SECRET });
    const forged = signedSlashCommand({ text: 'help' }, { signingSecret: 'not-the-signing-secret' });
    writeFileSync(join(slack.dir, 'events.json'), JSON.stringify([help, forged]));

    const child = spawnSync(process.execPath, ['--enable-source-maps', '-e', DRIVER], {
      cwd: slack.dir,
      encoding: 'utf8',
      timeout: 20_000,
      // Only what the Lambda configuration would give it, with plain secrets instead of SSM
      // names; nothing inherited (no developer AWS credentials). Any AWS or Slack call would go
      // to a closed local port and fail fast: answering `help` needs neither.
      env: {
        PATH: process.env.PATH ?? '',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: 'xoxb-not-a-real-token',
        SLACK_BOT_ID: 'B0BUNDLETEST',
        SLACK_BOT_USER_ID: 'U0BUNDLETEST',
        GLUE_ENCRYPT_WORKER_FUNCTION: 'glue-encrypt-ci-worker',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    expect(child.error, 'could not run node').toBeUndefined();
    expect(child.status, `bundled handler failed:\n${child.stderr}\n${child.stdout}`).toBe(0);

    const [answered, refused] = JSON.parse(readFileSync(join(slack.dir, 'responses.json'), 'utf8')) as LambdaResponse[];
    expect(answered?.statusCode, JSON.stringify(answered)).toBe(200);
    const body = JSON.parse(answered?.body ?? '{}') as { response_type?: string; text?: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toBe(renderHelp().text);
    expect(refused?.statusCode, JSON.stringify(refused)).toBe(401);
  });

  it('does not bundle the Glue, KMS or STS clients', () => {
    const packages = bundledPackages(slack.files, HANDLER);
    // The detector works: the slack bundle does carry the clients it uses.
    expect([...packages]).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/client-lambda']));
    for (const client of FORBIDDEN_CLIENTS) expect(packages.has(client), client).toBe(false);
    const code = slack.files.get(HANDLER)?.toString('utf8') ?? '';
    for (const target of FORBIDDEN_TARGETS) expect(code, String(target)).not.toMatch(target);
  });

  it('stays under 1.5 MB of bundled code', () => {
    const size = slack.files.get(HANDLER)?.length ?? 0;
    console.log(`${HANDLER}: ${(size / 1024).toFixed(1)} KiB`);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });
});

// The same checks on the functions that must have the clients, so a detector that finds
// nothing cannot pass the slack bundle by accident.
describe.each(['worker', 'advance'])('%s.zip', (name) => {
  it('bundles the Glue, KMS and STS clients the slack bundle must not have', () => {
    const files = readZip(join(OUT_DIR, `${name}.zip`));
    const handler = `src/handlers/${name}.js`;
    const packages = bundledPackages(files, handler);
    for (const client of FORBIDDEN_CLIENTS) expect(packages.has(client), client).toBe(true);
    const code = files.get(handler)?.toString('utf8') ?? '';
    for (const target of FORBIDDEN_TARGETS) expect(code, String(target)).toMatch(target);
  });
});
