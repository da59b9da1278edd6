// Cold start: a fresh `node` per run requires the bundle and answers one signed
// `/glue-encrypt help`. A tiny wrapper notes performance.now() (ms since the process's
// timeOrigin) at its first line and again after the answer.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { signedSlashCommand } from '../src/sandbox/slackRequest.js';

const WRAPPER = `'use strict';
const atTop = performance.now();
// The same instants on the monotonic clock V8's CPU profiles use (microseconds), to split a profile by phase.
const us = () => Number(process.hrtime.bigint() / 1000n);
const atTopUs = us();
const [bundle, eventJson] = process.argv.slice(2);
const { handler } = require(bundle);
const loaded = performance.now();
const loadedUs = us();
handler(JSON.parse(eventJson), {}).then(
  (res) => {
    const answered = performance.now();
    const answeredUs = us();
    const body = typeof res.body === 'string' ? res.body : '';
    process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({ atTop, loaded, answered, statusCode: res.statusCode, help: body.includes('/glue-encrypt'), body: body.slice(0, 200), clock: { atTopUs, loadedUs, answeredUs } }) + '\\n');
    process.exit(0);
  },
  (err) => { console.error(err); process.exit(1); },
);
`;

export interface ColdRun {
  /** ms from process start (timeOrigin) to the wrapper's first line: Node's own boot. */
  atTop: number;
  /** ms from process start to the bundle being required. */
  loaded: number;
  /** ms from process start to the handler's answer. */
  answered: number;
  /** ms from spawn() to the answer line, as the parent saw it. */
  parentMs: number;
  statusCode: number;
  help: boolean;
  /** The answer's body (first 200 characters). */
  body: string;
  /** atTop, loaded and answered on the monotonic clock of V8's CPU profiles (microseconds). */
  clock: { atTopUs: number; loadedUs: number; answeredUs: number };
}

export function writeWrapper(bundleFile: string): string {
  const path = join(dirname(bundleFile), 'cold-wrapper.cjs');
  writeFileSync(path, WRAPPER);
  return path;
}

/** The environment a deployed slack function would have, with plain secrets instead of SSM names. */
export function coldEnv(signingSecret: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: 'xoxb-bench-0000000000-0000000000000-benchbenchbenchbenchbench',
    SLACK_BOT_ID: 'B0BENCH',
    SLACK_BOT_USER_ID: 'U0BENCHBOT',
    GLUE_ENCRYPT_WORKER_FUNCTION: 'glue-encrypt-bench-worker',
    AWS_REGION: 'eu-west-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

export function coldRun(wrapper: string, bundleFile: string, extraEnv: Record<string, string> = {}, timeoutMs = 20_000): Promise<ColdRun> {
  const signingSecret = randomBytes(16).toString('hex');
  const event = signedSlashCommand({ text: 'help' }, { signingSecret });
  return coldRunWith(wrapper, bundleFile, event, coldEnv(signingSecret, extraEnv), { timeoutMs });
}

export interface ColdRunOptions {
  /** Flags for `node` itself (e.g. --cpu-prof), before the wrapper. */
  nodeArgs?: readonly string[];
  timeoutMs?: number;
}

/** One fresh `node` that requires `bundleFile` and hands `event` to its handler, with exactly `env`. */
export function coldRunWith(wrapper: string, bundleFile: string, event: unknown, env: Record<string, string>, options: ColdRunOptions = {}): Promise<ColdRun> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), wrapper, bundleFile, JSON.stringify(event)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let parentMs = Number.NaN;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (Number.isNaN(parentMs) && stdout.includes('BENCH_RESULT ')) parentMs = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`cold-start run failed (exit ${code}): ${stderr.trim().slice(0, 2000) || stdout.trim().slice(0, 2000)}`));
        return;
      }
      const r = JSON.parse(line.slice('BENCH_RESULT '.length)) as Omit<ColdRun, 'parentMs'>;
      resolve({ ...r, parentMs });
    });
  });
}

export async function coldRuns(bundleFile: string, times: number, extraEnv: Record<string, string> = {}): Promise<ColdRun[]> {
  const wrapper = writeWrapper(bundleFile);
  const runs: ColdRun[] = [];
  for (let i = 0; i < times; i++) runs.push(await coldRun(wrapper, bundleFile, extraEnv));
  return runs;
}
