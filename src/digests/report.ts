// What a digest says, worked out from two scan snapshots: the posture now, within the
// subscription's accounts and regions, and what changed since the snapshot its channel's last
// digest reported. Pure: snapshots in, a report out.
//
// Only account-regions read in both runs are compared: one that could not be read this time has
// not lost its transforms, and one read for the first time has not just gained them all.
import { summarize } from '../checks/evaluate.js';
import { severityRank } from '../checks/reasons.js';
import type { Finding, Status } from '../checks/types.js';
import { accountRegion, type RunSnapshot } from './snapshotStore.js';

export interface DigestFilter {
  accounts?: string[];
  regions?: string[];
  onlyFailures: boolean;
}

export interface KeyChange {
  arn: string;
  state: string;
  deletionDate?: string;
  /** In-scope transforms encrypted with the key. */
  transforms: Finding[];
}

export interface Changes {
  /** The run compared with. */
  since: { runId: string; at: string };
  newFailures: Finding[];
  fixed: Finding[];
  /** Failing at the earlier run, waived (an accepted risk) now: not fixed, and not counted as fixed. */
  waived: Finding[];
  newTransforms: Finding[];
  deletedTransforms: Finding[];
  /** Keys that were enabled at the earlier run (or unknown) and now are disabled or scheduled for deletion. */
  keys: KeyChange[];
}

export interface Unreadable {
  accountId: string;
  region: string;
  message: string;
}

export interface DigestReport {
  runId: string;
  scannedAt: string;
  totals: Record<Status, number>;
  accounts: number;
  accountRegions: number;
  /** Failing transforms, worst and longest-open first, with since when each has been failing. */
  failures: { finding: Finding; since?: string }[];
  /** Warnings, errors and waived transforms: listed after the failures, unless the subscription asks for failures only. */
  others: Finding[];
  unreadable: Unreadable[];
  /** Accounts the scan was to read but did not finish (the iteration failed). */
  notScanned: string[];
  /** Absent when there is no earlier snapshot to compare with (the first digest, or one past retention). */
  changes?: Changes;
}

const transformKey = (f: Finding) => `${f.accountId}#${f.region}#${f.transformId}`;
const failing = (f: Finding) => f.status === 'FAIL';
/** ISO times, earliest first; unknown last. */
const earliestFirst = (a?: string, b?: string) => (a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a < b ? -1 : 1);
const KEY_TROUBLE = new Set(['Disabled', 'PendingDeletion', 'PendingReplicaDeletion']);

function inScope(filter: DigestFilter, accountId: string, region: string): boolean {
  return (!filter.accounts || filter.accounts.includes(accountId)) && (!filter.regions || filter.regions.includes(region));
}

/** The in-scope account-regions of a run that were read, with their findings. */
function readRegions(snapshot: RunSnapshot, filter: DigestFilter): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const [key, region] of snapshot.regions) {
    const [accountId = '', name = ''] = key.split('#');
    if (inScope(filter, accountId, name)) out.set(key, region.findings);
  }
  return out;
}

export function buildReport(current: RunSnapshot, previous: RunSnapshot | undefined, filter: DigestFilter): DigestReport {
  const now = readRegions(current, filter);
  const findings = [...now.values()].flat();

  const since = (f: Finding) => current.regions.get(accountRegion(f.accountId, f.region))?.failingSince[f.transformId];
  const failures = findings
    .filter(failing)
    .map((finding) => ({ finding, since: since(finding) }))
    .sort((a, b) => severityRank(b.finding.severity) - severityRank(a.finding.severity) || earliestFirst(a.since, b.since) || a.finding.name.localeCompare(b.finding.name));

  const accounts = current.run.accounts.filter((a) => !filter.accounts || filter.accounts.includes(a));
  const regions = current.run.regions.filter((r) => !filter.regions || filter.regions.includes(r));
  const unreadable: Unreadable[] = [];
  const notScanned: string[] = [];
  for (const accountId of accounts) {
    const outcome = current.accounts.get(accountId);
    if (!outcome) {
      notScanned.push(accountId);
      continue;
    }
    for (const e of outcome.errors) {
      if (e.region === '-' || regions.includes(e.region)) unreadable.push({ accountId, region: e.region, message: e.message });
    }
  }

  return {
    runId: current.run.runId,
    scannedAt: current.run.startedAt,
    totals: summarize(findings),
    accounts: accounts.length,
    accountRegions: now.size,
    failures,
    others: findings.filter((f) => f.status === 'WARN' || f.status === 'ERROR' || f.status === 'WAIVED'),
    unreadable,
    notScanned,
    ...(previous ? { changes: compare(now, readRegions(previous, filter), previous, filter) } : {}),
  };
}

function compare(now: Map<string, Finding[]>, before: Map<string, Finding[]>, previous: RunSnapshot, filter: DigestFilter): Changes {
  const changes: Changes = { since: { runId: previous.run.runId, at: previous.run.startedAt }, newFailures: [], fixed: [], waived: [], newTransforms: [], deletedTransforms: [], keys: [] };
  const keyWas = new Map<string, string>();
  const keyNow = new Map<string, KeyChange>();
  for (const [key, findings] of now) {
    const earlier = before.get(key);
    if (!earlier) continue;
    const earlierById = new Map(earlier.map((f) => [transformKey(f), f]));
    const nowIds = new Set(findings.map(transformKey));
    for (const f of earlier) if (f.key) keyWas.set(f.key.arn, f.key.state);
    for (const f of findings) {
      const was = earlierById.get(transformKey(f));
      if (!was) {
        if (!filter.onlyFailures || f.status !== 'PASS') changes.newTransforms.push(f);
        if (failing(f)) changes.newFailures.push(f);
      } else if (failing(f) && !failing(was)) changes.newFailures.push(f);
      else if (f.status === 'WAIVED' && failing(was)) changes.waived.push(f);
      else if (!failing(f) && failing(was)) changes.fixed.push(f);
      if (f.key && KEY_TROUBLE.has(f.key.state)) {
        const entry = keyNow.get(f.key.arn) ?? { arn: f.key.arn, state: f.key.state, ...(f.key.deletionDate ? { deletionDate: f.key.deletionDate } : {}), transforms: [] };
        entry.transforms.push(f);
        keyNow.set(f.key.arn, entry);
      }
    }
    for (const f of earlier) {
      if (!nowIds.has(transformKey(f)) && (!filter.onlyFailures || f.status !== 'PASS')) changes.deletedTransforms.push(f);
    }
  }
  // Newly in trouble: not already disabled or pending deletion at the earlier run (a state change
  // between the two, e.g. disabled then scheduled for deletion, is news too).
  for (const change of keyNow.values()) if (keyWas.get(change.arn) !== change.state) changes.keys.push(change);
  return changes;
}

/** Nothing to tell beyond the totals: no change of any kind since the compared run. */
export function nothingNew(report: DigestReport): boolean {
  const c = report.changes;
  return !!c && c.newFailures.length + c.fixed.length + c.waived.length + c.newTransforms.length + c.deletedTransforms.length + c.keys.length === 0 && report.unreadable.length === 0 && report.notScanned.length === 0;
}
