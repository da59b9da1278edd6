#!/usr/bin/env node
// `npm run package`: build the deployment artifacts with the locally installed osls
// (`serverless package`), the same way on a laptop and in CI:
//   - fixed stage and region (ci / eu-west-1), so the template the tests read does not depend
//     on who runs it; extra arguments are passed through (e.g. --param="accounts=111111111111");
//   - offline: `package` needs no AWS credentials, and serverless-esbuild bundles every
//     dependency (no externals), so it never runs `npm install`; osls 4 has no telemetry,
//     update check or dashboard calls;
//   - never interactive (CI=true, stdin closed); the exit code is osls's own, its output is shown.
// Writes .serverless/ (CloudFormation template + one zip per function) and prints the zip sizes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.serverless');
const stage = 'ci';
const region = 'eu-west-1';

function oslsBin() {
  const require = createRequire(join(root, 'package.json'));
  let pkgPath;
  try {
    pkgPath = require.resolve('osls/package.json');
  } catch {
    console.error('package: osls is not installed; run `npm ci` first.');
    process.exit(1);
  }
  const pkg = require(pkgPath);
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.serverless;
  return join(dirname(pkgPath), bin);
}

const env = {
  ...process.env,
  // No prompts, no spinners: osls treats CI=true as non-interactive.
  CI: 'true',
  // Harmless with osls 4 (it has neither), but keeps upstream-style tooling quiet if swapped in.
  SLS_TELEMETRY_DISABLED: '1',
  SLS_TRACKING_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  // osls caches its compiled config-schema validator under $HOME/.serverless by default;
  // keep it inside the checkout so a read-only or throwaway HOME in CI does not matter.
  SLS_SCHEMA_CACHE_BASE_DIR: process.env.SLS_SCHEMA_CACHE_BASE_DIR ?? join(root, 'node_modules', '.cache', 'osls'),
  // Print deprecations in the log instead of "run 'serverless doctor'" (which CI never does).
  SLS_DEPRECATION_NOTIFICATION_MODE: process.env.SLS_DEPRECATION_NOTIFICATION_MODE ?? 'warn',
  FORCE_COLOR: '0',
};

// A watchdog, so a wedged build fails the job instead of holding a CI runner until its own timeout.
const timeoutSeconds = Number(process.env.PACKAGE_TIMEOUT_SECONDS ?? 600);

const args = [oslsBin(), 'package', '--stage', stage, '--region', region, ...process.argv.slice(2)];
const started = process.hrtime.bigint();
console.log(`package: serverless ${args.slice(1).join(' ')}`);

const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
let timedOut = false;
const watchdog = setTimeout(() => {
  timedOut = true;
  console.error(`package: no result after ${timeoutSeconds}s; stopping osls`);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
}, timeoutSeconds * 1000);

child.on('error', (err) => {
  console.error(`package: could not start osls: ${err.message}`);
  process.exit(1);
});

child.on('close', (code, signal) => {
  clearTimeout(watchdog);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0 || timedOut) {
    console.error(`package: serverless package failed (${signal ?? `exit code ${code}`}) after ${seconds.toFixed(1)}s`);
    process.exit(timedOut ? 1 : code || 1);
  }
  const template = join(outDir, 'cloudformation-template-update-stack.json');
  const zips = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.zip')).sort() : [];
  if (!existsSync(template) || zips.length === 0) {
    console.error(`package: osls exited 0 but ${existsSync(template) ? 'no zip' : 'no template'} was written to ${outDir}`);
    process.exit(1);
  }
  for (const zip of zips) {
    const kib = statSync(join(outDir, zip)).size / 1024;
    console.log(`package: .serverless/${zip} ${kib.toFixed(1)} KiB`);
  }
  console.log(`package: done in ${seconds.toFixed(1)}s (stage ${stage}, region ${region})`);
});
