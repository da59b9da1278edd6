// The evidence report as one CSV (RFC 4180) a spreadsheet opens: one row per transform, then one
// per audit event, every row saying when the report was made, by whom, and from which scan.
import { FINDING_COLUMNS, csvField } from '../report/findingsCsv.js';
import type { EvidenceReport } from './report.js';

const COLUMNS = [
  'record_type',
  'generated_at',
  'generated_by',
  'scan_started_at',
  ...FINDING_COLUMNS,
  'waiver_id',
  'waiver_expires_at',
  'waiver_requested_by',
  'waiver_approved_by',
  'waiver_justification',
  'waiver_ticket',
  'waiver_not_covered',
  'event_at',
  'event_type',
  'actor',
  'outcome',
  'remediation_id',
  'event_detail',
] as const;

type Row = Partial<Record<(typeof COLUMNS)[number], string | number>>;

export function evidenceCsv(report: EvidenceReport): string {
  const common: Row = { generated_at: report.generatedAt, generated_by: report.generatedBy, scan_started_at: report.scan.startedAt };
  const rows: Row[] = [
    ...report.findings.map((f): Row => ({
      ...common,
      record_type: 'transform',
      account_id: f.accountId,
      region: f.region,
      transform_id: f.transformId,
      name: f.name,
      status: f.status,
      severity: f.severity,
      reason_codes: f.reasonCodes.join(' '),
      reasons: f.reasons.join(' | '),
      controls: f.controls.join('; '),
      kms_key: f.kmsKey,
      security_configuration: f.securityConfiguration,
      waiver_id: f.waiver?.id,
      waiver_expires_at: f.waiver?.expiresAt,
      waiver_requested_by: f.waiver?.requestedBy,
      waiver_approved_by: f.waiver?.approvedBy,
      waiver_justification: f.waiver?.justification,
      waiver_ticket: f.waiver?.ticket,
      waiver_not_covered: f.waiver?.notCovered.join(' '),
    })),
    ...report.auditEvents.map((e): Row => ({
      ...common,
      record_type: 'audit_event',
      account_id: e.accountId,
      region: e.region,
      transform_id: e.transformId,
      name: e.transformName,
      event_at: e.at,
      event_type: e.type,
      actor: e.actor,
      outcome: e.outcome,
      remediation_id: e.remediationId,
      waiver_id: e.waiverId,
      event_detail: [e.before ? `before: ${e.before}` : '', e.after ? `after: ${e.after}` : '', e.detail ?? ''].filter(Boolean).join(' | '),
    })),
  ];
  const lines = rows.map((r) => COLUMNS.map((c) => csvField(r[c])).join(','));
  return `${[COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
