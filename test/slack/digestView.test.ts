// The digest within Slack's limits, however big the estate: 50 blocks a message, 3,000 characters
// a section, the worst failures first with buttons, the rest in the thread and a CSV.
import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/digests/report.js';
import type { RunSnapshot } from '../../src/digests/snapshotStore.js';
import type { Subscription } from '../../src/digests/types.js';
import { renderDigest, TOP_FAILURES } from '../../src/slack/views/digest.js';
import { ACCOUNT, REGION, finding, reason } from './factories.js';

const subscription: Subscription = {
  id: 'a1b2c3',
  channelId: 'C0SEC',
  cadence: { kind: 'daily', time: '09:00' },
  timeZone: 'UTC',
  onlyFailures: false,
  createdBy: 'U0BOB',
  createdAt: '2026-12-01T00:00:00.000Z',
  nextDueAt: '2026-12-03T09:00:00.000Z',
  version: 1,
};

function snapshot(runId: string, findings = [finding('x')]): RunSnapshot {
  return {
    run: { runId, startedAt: '2026-12-02T09:00:00.000Z', trigger: 'schedule', accounts: [ACCOUNT], regions: [REGION], source: 'configuration' },
    accounts: new Map([[ACCOUNT, { accountId: ACCOUNT, scannedAt: '2026-12-02T09:00:00.000Z', errors: [], transforms: findings.length }]]),
    regions: new Map([[`${ACCOUNT}#${REGION}`, { findings, failingSince: {} }]]),
  };
}

const texts = (blocks: KnownBlock[]): string[] =>
  blocks.flatMap((b) => {
    if (b.type === 'section' || b.type === 'header') return b.text ? [b.text.text] : [];
    if (b.type === 'context') return b.elements.map((e) => ('text' in e && typeof e.text === 'string' ? e.text : ''));
    return [];
  });

describe('renderDigest', () => {
  it('keeps 500 failures within the limits: ten with buttons, three replies of 40, the rest in the CSV', () => {
    const failures = Array.from({ length: 500 }, (_, i) => finding(`unencrypted-${i}`, [reason('USER_DATA_NOT_ENCRYPTED')]));
    const report = buildReport(snapshot('r2', failures), snapshot('r1', []), { onlyFailures: false });
    const out = renderDigest(report, { subscription, inFlight: [], remediate: true, now: new Date('2026-12-02T09:05:00Z') });
    expect(out.message.blocks.length).toBeLessThanOrEqual(50);
    for (const t of texts(out.message.blocks)) expect(t.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(out.message.blocks).match(/"action_id":"remediate"/g)).toHaveLength(TOP_FAILURES);
    expect(out.replies).toHaveLength(3);
    for (const r of out.replies) expect(r.blocks.length).toBeLessThanOrEqual(50);
    expect(out.unlisted).toHaveLength(500);
    expect(texts(out.message.blocks).join('\n')).toContain('120 more transforms in the thread, and all 500 in the CSV file there');
    expect(texts(out.message.blocks).join('\n')).toMatch(/500 new failures\*: unencrypted-0, .* and \d+ more/);
  });

  it('shows a hostile transform name as text, never as markup, a mention or a link', () => {
    const hostile = finding('<!channel> *bold* <https://evil.example|click>', [reason('USER_DATA_NOT_ENCRYPTED')]);
    const report = buildReport(snapshot('r2', [hostile]), snapshot('r1', []), { onlyFailures: false });
    const all = texts(renderDigest(report, { subscription, inFlight: [], remediate: true, now: new Date() }).message.blocks).join('\n');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    expect(all).toContain('&lt;!channel&gt;');
  });

  it('says a quiet day in one line', () => {
    const same = snapshot('r2');
    const out = renderDigest(buildReport(same, { ...snapshot('r1'), run: { ...same.run, runId: 'r1', startedAt: '2026-12-01T09:00:00.000Z' } }, { onlyFailures: false }), {
      subscription,
      inFlight: [],
      remediate: true,
      now: new Date(),
    });
    expect(out.message.blocks).toHaveLength(1);
    expect(texts(out.message.blocks)[0]).toMatch(/^glue-encrypt digest \(daily at 09:00 UTC\): nothing changed since <!date\^\d+\^\{date_short_pretty\} \{time\}\|2026-12-01 09:00 UTC>\. 1 PASS across 1 account · 1 account-region\.$/);
    expect(out.replies).toEqual([]);
  });
});
