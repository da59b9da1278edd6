// 2. Bundle size and cold start, as one report section.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleSlackHandler, FORBIDDEN_PACKAGES } from './bundle.js';
import { coldRuns, type ColdRun } from './coldStart.js';
import { row, type Section } from './report.js';
import { bytes, median, ms } from './stats.js';

const RUNS = 10;
const TARGET_BYTES = 1.5 * 1024 * 1024;
const TARGET_COLD_MS = 400;

function summary(runs: readonly ColdRun[]) {
  return {
    answered: median(runs.map((r) => r.answered)),
    atTop: median(runs.map((r) => r.atTop)),
    load: median(runs.map((r) => r.loaded - r.atTop)),
    answer: median(runs.map((r) => r.answered - r.loaded)),
    parent: median(runs.map((r) => r.parentMs)),
    min: Math.min(...runs.map((r) => r.answered)),
    max: Math.max(...runs.map((r) => r.answered)),
    allOk: runs.every((r) => r.statusCode === 200 && r.help),
  };
}

export async function benchColdStart(root: string): Promise<Section> {
  const b = await bundleSlackHandler(root);
  let plain: ColdRun[];
  let withMaps: ReturnType<typeof summary>;
  try {
    plain = await coldRuns(b.file, RUNS);
    // What Lambda actually runs: serverless.yml sets NODE_OPTIONS=--enable-source-maps on the function.
    withMaps = summary(await coldRuns(b.file, RUNS, { NODE_OPTIONS: '--enable-source-maps' }));
  } finally {
    // The bundle lives in a temporary directory of its own.
    rmSync(dirname(b.file), { recursive: true, force: true });
  }
  const c = summary(plain);

  const forbiddenIn = FORBIDDEN_PACKAGES.filter((p) => (b.forbidden[p] ?? 0) > 0);
  const top = b.packages.slice(0, 12);
  return {
    name: '2. Cold start (esbuild bundle of src/handlers/slack.ts)',
    rows: [
      row('bundle size (slack.js)', bytes(b.bytes), '<= 1.5 MB', b.bytes <= TARGET_BYTES),
      row('source map (slack.js.map)', bytes(b.mapBytes)),
      row('Glue/KMS/STS clients in bundle', forbiddenIn.length === 0 ? 'none' : forbiddenIn.join(', '), 'none', forbiddenIn.length === 0),
      row(`cold load + first answer, median of ${RUNS}`, ms(c.answered), `<= ${TARGET_COLD_MS} ms`, c.answered <= TARGET_COLD_MS),
      row('  of which node boot (to wrapper line 1)', ms(c.atTop)),
      row('  of which require(bundle)', ms(c.load)),
      row('  of which first help answer', ms(c.answer)),
      row('  spawn-to-answer seen by parent', ms(c.parent)),
      row('cold + first answer with --enable-source-maps', ms(withMaps.answered)),
      row('help answered 200 in every run', String(c.allOk && withMaps.allOk), 'true', c.allOk && withMaps.allOk),
    ],
    notes: [
      `esbuild options from ${b.options.source}${b.options.fallbackReason ? ` (${b.options.fallbackReason})` : ''}: ${JSON.stringify({ ...b.options.esbuild, plugins: b.options.pluginNames })}; built in ${b.buildMs.toFixed(0)} ms.`,
      `Cold runs: range ${c.min.toFixed(0)}-${c.max.toFixed(0)} ms; env SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_BOT_ID, SLACK_BOT_USER_ID, GLUE_ENCRYPT_WORKER_FUNCTION, AWS_REGION, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED only (plain secrets: on Lambda the first request also reads two SSM parameters).`,
      `With NODE_OPTIONS=--enable-source-maps (as serverless.yml deploys it): median ${withMaps.answered.toFixed(0)} ms (require ${withMaps.load.toFixed(0)} ms) — informational, the target is judged without it.`,
      'Biggest packages in the bundle (bytes in output):',
      ...top.map((p) => `    ${p.name.padEnd(44)} ${p.bytes.toLocaleString('en-US').padStart(10)} B  ${((100 * p.bytes) / b.bytes).toFixed(1)}%`),
      'Biggest single inputs:',
      ...b.inputs.slice(0, 8).map((i) => `    ${i.path.padEnd(90)} ${i.bytes.toLocaleString('en-US').padStart(10)} B`),
      ...FORBIDDEN_PACKAGES.map((p) => `${p}: ${(b.forbidden[p] ?? 0) > 0 ? `IN the bundle (${(b.forbidden[p] ?? 0).toLocaleString('en-US')} B)` : 'not in the bundle'}`),
      ...(b.warnings.length > 0 ? [`esbuild warnings: ${b.warnings.length} (${b.warnings.slice(0, 3).join(' | ')})`] : []),
    ],
    data: {
      options: { ...b.options, esbuild: { ...b.options.esbuild, plugins: b.options.pluginNames } },
      bytes: b.bytes,
      mapBytes: b.mapBytes,
      buildMs: b.buildMs,
      packages: b.packages,
      topInputs: b.inputs.slice(0, 30),
      forbidden: b.forbidden,
      runs: plain,
      summary: c,
      withSourceMaps: withMaps,
      targets: { bytes: TARGET_BYTES, coldMs: TARGET_COLD_MS },
    },
  };
}
