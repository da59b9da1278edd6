// Where a bundle's cold start goes, for section 2c: a fresh `node` reads the bundle, compiles it
// and evaluates it as require() would (Module.wrap + vm.Script, each step timed), then answers one
// signed request. Run on the real (minified) bundle, that splits require(bundle) into read,
// compile and evaluate. Run on a diagnostic build (same esbuild options but not minified, so the
// module paths survive, with esbuild's two lazy-module helpers patched to time each module's first
// evaluation and a mark at each top-level module comment), it also says which packages the
// evaluation is spent in. The diagnostic build is never the one the targets are judged on.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageOf } from './bundle.js';
import type { ResolvedEsbuildOptions } from './esbuildOptions.js';

const SPLIT_WRAPPER = `'use strict';
const atTop = performance.now();
const fs = require('node:fs');
const vm = require('node:vm');
const Module = require('node:module');
const path = require('node:path');
const [bundle, eventJson] = process.argv.slice(2);
const ready = performance.now();
const source = fs.readFileSync(bundle, 'utf8');
const read = performance.now();
const fn = new vm.Script(Module.wrap(source), { filename: bundle }).runInThisContext();
const compiled = performance.now();
const m = new Module(bundle, module);
m.filename = bundle;
m.paths = Module._nodeModulePaths(path.dirname(bundle));
fn.call(m.exports, m.exports, (id) => m.require(id), m, bundle, path.dirname(bundle));
const evaluated = performance.now();
const evaluatedNow = globalThis.__benchNow ? globalThis.__benchNow() : null;
const rootMsAtEvaluated = globalThis.__benchRootMsNow ? globalThis.__benchRootMsNow() : null;
m.exports.handler(JSON.parse(eventJson), {}).then(
  (res) => {
    const answered = performance.now();
    const modules = globalThis.__benchModuleTimes || null;
    const marks = globalThis.__benchMarks || null;
    process.stdout.write('\\nBENCH_SPLIT ' + JSON.stringify({ atTop, ready, read, compiled, evaluated, answered, statusCode: res.statusCode, modules, marks, evaluatedNow, rootMsAtEvaluated }) + '\\n');
    process.exit(0);
  },
  (err) => { console.error(err); process.exit(1); },
);
`;

/** esbuild's lazy-module helpers as it prints them unminified (0.2x): ESM init functions and CommonJS wrappers. */
const ESM_HELPER = /^var __esm = \([^)]*\) => function __init\(\) \{\n[\s\S]*?\n\};\n/m;
const CJS_HELPER = /^var __commonJS = \([^)]*\) => function __require\(\) \{\n[\s\S]*?\n\};\n/m;

/** Defined before the helpers: the clock, the records, and the timing of one module's first evaluation. */
const TIMING_PRELUDE = `var __benchNow = globalThis.__benchNow = () => Number(process.hrtime.bigint()) / 1e6;
var __benchStack = [];
var __benchModuleTimes = globalThis.__benchModuleTimes = [];
var __benchMarks = globalThis.__benchMarks = [];
var __benchRootMs = 0;
globalThis.__benchRootMsNow = () => __benchRootMs;
var __benchTime = (name, run) => {
  const rec = { name, start: __benchNow(), ms: 0, childMs: 0 };
  const parent = __benchStack[__benchStack.length - 1];
  __benchStack.push(rec);
  try {
    return run();
  } finally {
    __benchStack.pop();
    rec.ms = __benchNow() - rec.start;
    if (parent) parent.childMs += rec.ms;
    else __benchRootMs += rec.ms;
    __benchModuleTimes.push(rec);
  }
};
var __benchMark = (name) => __benchMarks.push({ name, at: __benchNow(), rootMs: __benchRootMs });
`;

/** Same behaviour as esbuild's (cycles see the partial module, a failure is rethrown next time), timed. */
const TIMED_ESM = `var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    if (!fn) return res;
    const name = __getOwnPropNames(fn)[0], f = fn[name];
    fn = 0;
    return __benchTime(name, () => (res = f(0)));
  } catch (e) {
    throw err = [e], e;
  }
};
`;
const TIMED_CJS = `var __commonJS = (cb, mod) => function __require() {
  try {
    if (mod) return mod.exports;
    const name = __getOwnPropNames(cb)[0];
    mod = { exports: {} };
    __benchTime(name, () => (0, cb[name])(mod.exports, mod));
    return mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
`;

/** A top-level module comment esbuild prints before each module's code (unminified). */
const MODULE_COMMENT = /^\/\/ ((?:src|node_modules|bench|unused-on-lambda)[/:][^\n]*)$/gm;

