// Findings into Security Hub: one ASFF finding per transform, imported in batches of at most 100
// (BatchImportFindings), then the workflow of those whose state changed since the last scan set
// with BatchUpdateFindings (RESOLVED when fixed, NEW when failing again): BatchImportFindings
// cannot change Workflow once a finding exists. Called with the account's own credentials,
// since a default-product finding must be imported by the account it names.
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, type AwsSecurityFinding, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Finding } from '../checks/types.js';
import { defaultProductArn, findingId, toAsff } from './asff.js';
import { endDay } from '../checks/waivers.js';

const BATCH = 100;
/** Security Hub refuses a finding over 240 KB; ours are a few KB at most. */
const MAX_FINDING_BYTES = 240 * 1024;

export interface ExportOutcome {
  imported: number;
  failed: { id: string; code: string; message: string }[];
  resolved: number;
  reopened: number;
  suppressed: number;
}

export interface Transitions {
  /** Transform IDs failing at the last scan and not now: fixed, or gone (retired, deleted). */
  fixed: string[];
  /** Transform IDs failing now and not at the last scan (new ones included: creating them sets NEW anyway). */
  failing: string[];
  /** Transform IDs waived now and not at the last scan, or by another waiver: suppressed while the waiver holds, the note naming it. */
  waived: string[];
}

/** The note of a suppressed finding: the waiver behind it, when one finding is updated alone. */
function waivedNote(w: { id: string; expiresAt: string; approvedBy: string } | undefined): string {
  return w ? `glue-encrypt: accepted risk (waiver ${w.id}) until ${endDay(w)}, approved by Slack user ${w.approvedBy}.` : 'glue-encrypt: accepted risk; see /glue-encrypt waivers for who approved it and until when.';
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function exportToSecurityHub(
  client: Pick<SecurityHubClient, 'send'>,
  where: { accountId: string; region: string },
  findings: Finding[],
  transitions: Transitions,
  observedAt: string,
): Promise<ExportOutcome> {
  const outcome: ExportOutcome = { imported: 0, failed: [], resolved: 0, reopened: 0, suppressed: 0 };
  const asff = findings.map((f) => toAsff(f, observedAt)).filter((a) => {
    if (Buffer.byteLength(JSON.stringify(a)) <= MAX_FINDING_BYTES) return true;
    outcome.failed.push({ id: String(a.Id), code: 'TooLarge', message: 'over 240 KB' });
    return false;
  });
  for (const batch of chunks(asff, BATCH)) {
    const out = await client.send(new BatchImportFindingsCommand({ Findings: batch as unknown as AwsSecurityFinding[] }));
    outcome.imported += out.SuccessCount ?? 0;
    for (const f of out.FailedFindings ?? []) outcome.failed.push({ id: f.Id ?? '', code: f.ErrorCode ?? '', message: f.ErrorMessage ?? '' });
  }
  // By ID alone: a transform that is gone (retired after its remediation) is resolved too.
  const identifiers = (ids: string[]) => ids.map((transformId) => ({ Id: findingId({ ...where, transformId }), ProductArn: defaultProductArn(where.region, where.accountId) }));
  const waiverOf = new Map(findings.filter((f) => f.waiver).map((f) => [f.transformId, f.waiver!]));
  for (const [ids, status] of [
    [transitions.fixed, 'RESOLVED'],
    [transitions.failing, 'NEW'],
    [transitions.waived, 'SUPPRESSED'],
  ] as const) {
    // A suppressed finding's note names its own waiver, so those go one by one (a waiver is a rare event).
    for (const batch of chunks(ids, status === 'SUPPRESSED' ? 1 : BATCH)) {
      const note = status === 'RESOLVED' ? 'glue-encrypt: the transform passes now, or no longer exists.' : status === 'NEW' ? 'glue-encrypt: the transform fails again.' : waivedNote(waiverOf.get(batch[0]!));
      const out = await client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: identifiers(batch), Workflow: { Status: status }, Note: { Text: note, UpdatedBy: 'glue-encrypt' } }));
      const done = batch.length - (out.UnprocessedFindings?.length ?? 0);
      if (status === 'RESOLVED') outcome.resolved += done;
      else if (status === 'NEW') outcome.reopened += done;
      else outcome.suppressed += done;
      for (const u of out.UnprocessedFindings ?? []) outcome.failed.push({ id: u.FindingIdentifier?.Id ?? '', code: u.ErrorCode ?? '', message: u.ErrorMessage ?? '' });
    }
  }
  return outcome;
}
