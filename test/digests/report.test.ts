// The digest's arithmetic on two snapshots: what is new, fixed, gone; which keys turned bad;
// what is left out when an account-region could not be read; and the subscription's filters.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/checks/types.js';
import { buildReport, nothingNew } from '../../src/digests/report.js';
import type { AccountOutcome, RunSnapshot } from '../../src/digests/snapshotStore.js';
import { ACCOUNT, OTHER_ACCOUNT, REGION, finding, reason, scopeError } from '../slack/factories.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

function withKey(f: Finding, state: string, deletionDate?: string): Finding {
  return { ...f, key: { arn: KEY, state, ...(deletionDate ? { deletionDate } : {}) } };
}

function snapshot(runId: string, at: string, findings: Finding[], options: { accounts?: string[]; regions?: string[]; errors?: Record<string, AccountOutcome['errors']>; missing?: string[]; since?: Record<string, string> } = {}): RunSnapshot {
  const accounts = options.accounts ?? [ACCOUNT];
  const regions = options.regions ?? [REGION];
  const snap: RunSnapshot = { run: { runId, startedAt: at, trigger: 'schedule', accounts, regions, source: 'configuration' }, accounts: new Map(), regions: new Map() };
  for (const accountId of accounts) {
    if (options.missing?.includes(accountId)) continue;
    const errors = options.errors?.[accountId] ?? [];
    snap.accounts.set(accountId, { accountId, scannedAt: at, errors, transforms: 0 });
    for (const region of regions) {
      if (errors.some((e) => e.region === region || e.region === '-')) continue;
      snap.regions.set(`${accountId}#${region}`, { findings: findings.filter((f) => f.accountId === accountId && f.region === region), failingSince: options.since ?? {} });
    }
  }
  return snap;
}

const unencrypted = (name: string, o = {}) => finding(name, [reason('USER_DATA_NOT_ENCRYPTED')], o);
const filter = { onlyFailures: false };

