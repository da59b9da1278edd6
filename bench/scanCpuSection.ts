// 3b. Where a warm scan's time goes: the same scan with 0 ms sandbox latency (CPU only: SDK,
// sandbox and app share this one thread), and a CPU profile of it by category.
import { LATENCY_MS, type Estate } from './estate.js';
import { profileCpu } from './cpuProfile.js';
import { row, type Section } from './report.js';
import { measureScan } from './scanRun.js';
import { median, ms } from './stats.js';

const RUNS = 5;
const PROFILED_RUNS = 3;

export async function benchScanCpu(estate: Estate, warmMs: number): Promise<Section> {
  estate.h.aws.setLatency(0);
  const walls: number[] = [];
  let byCategory: Record<string, number>;
  try {
    await measureScan(estate);
    for (let i = 0; i < RUNS; i++) walls.push((await measureScan(estate)).ms);
    // Profiled separately: the profiler's own overhead stays out of the wall times above.
    byCategory = await profileCpu(async () => {
      for (let i = 0; i < PROFILED_RUNS; i++) await measureScan(estate);
    });
  } finally {
    estate.h.aws.setLatency(LATENCY_MS);
  }
  const cpuMs = median(walls);
  const perScan = Object.entries(byCategory)
    .map(([k, v]) => [k, v / PROFILED_RUNS] as const)
    .sort((a, b) => b[1] - a[1]);
  const sandbox = perScan.find(([k]) => k.startsWith('sandbox'))?.[1] ?? 0;
  return {
    name: '3b. Where the warm scan\'s time goes (same scan, 0 ms latency, profiled)',
    rows: [
      row(`scan wall time at 0 ms latency (median of ${RUNS})`, ms(cpuMs)),
      row(`latency share of the warm scan (warm - CPU-only)`, ms(warmMs - cpuMs)),
      ...perScan.map(([k, v]) => row(`  CPU self time per scan: ${k}`, ms(v))),
    ],
    notes: [
      `At 0 ms latency the scan is CPU-bound: the SDK clients, the in-process sandbox (${sandbox.toFixed(0)} ms/scan of its own code, plus its share of GC and http) and the app all run on one thread.`,
      `The categories are V8 self time over ${PROFILED_RUNS} further scans (sampled every 0.25 ms, profiler overhead included); "Node.js and V8" is http/stream/socket work, compilation and native code for both client and sandbox.`,
    ],
    data: { runsMs: walls, medianMs: cpuMs, warmMs, cpuPerScanMs: Object.fromEntries(perScan) },
  };
}
