// 3b. Where a warm scan's time goes: the same scan with 0 ms sandbox latency (CPU only: the SDK and
// the app on this thread; the AWS stand-in in its own process), and a CPU profile of this process
// by category, with the CPU the stand-in's process used beside it.
import { LATENCY_MS, type Estate } from './estate.js';
import { profileCpu } from './cpuProfile.js';
import { row, type Section } from './report.js';
import { measureScan, type ScanMeasurement } from './scanRun.js';
import { median, ms } from './stats.js';

const RUNS = 5;
const PROFILED_RUNS = 3;

export async function benchScanCpu(estate: Estate, warmMs: number): Promise<Section> {
  await estate.aws.setLatency(0);
  const runs: ScanMeasurement[] = [];
  let byCategory: Record<string, number>;
  try {
    await measureScan(estate);
    for (let i = 0; i < RUNS; i++) runs.push(await measureScan(estate));
    // Profiled separately: the profiler's own overhead stays out of the wall times above.
    byCategory = await profileCpu(async () => {
      for (let i = 0; i < PROFILED_RUNS; i++) await measureScan(estate);
    });
  } finally {
    await estate.aws.setLatency(LATENCY_MS);
  }
  const walls = runs.map((r) => r.ms);
  const cpuMs = median(walls);
  const scannerCpu = median(runs.map((r) => r.scannerCpuMs));
  const awsCpu = median(runs.map((r) => r.awsCpuMs));
  const perScan = Object.entries(byCategory)
    .map(([k, v]) => [k, v / PROFILED_RUNS] as const)
    .sort((a, b) => b[1] - a[1]);
  const sandbox = perScan.find(([k]) => k.startsWith('sandbox'))?.[1] ?? 0;
  return {
    name: '3b. Where the warm scan\'s time goes (same scan, 0 ms latency, profiled; AWS stand-in in its own process)',
    rows: [
      row(`scan wall time at 0 ms latency (median of ${RUNS})`, ms(cpuMs)),
      row(`latency share of the warm scan (warm - CPU-only)`, ms(warmMs - cpuMs)),
      row(`CPU per scan, scanner process (user + system, median of ${RUNS})`, ms(scannerCpu)),
      row(`CPU per scan, AWS stand-in process (not ours in production)`, ms(awsCpu)),
      ...perScan.map(([k, v]) => row(`  CPU self time per scan: ${k}`, ms(v))),
    ],
    notes: [
      `The AWS stand-in ran in a separate process: the profile below is the scanner's process only (SDK clients, Node http client side, the app); the stand-in's own CPU (${awsCpu.toFixed(0)} ms/scan by process.cpuUsage, its http server side included) ran on the other core. Sandbox code left in this profile: ${sandbox.toFixed(1)} ms/scan.`,
      `At 0 ms latency the scan is bound by the slower of the two processes and by the loopback round trips between them; the scanner used ${scannerCpu.toFixed(0)} ms of CPU per ${cpuMs.toFixed(0)} ms scan (process CPU, V8's GC helper threads included, so it can exceed the wall time).`,
      `The categories are V8 self time over ${PROFILED_RUNS} further scans (sampled every 0.25 ms, profiler overhead included); "Node.js and V8" is http/stream/socket work, compilation and native code of the client side.`,
    ],
    data: {
      runsMs: walls,
      medianMs: cpuMs,
      warmMs,
      scannerCpuMs: runs.map((r) => r.scannerCpuMs),
      awsCpuMs: runs.map((r) => r.awsCpuMs),
      cpuPerScanMs: Object.fromEntries(perScan),
    },
  };
}
