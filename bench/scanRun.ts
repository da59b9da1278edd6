// One measured runScan on the estate: wall time, the sandbox's count of calls (throttled attempts
// included) and the scan's own count, findings by status.
import { runScan, type ScanRequest } from '../src/inventory/scan.js';
import type { ScanResult } from '../src/inventory/types.js';
import { breakdown, type CallBreakdown } from './calls.js';
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
  result: ScanResult;
}

export async function measureScan(estate: Estate, request: ScanRequest = {}): Promise<ScanMeasurement> {
  estate.h.aws.resetCounts();
  const started = performance.now();
  const result = await runScan(request, estate.options);
  const ms = performance.now() - started;
  const byStatus: Record<string, number> = {};
  for (const f of result.findings) byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
  return {
    ms,
    calls: breakdown(estate.h.aws.callCounts()),
    throttled: estate.h.aws.throttledCount(),
    ownCalls: result.stats.calls,
    findings: result.findings.length,
    byStatus,
    scopeErrors: result.scopeErrors.length,
    result,
  };
}
