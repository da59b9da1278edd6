// 4. Throttling: the warm scan again with a fifth of Glue/KMS/STS calls answered ThrottlingException.
// Run a few times: the SDK's backoff is random, so one run says little about the extra time.
import { formatCounts } from './calls.js';
import type { Estate } from './estate.js';
import { row, type Section } from './report.js';
import { measureScan, type ScanMeasurement } from './scanRun.js';
import { median, ms } from './stats.js';

const THROTTLE_RATE = 0.2;
const RUNS = 3;

export async function benchThrottle(estate: Estate, baseline: ScanMeasurement, baselineMs: number): Promise<Section> {
  const runs: ScanMeasurement[] = [];
  await estate.aws.setThrottleRate(THROTTLE_RATE);
  try {
    for (let i = 0; i < RUNS; i++) runs.push(await measureScan(estate));
  } finally {
    await estate.aws.setThrottleRate(0);
  }
  const statuses = formatCounts(baseline.byStatus);
  const sameFindings = runs.every((r) => r.findings === baseline.findings && formatCounts(r.byStatus) === statuses && r.scopeErrors === 0);
  const extraCalls = runs.map((r) => r.calls.total - baseline.calls.total);
  const extraMs = runs.map((r) => r.ms - baselineMs);
  const list = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(' / ');
  return {
    name: `4. Throttling (${THROTTLE_RATE * 100}% of calls throttled, warm credentials, ${RUNS} runs)`,
    rows: [
      row('completes with the same findings, every run', `${list(runs.map((r) => r.findings))} findings, ${list(runs.map((r) => r.scopeErrors))} scope errors`, `${baseline.findings}, same statuses, 0 errors`, sameFindings),
      row('calls per run with throttling', `${list(runs.map((r) => r.calls.total))} (unthrottled ${baseline.calls.total})`),
      row('extra calls = throttled attempts', `${list(extraCalls)} (sandbox throttled ${list(runs.map((r) => r.throttled))})`),
      row('wall time with throttling', `${list(runs.map((r) => r.ms))} ms (median ${ms(median(runs.map((r) => r.ms)), 0)})`),
      row('extra time (median)', `${ms(median(extraMs), 0)} (vs warm median ${ms(baselineMs, 0)})`),
    ],
    notes: [
      'The AWS stand-in ran in a separate process (as in sections 3 and 3b); it throttles a seeded fifth of Glue/KMS/STS attempts.',
      ...runs.map((r, i) => `Run ${i + 1} by operation: ${formatCounts(r.calls.byOperation)}.`),
      `Findings by status every run: ${statuses}.`,
      'The extra time is the SDK\'s backoff for throttling errors (this @smithy/core: random 0 to 1 s x 2^retry; adaptive mode also lowers the client\'s send rate after a throttle) on the longest chain of calls, usually the sequential GetMLTransforms pages of one account-region; the seeded sandbox throttles the same calls each bench run, the jitter differs.',
    ],
    data: {
      rate: THROTTLE_RATE,
      baselineMs,
      baselineCalls: baseline.calls.total,
      runs: runs.map((r, i) => ({ ms: r.ms, calls: r.calls, throttled: r.throttled, extraCalls: extraCalls[i], extraMs: extraMs[i], findings: r.findings, byStatus: r.byStatus, scopeErrors: r.scopeErrors })),
      medianExtraMs: median(extraMs),
      sameFindings,
    },
  };
}