export interface SplitRun {
  /** ms from process start to the wrapper's first line (Node's boot). */
  atTop: number;
  readMs: number;
  compileMs: number;
  evaluateMs: number;
  firstAnswerMs: number;
  answered: number;
  statusCode: number;
  /** Diagnostic build only: self ms of evaluation by package, and what evaluated during the first answer. */
  evaluateByPackage?: Record<string, number>;
  firstAnswerByPackage?: Record<string, number>;
}

interface RawSplit {
  atTop: number;
  ready: number;
  read: number;
  compiled: number;
  evaluated: number;
  answered: number;
  statusCode: number;
  modules: { name: string; start: number; ms: number; childMs: number }[] | null;
  marks: { name: string; at: number; rootMs: number }[] | null;
  /** __benchNow() and the root-level timed modules' total when evaluation ended (diagnostic build only). */
  evaluatedNow: number | null;
  rootMsAtEvaluated: number | null;
}

export function writeSplitWrapper(dir: string): string {
  const path = join(dir, 'split-wrapper.cjs');
  writeFileSync(path, SPLIT_WRAPPER);
  return path;
}

/** Builds `entry` with `options` but unminified and with timed module helpers; undefined (and why) if the helpers are not found. */
export async function buildDiagnostic(root: string, entry: string, options: ResolvedEsbuildOptions): Promise<{ file: string } | { error: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'glue-encrypt-bench-diag-'));
  const file = join(outdir, 'diagnostic.js');
  await build({ ...options.esbuild, minify: false, sourcemap: false, absWorkingDir: root, entryPoints: [entry], outfile: file, write: true, logLevel: 'silent' });
  const text = readFileSync(file, 'utf8');
  const esm = ESM_HELPER.exec(text);
  const cjs = CJS_HELPER.exec(text);
  const first = [esm, cjs].filter((m) => m !== null).sort((a, b) => a.index - b.index)[0];
  if (!first || !text.startsWith('"use strict";\n')) return { error: "esbuild's __esm/__commonJS helpers are not printed as expected; no per-package breakdown" };
  const patched = (text.slice(0, first.index) + TIMING_PRELUDE + text.slice(first.index))
    .replace(ESM_HELPER, TIMED_ESM)
    .replace(CJS_HELPER, TIMED_CJS)
    .replace(MODULE_COMMENT, (line, name: string) => `${line}\n__benchMark(${JSON.stringify(name)});`);
  writeFileSync(file, patched);
  return { file };
}

function bucket(name: string): string {
  if (name.startsWith('unused-on-lambda:')) return 'stubs (esbuild.plugins.cjs)';
  if (name.startsWith('bench/')) return 'the minimal app (bench/fixtures)';
  return packageOf(name);
}

function add(to: Record<string, number>, key: string, ms: number): void {
  to[key] = (to[key] ?? 0) + ms;
}

/** Self time per package: timed lazy modules (their own ms less their children's) and top-level code between marks (less the timed modules it ran). */
function byPackage(raw: RawSplit): { evaluate: Record<string, number>; firstAnswer: Record<string, number> } {
  const evaluate: Record<string, number> = {};
  const firstAnswer: Record<string, number> = {};
  const end = raw.evaluatedNow ?? Number.POSITIVE_INFINITY;
  for (const m of raw.modules ?? []) add(m.start <= end ? evaluate : firstAnswer, bucket(m.name), m.ms - m.childMs);
  const marks = raw.marks ?? [];
  marks.forEach((mark, i) => {
    const next = marks[i + 1];
    const at = next?.at ?? end;
    // The root-level timed modules this stretch of top-level code ran are counted above already.
    const rootMs = (next?.rootMs ?? raw.rootMsAtEvaluated ?? mark.rootMs) - mark.rootMs;
    add(evaluate, bucket(mark.name), Math.max(0, at - mark.at - rootMs));
  });
  return { evaluate, firstAnswer };
}

export function splitRun(wrapper: string, bundleFile: string, event: unknown, env: Record<string, string>, timeoutMs = 20_000): Promise<SplitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wrapper, bundleFile, JSON.stringify(event)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_SPLIT '));
      if (code !== 0 || !line) {
        reject(new Error(`split run of ${bundleFile} failed (exit ${code}): ${stderr.trim().slice(0, 2000) || stdout.trim().slice(0, 2000)}`));
        return;
      }
      const raw = JSON.parse(line.slice('BENCH_SPLIT '.length)) as RawSplit;
      const run: SplitRun = {
        atTop: raw.atTop,
        readMs: raw.read - raw.ready,
        compileMs: raw.compiled - raw.read,
        evaluateMs: raw.evaluated - raw.compiled,
        firstAnswerMs: raw.answered - raw.evaluated,
        answered: raw.answered,
        statusCode: raw.statusCode,
      };
      if (raw.modules) {
        const split = byPackage(raw);
        run.evaluateByPackage = split.evaluate;
        run.firstAnswerByPackage = split.firstAnswer;
      }
      resolve(run);
    });
  });
}
