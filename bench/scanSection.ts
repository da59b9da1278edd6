// 3. Scan cost: our scan (cold, then warm) against the floor computed from the seeded data, and the
// naive approach on the same estate. The wall-time target is a ratio measured in one run: the warm
// scan at the stand-in's latency L against its own limit (P + 1) x L + C0, where P is the pages of
// the longest account-region and C0 the same warm scan at 0 ms latency, the two interleaved.
import { breakdown, formatCounts } from './calls.js';
import type { CallTimeline } from './callTimeline.js';
import { HOME_ACCOUNT, MEMBER_ACCOUNTS, REGIONS, SCALE, type Estate } from './estate.js';
import { computeFloorFrom } from './floor.js';
import { naiveScan } from './naive.js';
import { row, type Section } from './report.js';
import { measureScan, type ScanMeasurement } from './scanRun.js';
import { median, ms, ratio, timed } from './stats.js';

const WARM_RUNS = 5;
/** Scans run (unmeasured) before the optimised-code figure: what a Lambda that has scanned for a while runs. */
const JIT_WARMUP_SCANS = 30;
/** A second latency, for comparison only: the target is set at the estate's latency. */
const SLOW_LATENCY_MS = 100;
const SLOW_RUNS = 3;
const TARGET_CALL_RATIO = 20;
/** Warm wall time may be this much above its limit (P + 1) x L + C0. */
const TARGET_WALL_RATIO = 1.2;

