// One measured runScan on the estate: wall time, the sandbox's count of calls (throttled attempts
// included) and the scan's own count, findings by status, and the CPU each side used.
import { runScan, type ScanRequest } from '../src/inventory/scan.js';
import type { ScanResult } from '../src/inventory/types.js';
import type { CpuTime } from './awsProcess.js';
import { breakdown, type CallBreakdown } from './calls.js';
import { withCallTimeline, type CallTimeline } from './callTimeline.js';
import type { Estate } from './estate.js';

export interface ScanMeasurement {
  ms: number;
  calls: CallBreakdown;
  /** Attempts the sandbox answered with ThrottlingException. */
  throttled: number;
  /** The scan's own counter (SDK middleware), for comparison with the sandbox's. */
  ownCalls: Record<string, number>;
  findings: number;
  byStatus: Record<string, number>;
  scopeErrors: number;
  /** CPU (user + system) this process, the scanner, used during the scan. */
  scannerCpuMs: number;
  /** CPU the AWS stand-in's process used between the scan's start and end (IPC round trips included, a few tenths of a ms). */
  awsCpuMs: number;
  result: ScanResult;
  /** When calls left and answers came back, from the scan's start. */
  timeline: CallTimeline;
}

const cpuMs = (a: CpuTime, b: CpuTime): number => (b.user - a.user + (b.system - a.system)) / 1000;

export async function measureScan(estate: Estate, request: ScanRequest = {}): Promise<ScanMeasurement> {
  await estate.aws.resetCounts();
  const awsCpuBefore = await estate.aws.cpuUsage();
  const cpuBefore = process.cpuUsage();
  const { value: result, ms, timeline } = await withCallTimeline(() => runScan(request, estate.options));
  const cpuAfter = process.cpuUsage();
  const [counts, throttled, awsCpuAfter] = await Promise.all([estate.aws.callCounts(), estate.aws.throttledCount(), estate.aws.cpuUsage()]);
  const byStatus: Record<string, number> = {};
  for (const f of result.findings) byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
  return {
    ms,
    calls: breakdown(counts),
    throttled,
    ownCalls: result.stats.calls,
    findings: result.findings.length,
    byStatus,
    scopeErrors: result.scopeErrors.length,
    scannerCpuMs: cpuMs(cpuBefore, cpuAfter),
    awsCpuMs: cpuMs(awsCpuBefore, awsCpuAfter),
    result,
    timeline,
  };
}
