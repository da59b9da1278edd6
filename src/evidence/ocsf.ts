// The findings as OCSF 1.1.0 Compliance Finding events (class 2003), one per transform, for a
// SIEM or Security Lake. Each carries the attributes the class requires: activity_id,
// category_uid, class_uid, type_uid, severity_id, time, metadata (product, version),
// finding_info (uid, title), compliance (standards), cloud (provider).
import type { EvidenceReport } from './report.js';

export const OCSF_VERSION = '1.1.0';
const CLASS_UID = 2003;
const ACTIVITY_CREATE = 1;
const SEVERITY_ID: Record<string, number> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 };
/** compliance.status_id: 1 Pass, 2 Warning, 3 Fail; an ERROR (not evaluated) is 99 Other. */
// A waived transform still fails the control; the waiver is the finding's status (Suppressed).
const COMPLIANCE_STATUS: Record<string, [number, string]> = { PASS: [1, 'Pass'], WARN: [2, 'Warning'], FAIL: [3, 'Fail'], WAIVED: [3, 'Fail'], ERROR: [99, 'Other'] };
/** The finding's own status_id: 1 New, 3 Suppressed (an accepted risk), 4 Resolved (passing). */
const FINDING_STATUS: Record<string, [number, string]> = { PASS: [4, 'Resolved'], WAIVED: [3, 'Suppressed'] };

const titleCase = (s: string) => s.charAt(0) + s.slice(1).toLowerCase();

export function toOcsf(report: EvidenceReport, productVersion: string): Record<string, unknown>[] {
  const time = Date.parse(report.scan.finishedAt);
  return report.findings.map((f) => {
    const [statusId, status] = COMPLIANCE_STATUS[f.status] ?? [99, 'Other'];
    const [findingStatusId, findingStatus] = FINDING_STATUS[f.status] ?? [1, 'New'];
    // "AWS FSBP Glue.3" -> standard "AWS FSBP", control "Glue.3"; "NIST 800-53 SC-28" -> requirement.
    const standards = [...new Set(f.controls.map((c) => c.replace(/\s+\S+$/, '')))];
    return {
      activity_id: ACTIVITY_CREATE,
      activity_name: 'Create',
      category_uid: 2,
      category_name: 'Findings',
      class_uid: CLASS_UID,
      class_name: 'Compliance Finding',
      type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
      type_name: 'Compliance Finding: Create',
      severity_id: SEVERITY_ID[f.severity] ?? 0,
      severity: titleCase(f.severity),
      time,
      status_id: findingStatusId,
      status: findingStatus,
      metadata: { version: OCSF_VERSION, product: { name: 'glue-encrypt', vendor_name: 'glue-encrypt', version: productVersion }, logged_time: Date.parse(report.generatedAt) },
      finding_info: {
        uid: `glue-encrypt/${f.accountId}/${f.region}/${f.transformId}`,
        title: f.status === 'PASS' ? `${f.name}: encrypted at rest` : `${f.name}: ${f.reasonCodes.join(', ')}`,
        desc: f.reasons.join(' ') || 'User data encrypted with a customer-managed KMS key; task runs encrypted.',
        types: ['Glue ML transform encryption at rest'],
      },
      compliance: { standards, requirements: f.controls, status_id: statusId, status },
      cloud: { provider: 'AWS', region: f.region, account: { uid: f.accountId, type: 'AWS Account' } },
      resources: [{ uid: f.transformId, name: f.name, type: 'AWS::Glue::MLTransform', region: f.region }],
      unmapped: { generatedBy: report.generatedBy, scanStartedAt: report.scan.startedAt, waiver: f.waiver },
    };
  });
}
