// The expiry sweep: the worker's schedule (serverless.yml, input {"kind":"sweep"}) closes the
// requests nobody decided in time, without waiting for a click.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/slack/views/remediation.js';
import { ALICE, BOB, actionIds, sweepAt, approveAndSettle, blocksText, messageOf, mustGet, ofRemediation, requestRemediation, startWorld, trail, type World } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await startWorld({ env: { GLUE_ENCRYPT_APPROVAL_TTL_HOURS: '1' } });
});
afterEach(async () => {
  vi.useRealTimers();
  await w.close();
});


const threadReplies = (ts: string) => w.h.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts === ts && c.ok);
const hourAfter = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * 3_600_000);

describe('the expiry sweep', () => {
  it('removes the buttons of a request past its expiry, says it expired, tells the requester in the thread and audits it', async () => {
    const req = await requestRemediation(w, ALICE);
    const r = await mustGet(w, req.id);
    expect(actionIds((await messageOf(w, req.id)).blocks)).toContain(ACTIONS.approve);

    expect(await sweepAt(w, hourAfter(r.requestedAt, 0.5))).toEqual({ ok: true });
    expect((await mustGet(w, req.id)).status).toBe('pending_approval'); // not due yet

    expect(await sweepAt(w, hourAfter(r.requestedAt, 2))).toEqual({ ok: true });
    expect((await mustGet(w, req.id)).status).toBe('expired');
    const message = await messageOf(w, req.id);
    expect(actionIds(message.blocks)).toEqual([]);
    expect(blocksText(message.blocks)).toContain('Expired at');
    const replies = threadReplies(req.ts);
    expect(replies).toHaveLength(1);
    expect(JSON.stringify(replies[0]!.args.blocks)).toContain('<@U0ALICE> The request to encrypt');
    expect(JSON.stringify(replies[0]!.args.blocks)).toContain('*expired*');
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.expired')).toEqual([
      expect.objectContaining({ actor: 'system', outcome: 'info' }),
    ]);

    // A later sweep finds nothing new: one notice, one audit event.
    await sweepAt(w, hourAfter(r.requestedAt, 3));
    expect(threadReplies(req.ts)).toHaveLength(1);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.expired')).toHaveLength(1);
  });

  it('leaves a request that was decided in time as it is', async () => {
    const req = await requestRemediation(w, ALICE);
    expect((await approveAndSettle(w, req, BOB)).status).toBe('completed');
    const r = await mustGet(w, req.id);
    const before = threadReplies(req.ts).length;
    await sweepAt(w, hourAfter(r.requestedAt, 2));
    expect((await mustGet(w, req.id)).status).toBe('completed');
    expect(threadReplies(req.ts)).toHaveLength(before);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.expired')).toEqual([]);
  });

  it('expires the request even when Slack refuses the update, and tells it on a later sweep', async () => {
    const req = await requestRemediation(w, ALICE);
    const r = await mustGet(w, req.id);
    w.h.slack.failNext('chat.update', 'internal_error');
    expect(await sweepAt(w, hourAfter(r.requestedAt, 2))).toEqual({ ok: true });
    expect((await mustGet(w, req.id)).status).toBe('expired');
    expect(threadReplies(req.ts)).toHaveLength(0);
    expect(actionIds((await messageOf(w, req.id)).blocks)).toContain(ACTIONS.approve);

    await sweepAt(w, hourAfter(r.requestedAt, 2.25));
    expect(actionIds((await messageOf(w, req.id)).blocks)).toEqual([]);
    expect(threadReplies(req.ts)).toHaveLength(1);
    // Audited once, by the sweep that expired it.
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.expired')).toHaveLength(1);
  });

  it('gives up on a message Slack keeps refusing after three sweeps', async () => {
    const req = await requestRemediation(w, ALICE);
    const r = await mustGet(w, req.id);
    w.h.slack.failNext('chat.update', 'channel_not_found', 10);
    for (let i = 0; i < 5; i++) await sweepAt(w, hourAfter(r.requestedAt, 2 + i));
    expect(w.h.slack.calls('chat.update').filter((c) => c.error === 'channel_not_found')).toHaveLength(3);
  });

  it('tells a request a click found expired, once the sweep comes', async () => {
    const req = await requestRemediation(w, ALICE);
    const r = await mustGet(w, req.id);
    await w.store.save({ ...(await mustGet(w, req.id)), status: 'expired' }, r.version);
    await sweepAt(w, hourAfter(r.requestedAt, 2));
    expect(threadReplies(req.ts)).toHaveLength(1);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.expired')).toEqual([]);
  });
});
