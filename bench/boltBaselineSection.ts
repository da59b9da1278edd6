// 2c. Against a minimal Bolt app: our slack function's bundle beside the smallest Bolt 5 app that
// answers Slack on Lambda (bench/fixtures/minimalBolt.ts), both built with the slack function's
// esbuild options, measured the same way in the same run: cold load + first answer in a fresh
// `node` per sample (the two apps' samples interleaved), and the warm ack p99 over many signed
// slash commands in one process per app (batches interleaved). The targets are ratios, so a busy
// machine slows both sides alike. Also splits each cold start into Node's boot, reading, compiling
// and evaluating the bundle, and the first answer, and says which packages the evaluation is in.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { AwsSandbox } from '../src/sandbox/aws/index.js';
import { startSlackSandbox } from '../src/sandbox/slack.js';
import { signedSlashCommand } from '../src/sandbox/slackRequest.js';
import { AckChild, type AckBatch } from './ackChild.js';
import { bundleHandler, type BundleInfo } from './bundle.js';
import { coldRunWith, writeWrapper, type ColdRun } from './coldStart.js';
import { buildDiagnostic, splitRun, writeSplitWrapper, type SplitRun } from './loadProfile.js';
import { row, type Section } from './report.js';
import { bytes, median, ms, percentile, ratio } from './stats.js';

export const MINIMAL_BOLT_ENTRY = 'bench/fixtures/minimalBolt.ts';
const OUR_ENTRY = 'src/handlers/slack.ts';
const COLD_RUNS = 15;
const SPLIT_RUNS = 5;
const DIAGNOSTIC_RUNS = 3;
const ACK_WARMUP = 50;
const ACK_MEASURED = 2_000;
const ACK_BATCH = 100;
const TARGET_COLD_RATIO = 0.8;
const TARGET_ACK_RATIO = 1.5;
const WORKER = 'glue-encrypt-bench-worker';
const TEAM_ID = 'T0SANDBOX';

interface App {
  key: 'ours' | 'minimal';
  label: string;
  bundle: BundleInfo;
  coldWrapper: string;
  splitWrapper: string;
}

const medianOf = <T>(runs: readonly T[], pick: (r: T) => number): number => median(runs.map(pick));

/** Median per package over runs (a package missing from a run counts 0 there). */
function medianByPackage(maps: readonly Record<string, number>[]): [string, number][] {
  const keys = new Set(maps.flatMap((m) => Object.keys(m)));
  return [...keys].map((k) => [k, median(maps.map((m) => m[k] ?? 0))] as [string, number]).sort((a, b) => b[1] - a[1]);
}

function describeAck(samples: readonly number[]) {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), max: Math.max(...samples), n: samples.length };
}

