// A finding in the AWS Security Finding Format (ASFF), one per transform, with an Id that stays
// the same scan after scan so Security Hub updates it in place. Compliance.Status follows ours.
// Severity goes in FindingProviderFields (finding providers do not update Severity directly),
// and Workflow is set only when the finding is created: after that only BatchUpdateFindings may
// change it (see export.ts).
import type { Finding } from '../checks/types.js';
import { partitionOf, transformArn } from '../inventory/arn.js';

export const GENERATOR_ID = 'glue-encrypt/ml-transform-encryption';
// A waived transform still fails the control: the waiver shows in Workflow (SUPPRESSED), not in Compliance.
const COMPLIANCE: Record<Finding['status'], 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE'> = { PASS: 'PASSED', WARN: 'WARNING', FAIL: 'FAILED', ERROR: 'NOT_AVAILABLE', WAIVED: 'FAILED' };
const TYPES = ['Software and Configuration Checks/AWS Security Best Practices'];

/** The customer's own product: an account imports its own findings under it. */
export function defaultProductArn(region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

export function findingId(f: Pick<Finding, 'accountId' | 'region' | 'transformId'>): string {
  return `glue-encrypt/${f.accountId}/${f.region}/${f.transformId}`;
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function toAsff(f: Finding, observedAt: string): Record<string, unknown> {
  const passing = f.status === 'PASS';
  const severity = passing ? 'INFORMATIONAL' : f.severity;
  return {
    SchemaVersion: '2018-10-08',
    Id: findingId(f),
    ProductArn: defaultProductArn(f.region, f.accountId),
    GeneratorId: GENERATOR_ID,
    AwsAccountId: f.accountId,
    Types: TYPES,
    // Security Hub keeps the CreatedAt of the first import.
    CreatedAt: observedAt,
    UpdatedAt: observedAt,
    Severity: { Label: severity },
    FindingProviderFields: { Severity: { Label: severity }, Types: TYPES },
    Title: cut(passing ? `Glue ML transform ${f.name} is encrypted at rest` : `Glue ML transform ${f.name}: ${f.reasons[0]?.code ?? f.status}`, 256),
    Description: cut(passing ? 'User data is encrypted with a customer-managed KMS key and task runs with a security configuration.' : f.reasons.map((r) => r.message).join(' ') || f.status, 1024),
    Resources: [
      {
        Type: 'Other',
        Id: transformArn(f.accountId, f.region, f.transformId),
        Partition: partitionOf(f.region),
        Region: f.region,
        Details: { Other: { name: cut(f.name, 1024), transformId: f.transformId } },
      },
    ],
    Compliance: { Status: COMPLIANCE[f.status], RelatedRequirements: f.controls.slice(0, 32) },
    Workflow: { Status: passing ? 'RESOLVED' : f.status === 'WAIVED' ? 'SUPPRESSED' : 'NEW' },
    RecordState: 'ACTIVE',
    ProductFields: {
      'glue-encrypt/status': f.status,
      'glue-encrypt/reasonCodes': f.reasons.map((r) => r.code).join(' ') || 'none',
      ...(f.waiver ? { 'glue-encrypt/waiverId': f.waiver.id, 'glue-encrypt/waiverExpiresAt': f.waiver.expiresAt, 'glue-encrypt/waiverApprovedBy': f.waiver.approvedBy } : {}),
    },
    ...(passing ? {} : { Remediation: { Recommendation: { Text: 'Press Remediate on this transform in Slack (/glue-encrypt check): it is re-created encrypted, labels kept, after a second person approves.' } } }),
  };
}
