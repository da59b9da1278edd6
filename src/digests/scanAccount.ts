// One iteration of the scan's Map: every configured region of one account, read with the same
// scanner as /glue-encrypt check, stored as a snapshot. An account or region that cannot be read
// is recorded as such (the digest reports it); only a failure to store anything is an error.
import { summarize } from '../checks/evaluate.js';
import type { Finding } from '../checks/types.js';
import type { AppConfig } from '../config.js';
import { runScan, scanOptionsFrom } from '../inventory/scan.js';
import { waiverSource } from '../waivers/source.js';
import type { AccountOutcome, AccountRegionState, SnapshotStore } from './snapshotStore.js';

export interface ScanAccountRequest {
  runId: string;
  accountId: string;
  regions: string[];
}

/** Sends one account-region's findings on (Security Hub), with the transforms whose failing state changed since the last scan. */
export type FindingsSink = (accountId: string, region: string, findings: Finding[], transitions: { fixed: string[]; failing: string[]; waived: string[] }) => Promise<void>;

export async function scanAccount(req: ScanAccountRequest, deps: { config: AppConfig; snapshots: SnapshotStore; now(): Date; sink?: FindingsSink }): Promise<AccountOutcome> {
  const { config } = deps;
  const result = await runScan(
    { accounts: [req.accountId], regions: req.regions },
    { ...scanOptionsFrom(config, req.accountId), waivers: waiverSource(config) },
  );
  const scannedAt = deps.now().toISOString();
  const unreadable = new Set(result.scopeErrors.filter((e) => !e.accountId || e.accountId === req.accountId).map((e) => e.region));
  // An error for the whole account ('-', e.g. AssumeRole or the bot's own identity) makes every region unreadable.
  const readable = unreadable.has('-') ? [] : req.regions.filter((r) => !unreadable.has(r));

  const byRegion = new Map<string, Finding[]>(readable.map((r) => [r, []]));
  for (const f of result.findings) byRegion.get(f.region)?.push(f);

  const previous = readable.length > 0 ? await deps.snapshots.latest(req.accountId, readable) : new Map<string, AccountRegionState>();
  const latest: AccountRegionState[] = readable.map((region) => {
    const findings = byRegion.get(region) ?? [];
    const before = previous.get(`${req.accountId}#${region}`)?.failingSince ?? {};
    const failingSince: Record<string, string> = {};
    for (const f of findings) if (f.status === 'FAIL') failingSince[f.transformId] = before[f.transformId] ?? scannedAt;
    const waivedBy = Object.fromEntries(findings.filter((f) => f.status === 'WAIVED').map((f) => [f.transformId, f.waiver?.id ?? '']));
    return { accountId: req.accountId, region, runId: req.runId, scannedAt, counts: summarize(findings), failingSince, waivedBy };
  });

  const outcome: AccountOutcome = {
    accountId: req.accountId,
    scannedAt,
    errors: result.scopeErrors,
    transforms: result.findings.length,
    counts: Object.fromEntries(latest.map((s) => [s.region, s.counts])),
  };
  await deps.snapshots.putAccount(req.runId, outcome, byRegion, latest);
  if (deps.sink) {
    for (const state of latest) {
      const last = previous.get(`${req.accountId}#${state.region}`);
      const before = Object.keys(last?.failingSince ?? {});
      const beforeWaivedBy = last?.waivedBy ?? {};
      const beforeWaived = Object.keys(beforeWaivedBy);
      const now = Object.keys(state.failingSince);
      const waivedBy = state.waivedBy ?? {};
      const waived = Object.keys(waivedBy);
      // Open at the last scan (failing or waived) and neither now: fixed, or gone.
      const open = [...before, ...beforeWaived];
      await deps.sink(req.accountId, state.region, byRegion.get(state.region) ?? [], {
        fixed: open.filter((id) => !now.includes(id) && !waived.includes(id)),
        failing: now.filter((id) => !before.includes(id)),
        // Newly waived, or waived by another waiver than at the last scan (a replacement).
        waived: waived.filter((id) => beforeWaivedBy[id] !== waivedBy[id]),
      });
    }
  }
  return outcome;
}
