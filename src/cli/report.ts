// Terminal output of a scan: a readable table, or JSON for machines.
import type { Finding } from '../checks/types.js';
import type { ScanResult } from '../inventory/types.js';
import { summarize } from '../checks/evaluate.js';
import { statusRank } from '../checks/reasons.js';
import { endDay } from '../checks/waivers.js';


export function toJson(result: ScanResult): string {
  return JSON.stringify(
    {
      startedAt: result.startedAt.toISOString(),
      finishedAt: result.finishedAt.toISOString(),
      summary: summarize(result.findings),
      transforms: result.findings.map((f) => ({
        transformId: f.transformId,
        name: f.name,
        accountId: f.accountId,
        region: f.region,
        status: f.status,
        severity: f.severity,
        encryption: f.encryption,
        labelCount: f.labelCount,
        controls: f.controls,
        reasons: f.reasons.map((r) => ({ code: r.code, status: r.status, severity: r.severity, message: r.message, controls: r.controls })),
        // null when none holds, so a reader can rely on the field; notCovered non-empty means it does not cover a newer reason.
        waiver: f.waiver ?? null,
      })),
      scopeErrors: result.scopeErrors,
      ...(result.notFound ? { notFound: result.notFound } : {}),
      ...(result.waiverError ? { waiverError: result.waiverError } : {}),
      stats: result.stats,
    },
    null,
    2,
  );
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function toTable(result: ScanResult, color = false): string {
  const paint = (status: string) => {
    if (!color) return status;
    const code = status === 'PASS' ? 32 : status === 'WARN' ? 33 : status === 'WAIVED' ? 36 : 31;
    return `\u001b[${code}m${status}\u001b[0m`;
  };
  const rows = [...result.findings].sort(
    (a, b) => statusRank(b.status) - statusRank(a.status) || a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region) || a.name.localeCompare(b.name),
  );
  const widths = {
    status: 6,
    account: 12,
    region: Math.max(6, ...rows.map((r) => r.region.length)),
    name: Math.min(40, Math.max(4, ...rows.map((r) => r.name.length))),
  };
  const lines: string[] = [];
  lines.push(`${pad('STATUS', widths.status)}  ${pad('ACCOUNT', widths.account)}  ${pad('REGION', widths.region)}  ${pad('NAME', widths.name)}  TRANSFORM ID`);
  for (const f of rows) {
    lines.push(
      `${paint(pad(f.status, widths.status))}  ${pad(f.accountId, widths.account)}  ${pad(f.region, widths.region)}  ${pad(f.name.slice(0, 40), widths.name)}  ${f.transformId}`,
    );
    for (const r of f.reasons) lines.push(`        - [${r.status} ${r.severity}] ${r.message}  (${r.controls.join(', ')})`);
    if (f.waiver) lines.push(`        ${waiverLine(f.waiver)}`);
  }
  const s = summarize(result.findings);
  lines.push('');
  lines.push(
    `${s.FAIL} FAIL · ${s.ERROR} ERROR · ${s.WARN} WARN · ${s.WAIVED} WAIVED · ${s.PASS} PASS  (${result.stats.transforms} transforms, ${result.stats.keys} keys, ${result.stats.securityConfigurations} security configurations)`,
  );
  if (result.waiverError) lines.push(result.waiverError);
  if (result.notFound) lines.push(`No transform named or with ID "${result.notFound}" was found in the scanned accounts and regions.`);
  for (const e of result.scopeErrors) {
    const where = [e.accountId, e.region === '-' ? undefined : e.region].filter(Boolean).join(' · ');
    lines.push(`Could not check${where ? ` ${where}` : ''}: ${e.message}`);
  }
  // Nothing could be read at all: the reasons are the whole answer.
  if (result.findings.length === 0 && result.scopeErrors.length > 0 && !result.notFound) {
    return lines.slice(-result.scopeErrors.length).join('\n');
  }
  return lines.join('\n');
}

function waiverLine(w: NonNullable<Finding['waiver']>): string {
  const held = `accepted risk until ${endDay(w)} (waiver ${w.id}, asked by ${w.requestedBy}, approved by ${w.approvedBy}${w.ticket ? `, ticket ${w.ticket}` : ''})`;
  return w.notCovered.length > 0 ? `! ${held} does not cover ${w.notCovered.join(', ')}` : `~ ${held}: ${w.justification}`;
}

/** 0 when nothing failed (a WAIVED transform is an accepted risk, not a failure), 1 when a transform failed or could not be evaluated, 2 when the scan could not run (fully). */
export function exitCode(result: ScanResult): 0 | 1 | 2 {
  const s = summarize(result.findings);
  if (s.FAIL > 0 || s.ERROR > 0) return 1;
  if (result.scopeErrors.length > 0) return 2;
  if (result.notFound) return 1;
  return 0;
}