describe('buildReport', () => {
  it('reports new failures, fixes, new and deleted transforms since the earlier run', () => {
    const before = snapshot('r1', '2026-12-01T09:00:00Z', [unencrypted('stays-bad'), unencrypted('gets-fixed'), finding('removed'), finding('turns-bad')]);
    const now = snapshot('r2', '2026-12-02T09:00:00Z', [unencrypted('stays-bad'), finding('gets-fixed'), unencrypted('turns-bad'), unencrypted('brand-new'), finding('new-and-fine')]);
    const report = buildReport(now, before, filter);
    const names = (fs: Finding[]) => fs.map((f) => f.name).sort();
    expect(report.totals).toMatchObject({ FAIL: 3, PASS: 2 });
    expect(names(report.changes!.newFailures)).toEqual(['brand-new', 'turns-bad']);
    expect(names(report.changes!.fixed)).toEqual(['gets-fixed']);
    expect(names(report.changes!.newTransforms)).toEqual(['brand-new', 'new-and-fine']);
    expect(names(report.changes!.deletedTransforms)).toEqual(['removed']);
    expect(report.changes!.since).toEqual({ runId: 'r1', at: '2026-12-01T09:00:00Z' });
    expect(nothingNew(report)).toBe(false);
  });

  it('names a key newly disabled or scheduled for deletion, with the transforms that use it and the date', () => {
    const a = finding('orders-match');
    const b = finding('vendor-match');
    const before = snapshot('r1', '2026-12-01T09:00:00Z', [withKey(a, 'Enabled'), withKey(b, 'Enabled')]);
    const pending = snapshot('r2', '2026-12-02T09:00:00Z', [withKey(finding('orders-match', [reason('KMS_KEY_PENDING_DELETION')]), 'PendingDeletion', '2026-12-09T00:00:00.000Z'), withKey(finding('vendor-match', [reason('KMS_KEY_PENDING_DELETION')]), 'PendingDeletion', '2026-12-09T00:00:00.000Z')]);
    const report = buildReport(pending, before, filter);
    expect(report.changes!.keys).toEqual([expect.objectContaining({ arn: KEY, state: 'PendingDeletion', deletionDate: '2026-12-09T00:00:00.000Z' })]);
    expect(report.changes!.keys[0]!.transforms.map((f) => f.name).sort()).toEqual(['orders-match', 'vendor-match']);
    // Still pending the next day: not news again.
    expect(buildReport(pending, pending, filter).changes!.keys).toEqual([]);
  });

  it('compares only account-regions read both times; an unreadable one is reported, its transforms not "deleted"', () => {
    const other = { accountId: OTHER_ACCOUNT };
    const before = snapshot('r1', '2026-12-01T09:00:00Z', [unencrypted('mine'), unencrypted('theirs', other)], { accounts: [ACCOUNT, OTHER_ACCOUNT] });
    const now = snapshot('r2', '2026-12-02T09:00:00Z', [unencrypted('mine'), unencrypted('theirs', other)], {
      accounts: [ACCOUNT, OTHER_ACCOUNT],
      errors: { [OTHER_ACCOUNT]: [scopeError('-', { accountId: OTHER_ACCOUNT, operation: 'sts:AssumeRole', code: 'AccessDenied', message: 'Could not assume glue-encrypt-read.' })] },
    });
    const report = buildReport(now, before, filter);
    expect(report.unreadable).toEqual([{ accountId: OTHER_ACCOUNT, region: '-', message: 'Could not assume glue-encrypt-read.' }]);
    expect(report.changes!.deletedTransforms).toEqual([]);
    expect(report.totals.FAIL).toBe(1);
  });

  it('counts an account whose scan never finished as not scanned', () => {
    const report = buildReport(snapshot('r2', '2026-12-02T09:00:00Z', [], { accounts: [ACCOUNT, OTHER_ACCOUNT], missing: [OTHER_ACCOUNT] }), undefined, filter);
    expect(report.notScanned).toEqual([OTHER_ACCOUNT]);
    expect(report.changes).toBeUndefined();
  });

  it('keeps to the subscription: its accounts and regions, and failures only when asked', () => {
    const other = { accountId: OTHER_ACCOUNT };
    const before = snapshot('r1', '2026-12-01T09:00:00Z', [], { accounts: [ACCOUNT, OTHER_ACCOUNT] });
    const now = snapshot('r2', '2026-12-02T09:00:00Z', [unencrypted('mine'), finding('mine-fine'), unencrypted('theirs', other)], { accounts: [ACCOUNT, OTHER_ACCOUNT] });
    const mineOnly = buildReport(now, before, { accounts: [ACCOUNT], onlyFailures: true });
    expect(mineOnly.accounts).toBe(1);
    expect(mineOnly.totals).toMatchObject({ FAIL: 1, PASS: 1 });
    expect(mineOnly.changes!.newTransforms.map((f) => f.name)).toEqual(['mine']);
    expect(buildReport(now, before, { regions: ['us-east-1'], onlyFailures: false }).totals.FAIL).toBe(0);
  });

  it('orders failures worst first, then longest open, and knows nothing new when nothing changed', () => {
    const old = unencrypted('old-failure');
    const worse = finding('worse', [reason('KMS_KEY_PENDING_DELETION')]);
    const since = { [old.transformId]: '2026-11-01T09:00:00Z', [worse.transformId]: '2026-12-01T09:00:00Z' };
    const now = snapshot('r2', '2026-12-02T09:00:00Z', [unencrypted('newer'), old, worse], { since });
    const report = buildReport(now, now, filter);
    expect(report.failures.map((f) => f.finding.name)).toEqual(['worse', 'old-failure', 'newer']);
    expect(report.failures[1]!.since).toBe('2026-11-01T09:00:00Z');
    expect(nothingNew(report)).toBe(true);
  });
});