export async function benchAgainstBolt(root: string): Promise<Section> {
  const [oursBundle, minimalBundle] = await Promise.all([bundleHandler(root, OUR_ENTRY), bundleHandler(root, MINIMAL_BOLT_ENTRY)]);
  const dirs = [dirname(oursBundle.file), dirname(minimalBundle.file)];
  const apps: Record<App['key'], App> = {
    ours: { key: 'ours', label: 'ours', bundle: oursBundle, coldWrapper: writeWrapper(oursBundle.file), splitWrapper: writeSplitWrapper(dirname(oursBundle.file)) },
    minimal: { key: 'minimal', label: 'minimal Bolt', bundle: minimalBundle, coldWrapper: writeWrapper(minimalBundle.file), splitWrapper: writeSplitWrapper(dirname(minimalBundle.file)) },
  };

  // The stand-ins our handler needs: Lambda for the worker hand-off (a no-op worker), the Slack Web API.
  const aws = await AwsSandbox.start({ latencyMs: 0 });
  let workerRuns = 0;
  aws.registerFunction(WORKER, async () => {
    workerRuns++;
    return {};
  });
  const slack = await startSlackSandbox({ teamId: TEAM_ID });
  const children: AckChild[] = [];
  try {
    const signingSecret = randomBytes(16).toString('hex');
    // Every child of this section, both apps, cold and warm, gets exactly this environment.
    const env: Record<string, string> = {
      ...aws.env(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_BOT_ID: slack.botId,
      SLACK_BOT_USER_ID: slack.botUserId,
      SLACK_TEAM_ID: slack.teamId,
      SLACK_API_URL: slack.apiUrl,
      GLUE_ENCRYPT_WORKER_FUNCTION: WORKER,
    };
    const command = (text: string) =>
      signedSlashCommand(
        { text, teamId: slack.teamId, userId: 'U0ALICE', channelId: 'C0SECURITY', responseUrl: slack.mintResponseUrl({ channel: 'C0SECURITY', user: 'U0ALICE' }) },
        { signingSecret },
      );

    // Cold load + first answer: one fresh node per sample, the apps alternating (and which goes first, too).
    const cold: Record<App['key'], ColdRun[]> = { ours: [], minimal: [] };
    for (let i = 0; i < COLD_RUNS; i++) {
      const order: App[] = i % 2 === 0 ? [apps.ours, apps.minimal] : [apps.minimal, apps.ours];
      for (const app of order) cold[app.key].push(await coldRunWith(app.coldWrapper, app.bundle.file, command('help'), env));
    }
    // The same, split into read / compile / evaluate / first answer (require() done by hand), on the real bundles.
    const split: Record<App['key'], SplitRun[]> = { ours: [], minimal: [] };
    for (let i = 0; i < SPLIT_RUNS; i++) {
      const order: App[] = i % 2 === 0 ? [apps.ours, apps.minimal] : [apps.minimal, apps.ours];
      for (const app of order) split[app.key].push(await splitRun(app.splitWrapper, app.bundle.file, command('help'), env));
    }
    // Which packages the evaluation is spent in: diagnostic (unminified, timed) builds of the same entries.
    const diagnostic: Record<App['key'], SplitRun[] | string> = { ours: [], minimal: [] };
    for (const app of [apps.ours, apps.minimal]) {
      const d = await buildDiagnostic(root, app.key === 'ours' ? OUR_ENTRY : MINIMAL_BOLT_ENTRY, app.bundle.options);
      if ('error' in d) {
        diagnostic[app.key] = d.error;
        continue;
      }
      dirs.push(dirname(d.file));
      const runs: SplitRun[] = [];
      try {
        for (let i = 0; i < DIAGNOSTIC_RUNS; i++) runs.push(await splitRun(app.splitWrapper, d.file, command('help'), env));
        diagnostic[app.key] = runs;
      } catch (err) {
        diagnostic[app.key] = `diagnostic build did not run: ${(err as Error).message.slice(0, 300)}`;
      }
    }

    // Warm acks: one process per app, batches interleaved. Ours answers `check` (it hands the job to
    // the worker through the Lambda stand-in, as section 1) and, for comparison, `help` (no hand-off);
    // the minimal app gets the same `check` requests.
    const oursChild = await AckChild.start('ours', oursBundle.file, env);
    children.push(oursChild);
    const minimalChild = await AckChild.start('minimal Bolt', minimalBundle.file, env);
    children.push(minimalChild);
    const series = [
      { key: 'oursCheck', child: oursChild, text: 'check', expect: (b: string) => b.includes('Checking') },
      { key: 'minimal', child: minimalChild, text: 'check', expect: (b: string) => b === 'ok' },
      { key: 'oursHelp', child: oursChild, text: 'help', expect: (b: string) => b.includes('/glue-encrypt') },
    ] as const;
    const samples: Record<(typeof series)[number]['key'], number[]> = { oursCheck: [], minimal: [], oursHelp: [] };
    const wrong: Record<(typeof series)[number]['key'], number> = { oursCheck: 0, minimal: 0, oursHelp: 0 };
    const batch = async (s: (typeof series)[number], n: number, keep: boolean) => {
      // Built and signed before the batch: only the handler is timed, in the child.
      const events = Array.from({ length: n }, () => command(s.text));
      const out: AckBatch = await s.child.run(events);
      out.statuses.forEach((status, i) => {
        if (status !== 200 || !s.expect(out.bodies[i] ?? '')) wrong[s.key]++;
      });
      if (keep) samples[s.key].push(...out.samples);
    };
    for (const s of series) await batch(s, ACK_WARMUP, false);
    for (let round = 0; round < ACK_MEASURED / ACK_BATCH; round++) {
      // Rotate which series goes first in each round.
      for (let j = 0; j < series.length; j++) await batch(series[(round + j) % series.length]!, ACK_BATCH, true);
    }
    await aws.idle();

    const c = {
      ours: { answered: medianOf(cold.ours, (r) => r.answered), parent: medianOf(cold.ours, (r) => r.parentMs) },
      minimal: { answered: medianOf(cold.minimal, (r) => r.answered), parent: medianOf(cold.minimal, (r) => r.parentMs) },
    };
    const coldRatio = ratio(c.ours.answered, c.minimal.answered);
    const phases = (runs: readonly SplitRun[]) => ({
      boot: medianOf(runs, (r) => r.atTop),
      read: medianOf(runs, (r) => r.readMs),
      compile: medianOf(runs, (r) => r.compileMs),
      evaluate: medianOf(runs, (r) => r.evaluateMs),
      firstAnswer: medianOf(runs, (r) => r.firstAnswerMs),
      answered: medianOf(runs, (r) => r.answered),
    });
    const p = { ours: phases(split.ours), minimal: phases(split.minimal) };
    const ack = { oursCheck: describeAck(samples.oursCheck), minimal: describeAck(samples.minimal), oursHelp: describeAck(samples.oursHelp) };
    const ackRatio = ratio(ack.oursCheck.p99, ack.minimal.p99);
    const allCold = [...cold.ours, ...cold.minimal];
    const coldOk = cold.ours.every((r) => r.statusCode === 200 && r.help) && cold.minimal.every((r) => r.statusCode === 200 && r.body === 'ok');
    const splitOk = [...split.ours, ...split.minimal].every((r) => r.statusCode === 200);
    const wrongTotal = wrong.oursCheck + wrong.minimal + wrong.oursHelp;
    const checkRequests = ACK_WARMUP + ACK_MEASURED;

    // Where the evaluation goes, by package, and how much of ours is in packages the minimal app loads too.
    const minimalPackages = new Set(minimalBundle.packages.map((x) => x.name));
    const byPackage = (key: App['key']) => {
      const d = diagnostic[key];
      return typeof d === 'string' ? d : medianByPackage(d.map((r) => r.evaluateByPackage ?? {}));
    };
    const oursByPackage = byPackage('ours');
    const minimalByPackage = byPackage('minimal');
    const firstAnswerLoads = (key: App['key']) => {
      const d = diagnostic[key];
      return typeof d === 'string' ? [] : medianByPackage(d.map((r) => r.firstAnswerByPackage ?? {})).filter(([, v]) => v > 0);
    };
    const shared = typeof oursByPackage === 'string' ? undefined : oursByPackage.filter(([k]) => minimalPackages.has(k)).reduce((n, [, v]) => n + v, 0);
    const oursOnly = typeof oursByPackage === 'string' ? undefined : oursByPackage.filter(([k]) => !minimalPackages.has(k));
    const oursOnlyMs = oursOnly?.reduce((n, [, v]) => n + v, 0);
    const list = (entries: [string, number][] | string, top = 12) =>
      typeof entries === 'string' ? [`    (${entries})`] : entries.slice(0, top).map(([k, v]) => `    ${k.padEnd(44)} ${v.toFixed(1).padStart(6)} ms`);
    // What the target asks of the whole cold start, and what is left once Node has booted.
    const allowed = TARGET_COLD_RATIO * c.minimal.answered;
    const afterBoot = allowed - p.ours.boot;
    const minimalAfterBoot = p.minimal.read + p.minimal.compile + p.minimal.evaluate + p.minimal.firstAnswer;
    const oursBytesOnly = oursBundle.packages.filter((x) => !minimalPackages.has(x.name)).reduce((n, x) => n + x.bytes, 0);

    const fmt2 = (a: number, b: number) => `${ms(a)} / ${ms(b)}`;
    return {
      name: '2c. Against a minimal Bolt app (same esbuild options, same run, same environment)',
      rows: [
        row('bundle size: ours / minimal Bolt', `${bytes(oursBundle.bytes)} / ${bytes(minimalBundle.bytes)}`),
        row(`cold load + first answer, ours (median of ${COLD_RUNS})`, ms(c.ours.answered)),
        row(`cold load + first answer, minimal Bolt (median of ${COLD_RUNS})`, ms(c.minimal.answered)),
        row('cold load + first answer: ours / minimal Bolt', `${coldRatio.toFixed(2)}x`, `<= ${TARGET_COLD_RATIO}x`, coldRatio <= TARGET_COLD_RATIO),
        row('  spawn-to-answer seen by parent: ours / minimal', fmt2(c.ours.parent, c.minimal.parent)),
        row(`  node boot: ours / minimal (split runs, median of ${SPLIT_RUNS})`, fmt2(p.ours.boot, p.minimal.boot)),
        row('  read bundle: ours / minimal', fmt2(p.ours.read, p.minimal.read)),
        row('  compile bundle: ours / minimal', fmt2(p.ours.compile, p.minimal.compile)),
        row('  evaluate bundle: ours / minimal', fmt2(p.ours.evaluate, p.minimal.evaluate)),
        row('  first answer: ours / minimal', fmt2(p.ours.firstAnswer, p.minimal.firstAnswer)),
        row(`ack p50 / p99, ours (/glue-encrypt check, ${ack.oursCheck.n} warm)`, fmt2(ack.oursCheck.p50, ack.oursCheck.p99)),
        row(`ack p50 / p99, minimal Bolt (same requests, ${ack.minimal.n} warm)`, fmt2(ack.minimal.p50, ack.minimal.p99)),
        row('ack p99: ours / minimal Bolt', `${ackRatio.toFixed(2)}x`, `<= ${TARGET_ACK_RATIO}x`, ackRatio <= TARGET_ACK_RATIO),
        row(`  for comparison: ours /glue-encrypt help (no hand-off), p50 / p99`, `${fmt2(ack.oursHelp.p50, ack.oursHelp.p99)} (${ratio(ack.oursHelp.p99, ack.minimal.p99).toFixed(2)}x minimal p99)`),
        row('every answer 200 and as expected (cold, split, warm)', String(coldOk && splitOk && wrongTotal === 0), 'true', coldOk && splitOk && wrongTotal === 0),
      ],
      notes: [
        `Minimal app: ${MINIMAL_BOLT_ENTRY} — new App({ receiver: new AwsLambdaReceiver({ signingSecret }), token, botId, botUserId }), one app.command('/glue-encrypt') answering ack('ok'), one app.action('bench_button'), handler = (await receiver.start())(event, context) as Bolt's guide writes it. Ours: ${OUR_ENTRY}. Both built with the same esbuild options (${oursBundle.options.source}, plugins ${oursBundle.options.pluginNames.join(', ') || 'none'}): ${bytes(oursBundle.bytes)} vs ${bytes(minimalBundle.bytes)}.`,
        `Cold: a fresh node per sample (no flags), the bundle loaded with require() by the section-2 wrapper, one signed /glue-encrypt help answered (ours: the help text; minimal: "ok"); samples interleaved ours/minimal, alternating which goes first. Ours ${cold.ours.map((r) => r.answered.toFixed(0)).join(', ')} ms; minimal ${cold.minimal.map((r) => r.answered.toFixed(0)).join(', ')} ms; range over both ${Math.min(...allCold.map((r) => r.answered)).toFixed(0)}-${Math.max(...allCold.map((r) => r.answered)).toFixed(0)} ms.`,
        `Environment of every child (both apps): the Lambda/SSM/... stand-in endpoints and dummy credentials (AwsSandbox in this process, 0 ms latency, a no-op ${WORKER} registered), the Slack Web API stand-in (SLACK_API_URL), SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_BOT_ID, SLACK_BOT_USER_ID, SLACK_TEAM_ID, GLUE_ENCRYPT_WORKER_FUNCTION, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED; metrics left on (EMF lines go to a pipe, as on Lambda). No source maps (the section-2 target is judged without them too).`,
        `Warm ack: one child per app requires its bundle once and answers batches over IPC, timed in the child from handler(event) to its response; ${ACK_WARMUP} warm-up requests per series excluded, then ${ACK_MEASURED / ACK_BATCH} rounds of ${ACK_BATCH} per series (ours check, minimal, ours help), the order rotating each round. Ours' check hands the job to the worker with a real async Lambda Invoke (worker ran ${workerRuns} times for ${checkRequests} checks); the minimal app does no I/O. ack p95 ours ${ms(ack.oursCheck.p95, 2)}, minimal ${ms(ack.minimal.p95, 2)}; max ours ${ms(ack.oursCheck.max, 2)}, minimal ${ms(ack.minimal.max, 2)}.`,
        `Split runs: require() by hand (Module.wrap + vm.Script) so reading, compiling and evaluating are timed apart; answered at ${ms(p.ours.answered)} (ours) and ${ms(p.minimal.answered)} (minimal) from process start, as the cold runs. Wrong answers: cold/split ${coldOk && splitOk ? 0 : 'some'}, warm ours check ${wrong.oursCheck}, minimal ${wrong.minimal}, ours help ${wrong.oursHelp}.`,
        `What the cold target asks: ours answering by ${TARGET_COLD_RATIO} x ${ms(c.minimal.answered)} = ${ms(allowed)} from process start, i.e. ${ms(afterBoot)} after Node's boot (${ms(p.ours.boot)}) for reading, compiling and evaluating the bundle and answering; the minimal app alone takes ${ms(minimalAfterBoot)} for those (Bolt's own load: compile ${ms(p.minimal.compile)}, evaluate ${ms(p.minimal.evaluate)}, answer ${ms(p.minimal.firstAnswer)}).`,
        `Evaluation by package (diagnostic builds: same options unminified, each module's first evaluation timed; top-level code counts what it calls, e.g. zod schemas built at load count under the module building them; median of ${DIAGNOSTIC_RUNS}), ours:`,
        ...list(oursByPackage),
        ...(shared !== undefined && oursOnlyMs !== undefined
          ? [`  ours: ${ms(shared)} in packages the minimal app also bundles (Bolt and its dependencies), ${ms(oursOnlyMs)} in the rest (${bytes(oursBytesOnly)} of the bundle: compile time grows with it).`]
          : []),
        'Evaluation by package, minimal Bolt:',
        ...list(minimalByPackage, 8),
        `Modules first evaluated during the first answer (lazy loads): ours ${firstAnswerLoads('ours').map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ') || 'none'}; minimal ${firstAnswerLoads('minimal').map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ') || 'none'}.`,
      ],
      data: {
        bundles: { ours: { bytes: oursBundle.bytes, packages: oursBundle.packages.slice(0, 30) }, minimal: { bytes: minimalBundle.bytes, packages: minimalBundle.packages } },
        cold: { ours: cold.ours, minimal: cold.minimal, medians: c, ratio: coldRatio, target: TARGET_COLD_RATIO },
        split: { ours: split.ours, minimal: split.minimal, medians: p },
        evaluationByPackage: { ours: oursByPackage, minimal: minimalByPackage, sharedMs: shared, oursOnlyMs },
        ack: { ...ack, ratio: ackRatio, target: TARGET_ACK_RATIO, wrong, workerRuns, samples },
      },
    };
  } finally {
    await Promise.all(children.map((ch) => ch.close()));
    await aws.idle().catch(() => undefined);
    await Promise.all([aws.close(), slack.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
