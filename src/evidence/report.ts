// Evidence for auditors: the current findings (with their controls) and the audit trail of a
// period, in one document that says when it was made, by whom, and from which scan. Pure: the
// scan and the events in, the report out; CSV, JSON and OCSF are renderings of it.
import type { AuditEvent } from '../audit/auditLog.js';
import type { ScanResult } from '../inventory/types.js';
import { summarize } from '../checks/evaluate.js';
import type { FindingWaiver } from '../checks/types.js';
import { DAY_MS, isUtcDay, utcDay } from '../utcDays.js';

export const EVIDENCE_SCHEMA_VERSION = '1';
/** The most days one report covers: a quarter (an auditor asks per period). */
export const MAX_REPORT_DAYS = 92;

export interface EvidenceReport {
  schemaVersion: string;
  generatedAt: string;
  /** Slack user ID, or the CLI's "cli:<user>". */
  generatedBy: string;
  /** The audit trail covers UTC days from this one through generatedAt. */
  since: string;
  scan: {
    startedAt: string;
    finishedAt: string;
    accounts: string[];
    regions: string[];
    totals: Record<string, number>;
    unreadable: { accountId?: string; region: string; operation: string; code: string; message: string }[];
  };
  findings: {
    accountId: string;
    region: string;
    transformId: string;
    name: string;
    status: string;
    severity: string;
    reasonCodes: string[];
    reasons: string[];
    controls: string[];
    kmsKey?: string;
    securityConfiguration?: string;
    /** The accepted risk in force for the transform, or null (a field, so a reader can rely on it). */
    waiver: EvidenceWaiver | null;
  }[];
  auditEvents: AuditEvent[];
}

/** A waiver as the report carries it: the finding's own (who asked and approved, until when, what it does not cover). */
export type EvidenceWaiver = FindingWaiver;

export function buildEvidence(input: { scan: ScanResult; audit: AuditEvent[]; generatedAt: Date; generatedBy: string; since: string }): EvidenceReport {
  const { scan } = input;
  const unique = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))].sort();
  return {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    generatedAt: input.generatedAt.toISOString(),
    generatedBy: input.generatedBy,
    since: input.since,
    scan: {
      startedAt: scan.startedAt.toISOString(),
      finishedAt: scan.finishedAt.toISOString(),
      accounts: unique(scan.targets.map((t) => t.accountId)),
      regions: unique(scan.targets.map((t) => t.region)),
      totals: summarize(scan.findings),
      unreadable: scan.scopeErrors.map((e) => ({ ...(e.accountId ? { accountId: e.accountId } : {}), region: e.region, operation: e.operation, code: e.code, message: e.message })),
    },
    findings: scan.findings.map((f) => ({
      accountId: f.accountId,
      region: f.region,
      transformId: f.transformId,
      name: f.name,
      status: f.status,
      severity: f.severity,
      reasonCodes: f.reasons.map((r) => r.code),
      reasons: f.reasons.map((r) => r.message),
      controls: f.controls,
      ...(f.encryption.kmsKeyId ? { kmsKey: f.encryption.kmsKeyId } : {}),
      ...(f.encryption.securityConfigurationName ? { securityConfiguration: f.encryption.securityConfigurationName } : {}),
      waiver: f.waiver ? { ...f.waiver } : null,
    })),
    auditEvents: input.audit,
  };
}

/** The report's start when none is named: 30 days back. */
export const defaultSince = (now: Date): string => utcDay(new Date(now.getTime() - 30 * DAY_MS));

/** "2026-11-01" as a report start: a real UTC day, not in the future, within MAX_REPORT_DAYS of now. */
export function checkSince(since: string, now: Date): string | undefined {
  if (!isUtcDay(since)) {
    return `"${since}" is not a date (YYYY-MM-DD, e.g. 2026-11-01).`;
  }
  const start = Date.parse(`${since}T00:00:00Z`);
  if (start > now.getTime()) return `${since} is in the future.`;
  if (now.getTime() - start > MAX_REPORT_DAYS * DAY_MS) return `A report covers at most ${MAX_REPORT_DAYS} days; ${since} is earlier than that.`;
  return undefined;
}
