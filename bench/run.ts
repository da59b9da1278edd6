// `npm run bench`: the performance figures, printed as a table and written to bench/results.json.
// Everything runs in this process or in child `node` processes, against loopback stand-ins only.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchAck } from './ack.js';
import { benchAgainstBolt } from './boltBaselineSection.js';
import { benchClicks } from './clickSection.js';
import { benchColdStart } from './coldStartSection.js';
import { busyWarning, describeEnvironment, environment, loadAverage } from './environment.js';
import { startEstate } from './estate.js';
import { benchDrift } from './driftSection.js';
import { benchOrgScale } from './orgScaleSection.js';
import { benchRender } from './renderSection.js';
import { formatTable, misses, printSection, writeResults, type Section } from './report.js';
import { benchScanCpu } from './scanCpuSection.js';
import { benchScan } from './scanSection.js';
import { benchThrottle } from './throttleSection.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const RESULTS = join(here, 'results.json');
/** The whole run must stay under five minutes; stop loudly rather than hang. */
const WATCHDOG_MS = 290_000;

function failed(name: string, err: unknown): Section {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { name, rows: [{ figure: `${name}: did not complete`, value: (err as Error).message ?? String(err), target: 'completes', pass: false }], notes: [message], data: { error: message } };
}

async function section(name: string, fn: () => Promise<Section>): Promise<Section> {
  const started = performance.now();
  let s: Section;
  try {
    s = await fn();
  } catch (err) {
    s = failed(name, err);
  }
  s.data.sectionMs = performance.now() - started;
  printSection(s);
  return s;
}

async function main(): Promise<number> {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 1000}s; stopping`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const started = performance.now();
  const env = environment();
  console.log('glue-encrypt benchmarks');
  console.log(describeEnvironment(env));

  const sections: Section[] = [];
  sections.push(await section('1. Acknowledgement', benchAck));
  sections.push(await section('2. Cold start', () => benchColdStart(root)));
  sections.push(await section('2b. Clicks under Slack rate limits', benchClicks));
  sections.push(await section('2c. Against a minimal Bolt app', () => benchAgainstBolt(root)));

  const estate = await startEstate();
  try {
    let scan: Awaited<ReturnType<typeof benchScan>> | undefined;
    sections.push(
      await section('3. Scan cost', async () => {
        scan = await benchScan(estate);
        return scan.section;
      }),
    );
    if (scan) {
      const { warm, warmMs } = scan;
      sections.push(await section('3b. Scan CPU', () => benchScanCpu(estate, warmMs)));
      sections.push(await section('4. Throttling', () => benchThrottle(estate, warm, warmMs)));
      sections.push(await section('5. Rendering', async () => benchRender(warm.result)));
    }
  } finally {
    await estate.close();
  }
  // In-process sandboxes of their own (the harness), after the shared estate is gone.
  sections.push(await section('6. Organisation scale', benchOrgScale));
  sections.push(await section('7. Drift alerts', benchDrift));

  const totalMs = performance.now() - started;
  const loadAtEnd = loadAverage();
  console.log('\n' + formatTable(sections));
  console.log(`\nAWS stand-in for sections 3, 3b and 4: a separate node process (pid ${estate.aws.pid ?? '?'}, ${estate.endpoint}); sections 1, 2 and 5 unchanged (section 1 uses the in-process harness; section 2c runs both bundles in child processes against stand-ins in this one).`);
  console.log(`node ${env.node}, ${env.cpuCount} CPUs; load average at start ${env.loadAverage.join(' ')}, at end ${loadAtEnd.join(' ')}`);
  // The bench itself keeps about one CPU busy (two briefly, while the stand-in's process answers a scan).
  const busy = busyWarning(loadAtEnd, env.cpuCount, 1);
  if (busy) console.log(busy);
  const missed = misses(sections);
  console.log(`\n${missed.length === 0 ? 'All targets met.' : `Missed: ${missed.map((r) => r.figure).join('; ')}`}`);
  console.log(`Total ${(totalMs / 1000).toFixed(1)} s. Results written to ${RESULTS}`);
  writeResults(RESULTS, {
    environment: env,
    loadAverageAtEnd: loadAtEnd,
    totalMs,
    awsStandIn: { sections: ['3', '3b', '4'], process: 'separate child node process (tsx, IPC)', pid: estate.aws.pid, endpoint: estate.endpoint, startMs: estate.startMs },
    sections: sections.map((s) => ({ name: s.name, rows: s.rows, notes: s.notes, data: s.data })),
  });
  const crashed = sections.some((s) => 'error' in s.data);
  return crashed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