export interface ScanSectionResult {
  section: Section;
  /** The first warm scan: the baseline for throttling and the input for rendering. */
  warm: ScanMeasurement;
  warmMs: number;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

export async function benchScan(estate: Estate): Promise<ScanSectionResult> {
  const pageSize = estate.options.pageSize ?? 100;
  const scopes = [HOME_ACCOUNT, ...MEMBER_ACCOUNTS].flatMap((accountId) => REGIONS.map((region) => ({ accountId, region })));
  // The floor's input comes from the stand-in's seeded state, read in its process (see awsChild.ts).
  const floorInput = scopes.map(({ accountId, region }) => {
    const found = estate.floorInput.find((s) => s.accountId === accountId && s.region === region);
    return found ?? { accountId, region, encryption: [] };
  });
  const floor = computeFloorFrom(floorInput, pageSize);
  const P = floor.maxPages;
  // L: what the stand-in's process says it injects per call in this run (set at seed).
  const L = await estate.aws.latency();

  const cold = await measureScan(estate);
  const warmRuns: ScanMeasurement[] = [];
  const zeroRuns: ScanMeasurement[] = [];
  const optimisedRuns: ScanMeasurement[] = [];
  const optimisedZeroRuns: ScanMeasurement[] = [];
  const slowRuns: ScanMeasurement[] = [];
  try {
    await interleaved(estate, L, warmRuns, zeroRuns);
    // The same warm scans once V8 has optimised the scanner's and the SDK's hot code.
    await estate.aws.setLatency(L);
    for (let i = 0; i < JIT_WARMUP_SCANS; i++) await measureScan(estate);
    await interleaved(estate, L, optimisedRuns, optimisedZeroRuns);
    // The same optimised scan with a slower AWS: the CPU share stays, the latency share grows.
    await estate.aws.setLatency(SLOW_LATENCY_MS);
    for (let i = 0; i < SLOW_RUNS; i++) slowRuns.push(await measureScan(estate));
  } finally {
    await estate.aws.setLatency(L);
  }
  // The first warm scan at L: the baseline for throttling and the input for rendering.
  const warm = warmRuns[0] as ScanMeasurement;
  const warmMs = median(warmRuns.map((r) => r.ms));
  const c0 = median(zeroRuns.map((r) => r.ms));
  const limitMs = (P + 1) * L + c0;
  const boundMs = TARGET_WALL_RATIO * limitMs;
  const wallRatio = ratio(warmMs, limitMs);
  const optimisedMs = median(optimisedRuns.map((r) => r.ms));
  const optimisedC0 = median(optimisedZeroRuns.map((r) => r.ms));
  const optimisedLimitMs = (P + 1) * L + optimisedC0;
  const path = criticalPath(optimisedRuns);
  const slowMs = median(slowRuns.map((r) => r.ms));
  const slowLimitMs = (P + 1) * SLOW_LATENCY_MS + optimisedC0;
  const warmConsistent = warmRuns.every((r) => sameCounts(r.calls.byOperation, warm.calls.byOperation) && r.findings === warm.findings);

  await estate.aws.resetCounts();
  const naive = await timed(() =>
    naiveScan({
      homeAccount: HOME_ACCOUNT,
      memberAccounts: MEMBER_ACCOUNTS,
      regions: REGIONS,
      roleName: estate.options.scope.targetRoleName,
      concurrency: estate.options.concurrency,
      maxAttempts: estate.options.maxAttempts,
      pageSize,
    }),
  );
  const naiveCalls = breakdown(await estate.aws.callCounts());

  const callRatio = ratio(naiveCalls.glueKms, warm.calls.glueKms);
  const timeRatio = ratio(naive.ms, warmMs);
  const floorOps = {
    'glue:GetMLTransforms': floor.pages,
    'glue:GetSecurityConfiguration': floor.securityConfigurations,
    'kms:DescribeKey': floor.keys,
    'kms:GetKeyRotationStatus': floor.keys,
  };
  const counted = (m: ScanMeasurement) => `${m.calls.glueKms} (Glue ${m.calls.glue} + KMS ${m.calls.kms})`;

  const section: Section = {
    name: `3. Scan cost (${SCALE.transforms} transforms, ${MEMBER_ACCOUNTS.length + 1} accounts x ${REGIONS.length} regions, ${L} ms/call)`,
    rows: [
      row('AWS stand-in', `separate process (pid ${estate.aws.pid ?? '?'}, ${estate.endpoint})`),
      row('floor: Glue+KMS calls', `${floor.total} (pages ${floor.pages} + keys ${floor.keys} x 2 + security configs ${floor.securityConfigurations})`),
      row('scan Glue+KMS calls, cold', counted(cold), `= floor ${floor.total}`, cold.calls.glueKms === floor.total),
      row('scan Glue+KMS calls, warm', counted(warm), `= floor ${floor.total}`, warm.calls.glueKms === floor.total),
      row('scan STS calls, cold', `${cold.calls.sts} (GetCallerIdentity ${cold.calls.byOperation['sts:GetCallerIdentity'] ?? 0}, AssumeRole ${cold.calls.byOperation['sts:AssumeRole'] ?? 0})`, `<= 1 + ${MEMBER_ACCOUNTS.length}`, cold.calls.sts <= 1 + MEMBER_ACCOUNTS.length),
      row('scan STS calls, warm', `${warm.calls.sts}`, '0 (cached)', warm.calls.sts === 0),
      row('scan wall time, cold', ms(cold.ms)),
      row('P: GetMLTransforms pages of the longest account-region', `${P} (per account-region ${floor.scopes.map((x) => x.pages).join('/')})`),
      row('L: latency the stand-in injects per call', ms(L)),
      row(`C0: warm scan wall time at 0 ms latency (median of ${WARM_RUNS}, interleaved with those at L)`, ms(c0)),
      row('bound: 1.2 x ((P + 1) x L + C0)', `${ms(boundMs)} (1.2 x (${P + 1} x ${L} + ${c0.toFixed(1)}) ms)`),
      row(`scan wall time, warm at L (median of ${WARM_RUNS})`, ms(warmMs)),
      row('warm wall / ((P + 1) x L + C0)', `${wallRatio.toFixed(2)}x`, `<= ${TARGET_WALL_RATIO}x`, wallRatio <= TARGET_WALL_RATIO),
      row(
        `  for comparison: after ${JIT_WARMUP_SCANS} more scans (optimised code)`,
        `${ms(optimisedMs)} at L, C0 ${ms(optimisedC0)}: ${ratio(optimisedMs, optimisedLimitMs).toFixed(2)}x of (P + 1) x L + C0 = ${ms(optimisedLimitMs)}`,
      ),
      row(
        '  where it goes (optimised, median)',
        `${path.firstPages} first pages answered from ${ms(path.firstAnswerMs)}, all read by ${ms(path.firstPagesReadMs)}; last call sent ${ms(path.lastSentMs)}, answered ${ms(path.lastAnswerMs)}`,
      ),
      row('  least wall time at this CPU cost (last call sent + latency)', ms(path.lastSentMs + L)),
      row(
        `  for comparison: optimised, ${SLOW_LATENCY_MS} ms per call (median of ${SLOW_RUNS})`,
        `${ms(slowMs)}: ${ratio(slowMs, slowLimitMs).toFixed(2)}x of (P + 1) x ${SLOW_LATENCY_MS} + C0 = ${ms(slowLimitMs)}`,
      ),
      row('findings (cold / warm)', `${cold.findings} / ${warm.findings}`, `${SCALE.transforms}`, cold.findings === SCALE.transforms && warm.findings === SCALE.transforms),
      row('naive Glue+KMS calls', counted({ ...warm, calls: naiveCalls })),
      row('naive wall time', ms(naive.ms)),
      row('calls: naive / ours (Glue+KMS)', `${callRatio.toFixed(1)}x`, `>= ${TARGET_CALL_RATIO}x`, callRatio >= TARGET_CALL_RATIO),
      row('calls: naive / ours (all, STS incl., vs cold)', `${ratio(naiveCalls.total, cold.calls.total).toFixed(1)}x`),
      row('time: naive / ours (warm)', `${timeRatio.toFixed(1)}x`),
    ],
    notes: [
      `The AWS stand-in (AwsSandbox seeded with seedScale) ran in a separate child node process (tsx, controlled over IPC; spawned and seeded in ${estate.startMs.toFixed(0)} ms) for sections 3, 3b and 4, so its CPU is not this process's; the scan runs here with the real SDK pointed at it through AWS_ENDPOINT_URL_GLUE/KMS/STS.`,
      `CPU per warm scan (median, user + system): scanner process ${ms(median(warmRuns.map((r) => r.scannerCpuMs)))}, stand-in process ${ms(median(warmRuns.map((r) => r.awsCpuMs)))}; cold: scanner ${ms(cold.scannerCpuMs)}, stand-in ${ms(cold.awsCpuMs)}.`,
      `Floor by operation: ${formatCounts(floorOps)}; per account-region pages ${floor.scopes.map((s) => s.pages).join('/')}, keys ${floor.scopes.map((s) => s.keys).join('/')}, configs ${floor.scopes.map((s) => s.securityConfigurations).join('/')} (seedScale says ${estate.summary.keysReferenced} keys, ${estate.summary.securityConfigurationsReferenced} configs referenced).`,
      `Wall-time target: the warm scan's own limit is (P + 1) x L + C0 — P pages one after another in the longest account-region plus one more round trip for the key and configuration lookups its last page starts, each L, plus C0, the same scan's wall time with no latency (its CPU and loopback cost, measured in this run on this estate and process). Warm runs at L and at 0 ms alternate in pairs (L first, then 0 first, ...) so both medians share the JIT state and the machine's load; the latency is set over IPC between scans. ${ms(warmMs)} / (${P + 1} x ${L} + ${c0.toFixed(1)}) ms = ${wallRatio.toFixed(2)}x (target <= ${TARGET_WALL_RATIO}x, i.e. <= ${ms(boundMs)}). Runs at L ${warmRuns.map((r) => r.ms.toFixed(0)).join(', ')} ms; at 0 ms ${zeroRuns.map((r) => r.ms.toFixed(0)).join(', ')} ms.`,
      `Where the optimised warm scan's time goes: every account-region's first page comes back at about ${L} ms, all at once; the scanner then reads them one after another on one thread (decode, ask for the next page, start the key and configuration lookups), so the last call leaves ${ms(path.lastSentMs - path.firstAnswerMs)} after the first answer (${ms((path.lastSentMs - path.firstAnswerMs) / Math.max(1, path.firstPages))} per account-region) and is answered ${L} ms later. Optimised runs at L ${optimisedRuns.map((r) => r.ms.toFixed(0)).join(', ')} ms; at 0 ms ${optimisedZeroRuns.map((r) => r.ms.toFixed(0)).join(', ')} ms.`,
      `Cold (first scan in the process) by operation: ${formatCounts(cold.calls.byOperation)}.`,
      `Warm by operation: ${formatCounts(warm.calls.byOperation)}; warm runs ${warmRuns.map((r) => r.ms.toFixed(0)).join(', ')} ms; counts identical across warm runs: ${warmConsistent}.`,
      `The scan's own counter agrees with the sandbox's: cold ${sameCounts(cold.ownCalls, cold.calls.byOperation)}, warm ${sameCounts(warm.ownCalls, warm.calls.byOperation)}.`,
      `Options from loadConfig(): concurrency ${estate.options.concurrency}, page size ${pageSize}, max attempts ${estate.options.maxAttempts}, regions ${estate.options.scope.regions.join(',')}, member accounts ${estate.options.scope.accounts.join(',')}.`,
      `Naive: ${naive.value.transforms} transforms, ${naive.value.keysDescribed} DescribeKey (transforms with no key have none to describe), by operation: ${formatCounts(naiveCalls.byOperation)}.`,
      `Findings by status (warm): ${formatCounts(warm.byStatus)}; scope errors cold ${cold.scopeErrors}, warm ${warm.scopeErrors}.`,
    ],
    data: {
      floor,
      wallTarget: { P, L, c0Ms: c0, limitMs, boundMs, warmMs, ratio: wallRatio, target: TARGET_WALL_RATIO, zeroLatencyRunsMs: zeroRuns.map((r) => r.ms) },
      awsProcess: { pid: estate.aws.pid, endpoint: estate.endpoint, startMs: estate.startMs },
      cold: { ms: cold.ms, scannerCpuMs: cold.scannerCpuMs, awsCpuMs: cold.awsCpuMs, calls: cold.calls, ownCalls: cold.ownCalls, findings: cold.findings, byStatus: cold.byStatus, scopeErrors: cold.scopeErrors },
      warm: {
        medianMs: warmMs,
        runsMs: warmRuns.map((r) => r.ms),
        scannerCpuMs: warmRuns.map((r) => r.scannerCpuMs),
        awsCpuMs: warmRuns.map((r) => r.awsCpuMs),
        calls: warm.calls,
        ownCalls: warm.ownCalls,
        findings: warm.findings,
        byStatus: warm.byStatus,
        consistent: warmConsistent,
      },
      slowerAws: { latencyMs: SLOW_LATENCY_MS, limitMs: slowLimitMs, medianMs: slowMs, runsMs: slowRuns.map((r) => r.ms) },
      optimised: {
        warmupScans: JIT_WARMUP_SCANS,
        medianMs: optimisedMs,
        runsMs: optimisedRuns.map((r) => r.ms),
        c0Ms: optimisedC0,
        zeroLatencyRunsMs: optimisedZeroRuns.map((r) => r.ms),
        limitMs: optimisedLimitMs,
        timelines: optimisedRuns.map((r) => r.timeline),
        criticalPath: path,
      },
      naive: { ms: naive.ms, calls: naiveCalls, ...naive.value },
      ratios: { calls: callRatio, callsAll: ratio(naiveCalls.total, cold.calls.total), time: timeRatio },
    },
  };
  return { section, warm, warmMs };
}

/**
 * WARM_RUNS scans at latency `l` and WARM_RUNS at 0 ms, in pairs whose order alternates (l then 0,
 * 0 then l, ...): both sets come from the same stretch of the process's life. Leaves the latency at 0 or l.
 */
async function interleaved(estate: Estate, l: number, atL: ScanMeasurement[], atZero: ScanMeasurement[]): Promise<void> {
  for (let i = 0; i < WARM_RUNS; i++) {
    const order = i % 2 === 0 ? [l, 0] : [0, l];
    for (const latency of order) {
      await estate.aws.setLatency(latency);
      (latency === 0 ? atZero : atL).push(await measureScan(estate));
    }
  }
}

/** The median of each point of the runs' call timelines. */
function criticalPath(runs: readonly ScanMeasurement[]): CallTimeline {
  const of = (pick: (t: CallTimeline) => number) => median(runs.map((r) => pick(r.timeline)));
  return {
    firstAnswerMs: of((t) => t.firstAnswerMs),
    firstPagesReadMs: of((t) => t.firstPagesReadMs),
    lastSentMs: of((t) => t.lastSentMs),
    lastAnswerMs: of((t) => t.lastAnswerMs),
    calls: of((t) => t.calls),
    firstPages: of((t) => t.firstPages),
  };
}
