// Who may approve, and exactly-once: four-eyes, approvers, workspace, expiry, rejection,
// forged button values, concurrent clicks and double requests, through the real Slack
// Lambda handler with signed requests.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decide, type DecideDeps } from '../../src/remediation/approval.js';
import { planDigest } from '../../src/remediation/lifecycle.js';
import { remediationServices } from '../../src/remediation/runtime.js';
import { TAG_SOURCE } from '../../src/remediation/snapshot.js';
import { requestMessages } from '../../src/slack/requestMessages.js';
import { webClient } from '../../src/slack/webClient.js';
import { ACTIONS } from '../../src/slack/views/remediation.js';
import {
  ALICE,
  BOB,
  CAROL,
  DAVE,
  ORDERS,
  ORDERS_ID,
  actionIds,
  approveAndSettle,
  blocksText,
  channel,
  decideVia,
  gateStateMachine,
  glue,
  idValue,
  lastEphemeral,
  ephemeralTexts,
  messageOf,
  messageTextOf,
  mustGet,
  ofRemediation,
  original,
  pendingRequests,
  remediateOrders,
  remediateValue,
  requestFollowUp,
  requestRemediation,
  startWorld,
  trail,
  type Request,
  type World,
  decisionValue,
  chooseKey,
  keyMenu,
} from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const twins = () => [...glue(w).transforms.values()].filter((t) => t.tags[TAG_SOURCE] === ORDERS_ID);

/** What must hold when a click was refused: the request still waits, nothing ran, Glue is untouched. */
async function expectStillPending(req: Request) {
  const r = await mustGet(w, req.id);
  expect(r.status).toBe('pending_approval');
  expect(r.decidedBy).toBeUndefined();
  expect(w.h.aws.executions()).toEqual([]);
  expect(original(w)?.definition.Name).toBe(ORDERS);
  expect(twins()).toEqual([]);
  const message = await messageOf(w, req.id);
  expect(actionIds(message.blocks)).toEqual([ACTIONS.chooseKey, ACTIONS.approve, ACTIONS.reject]);
  expect(blocksText(message.blocks)).toContain('Waiting for approval');
}

describe('who may approve', () => {
  it('the requester cannot approve their own request (four-eyes), and the refusal is audited', async () => {
    const req = await requestRemediation(w, ALICE);
    await decideVia(w, 'approve', req, ALICE);
    await w.h.settle();

    const reply = lastEphemeral(w, ALICE);
    expect(reply).toContain('You cannot approve this request.');
    expect(reply).toContain('You requested this change, so someone else must approve it (four-eyes rule).');
    expect(reply).toContain('the refusal is in the audit trail');
    await expectStillPending(req);
    const refused = ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.approve.refused');
    expect(refused).toEqual([expect.objectContaining({ actor: ALICE, outcome: 'refused', detail: expect.stringContaining('four-eyes') })]);
  });

  it('someone who is neither a listed approver nor in the approver group is refused and audited', async () => {
    const req = await requestRemediation(w, ALICE);
    await decideVia(w, 'approve', req, DAVE);
    await w.h.settle();

    expect(lastEphemeral(w, DAVE)).toContain('You are not one of the configured approvers for glue-encrypt.');
    await expectStillPending(req);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.approve.refused')).toEqual([
      expect.objectContaining({ actor: DAVE, outcome: 'refused', detail: 'You are not one of the configured approvers for glue-encrypt.' }),
    ]);
    // Nor may they reject someone else's request.
    await decideVia(w, 'reject', req, DAVE);
    expect(lastEphemeral(w, DAVE)).toContain('You cannot reject this request.');
    await expectStillPending(req);
  });

  it('a member of the approver group may approve', async () => {
    const req = await requestRemediation(w, ALICE);
    const r = await approveAndSettle(w, req, CAROL);
    expect(r).toMatchObject({ status: 'completed', decidedBy: CAROL });
  });

  it('a click from another Slack workspace is refused before it reaches the request', async () => {
    const req = await requestRemediation(w, ALICE);
    const res = await w.h.click(ACTIONS.approve, idValue(req.id), { user: BOB, messageTs: req.ts, teamId: 'T0OTHERCO' });
    await w.h.settle();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('This glue-encrypt installation serves another Slack workspace; nothing was done.');
    // Slack ignores the HTTP body of a click: the refusal also reaches the clicker through response_url.
    expect(lastEphemeral(w, BOB)).toContain('This glue-encrypt installation serves another Slack workspace; nothing was done.');
    await expectStillPending(req);
    // Nothing reached the request, but the attempt is audited under its transform.
    expect(ofRemediation(await trail(w), req.id).map((e) => [e.type, e.actor, e.teamId])).toEqual([
      ['remediate.requested', ALICE, w.h.slack.teamId],
      ['approve.refused', BOB, 'T0OTHERCO'],
    ]);
    // The same person from the right workspace can still approve.
    expect((await approveAndSettle(w, req, BOB)).status).toBe('completed');
  });

  it('an expired request cannot be approved; the message says it expired', async () => {
    await w.close();
    w = await startWorld({ env: { GLUE_ENCRYPT_APPROVAL_TTL_HOURS: '1' } });
    const req = await requestRemediation(w, ALICE);
    const r = await mustGet(w, req.id);
    expect(Date.parse(r.expiresAt) - Date.parse(r.requestedAt)).toBe(3_600_000);
    expect(await messageTextOf(w, req.id)).toContain(`expires <!date^${Math.floor(Date.parse(r.expiresAt) / 1000)}^{date_short_pretty} {time}|${r.expiresAt.slice(0, 16).replace('T', ' ')} UTC>`);
    // The hour has passed.
    const expiresAt = new Date(Date.parse(r.requestedAt) - 60_000).toISOString();
    await w.store.save({ ...r, expiresAt }, r.version);

    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();

    expect(lastEphemeral(w, BOB)).toContain(`This request expired at ${expiresAt.slice(0, 16).replace('T', ' ')} UTC; request it again.`);
    expect((await mustGet(w, req.id)).status).toBe('expired');
    const message = await messageOf(w, req.id);
    expect(blocksText(message.blocks)).toContain(`Expired at <!date^${Math.floor(Date.parse(expiresAt) / 1000)}^{date_short_pretty} {time}|${expiresAt.slice(0, 16).replace('T', ' ')} UTC> without a decision`);
    expect(actionIds(message.blocks)).toEqual([]);
    expect(w.h.aws.executions()).toEqual([]);
    expect(twins()).toEqual([]);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.approve.refused')).toEqual([
      expect.objectContaining({ actor: BOB, detail: expect.stringContaining('expired') }),
    ]);
  });

  it('an approver rejects: the request is closed, the buttons are replaced, and it cannot be approved afterwards', async () => {
    const req = await requestRemediation(w, ALICE);
    await decideVia(w, 'reject', req, BOB);
    await w.h.settle();

    const r = await mustGet(w, req.id);
    expect(r).toMatchObject({ status: 'rejected', decidedBy: BOB });
    const message = await messageOf(w, req.id);
    expect(blocksText(message.blocks)).toContain(`Rejected by <@${BOB}>`);
    expect(actionIds(message.blocks)).toEqual([]);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.rejected')).toEqual([expect.objectContaining({ actor: BOB })]);

    await decideVia(w, 'approve', req, CAROL);
    await w.h.settle();
    expect(lastEphemeral(w, CAROL)).toMatch(/This request was already decided by .*U0BOB.* \(rejected\)\./);
    expect((await mustGet(w, req.id)).status).toBe('rejected');
    expect(w.h.aws.executions()).toEqual([]);
    expect(twins()).toEqual([]);
  });

  it('the requester may withdraw their own request', async () => {
    const req = await requestRemediation(w, ALICE);
    await decideVia(w, 'reject', req, ALICE);
    expect((await mustGet(w, req.id)).status).toBe('rejected');
    expect(await messageTextOf(w, req.id)).toContain(`Rejected by <@${ALICE}>`);
  });
});

describe('when the workflow cannot be started', () => {
  it('the approval is undone, the approver is told, and approving again works', async () => {
    const req = await requestRemediation(w, ALICE);
    w.h.aws.failNext('states:StartExecution', { code: 'StateMachineDoesNotExist', message: 'State Machine Does Not Exist' });
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();

    expect(lastEphemeral(w, BOB)).toContain('The workflow could not be started (StateMachineDoesNotExist); nothing changed. Try approving again.');
    await expectStillPending(req);

    const r = await approveAndSettle(w, req, BOB);
    expect(r.status).toBe('completed');
    expect(twins()).toHaveLength(1);
  });
});

describe('forged or damaged button values', () => {
  const uuid = '3f2b8c1e-9d4a-4e6b-8f1c-2a7d5e9b0c43';
  it.each([
    ['approve', 'not json'],
    ['approve', ''],
    ['approve', '{"id":"not-a-uuid"}'],
    ['approve', '{"id":42}'],
    ['approve', `{"id":"${uuid}","as":"U0BOB"}`],
    ['reject', '[]'],
    ['revert', '{"id":"../../etc"}'],
    ['retire', '{}'],
    ['remediate', '{"a":"11111111111","r":"eu-west-1","t":"tfm-1"}'],
    ['remediate', '{"a":"111111111111","r":"eu-west","t":"tfm-1"}'],
    ['remediate', '{"a":"111111111111","r":"eu-west-1"}'],
    ['remediate', `{"a":"111111111111","r":"eu-west-1","t":"${'x'.repeat(256)}"}`],
  ] as const)('%s with %j: "not valid", and nothing changes', async (action, value) => {
    const req = await requestRemediation(w, ALICE);
    const invocations = w.h.aws.invocations().length;
    const events = (await trail(w)).length;
    const messages = channel(w).length;

    const res = await w.h.click(ACTIONS[action], value, { user: BOB, messageTs: req.ts });
    await w.h.settle();

    expect(res.statusCode).toBe(200);
    expect(lastEphemeral(w, BOB)).toContain('That button is not valid.');
    await expectStillPending(req);
    expect((await mustGet(w, req.id)).version).toBe(1);
    expect(w.h.aws.invocations()).toHaveLength(invocations);
    expect(await trail(w)).toHaveLength(events);
    expect(channel(w)).toHaveLength(messages);
  });

  it('a well-formed id that names no request is refused without side effects', async () => {
    await w.h.click(ACTIONS.approve, idValue(uuid), { user: BOB });
    expect(lastEphemeral(w, BOB)).toContain('This request no longer exists.');
    expect(w.h.aws.executions()).toEqual([]);
  });
});

describe('exactly once', () => {
  it('ten simultaneous Approve clicks start one workflow, create one twin, and refuse the other nine', async () => {
    const req = await requestRemediation(w, ALICE);
    // The workflow waits until every click has been answered, so the end state does not depend on timing.
    const gate = gateStateMachine(w);
    const responses = await Promise.all(Array.from({ length: 10 }, () => decideVia(w, 'approve', req, BOB)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    gate.release();
    await w.h.settle();

    expect(gate.started).toEqual([req.id]);
    expect(w.h.aws.executions()).toHaveLength(1);
    expect(w.h.aws.callCounts()['states:StartExecution']).toBe(1);
    expect(w.h.aws.callCounts()['glue:CreateMLTransform']).toBe(1);
    expect(twins()).toHaveLength(1);
    expect((await mustGet(w, req.id)).status).toBe('completed');

    const refusals = w.h.slack.ephemerals({ user: BOB }).map((e) => blocksText(e.blocks));
    expect(refusals).toHaveLength(9);
    for (const text of refusals) {
      expect(text).toContain('You cannot approve this request.');
      expect(text).toMatch(/already decided|Someone else decided this request a moment ago/);
    }
    const events = ofRemediation(await trail(w), req.id);
    expect(events.filter((e) => e.type === 'remediate.approved')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'remediate.approve.refused')).toHaveLength(9);
    expect(await messageTextOf(w, req.id)).toContain('*completed*');
  });

  it('Remediate pressed twice gives one request; the second press points to it and creates nothing', async () => {
    await Promise.all([w.h.click(ACTIONS.remediate, remediateValue(), { user: ALICE }), w.h.click(ACTIONS.remediate, remediateValue(), { user: ALICE })]);
    await w.h.settle();
    const requests = pendingRequests(w);
    expect(requests).toHaveLength(1);
    expect(ephemeralTexts(w, ALICE).join('\n')).toContain('There is already a remediate request for orders-match waiting for approval.');

    const done = await approveAndSettle(w, requests[0]!, BOB);
    expect(done.status).toBe('completed');
    expect(twins()).toHaveLength(1);
    expect(w.h.aws.callCounts()['glue:CreateMLTransform']).toBe(1);
  });

  it('once a request is decided, the same button may open a new one', async () => {
    const first = await requestRemediation(w, ALICE);
    await decideVia(w, 'reject', first, BOB);
    expect((await mustGet(w, first.id)).status).toBe('rejected');
    const second = await requestRemediation(w, ALICE);
    expect(second.id).not.toBe(first.id);
    expect((await mustGet(w, second.id)).status).toBe('pending_approval');
  });

  it('Revert and Retire requested together: only one of them may run at a time', async () => {
    const { req } = await remediateOrders(w);
    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    const retire = await requestFollowUp(w, 'retire', req, ALICE);
    const gate = gateStateMachine(w);
    await decideVia(w, 'approve', revert, CAROL);
    await decideVia(w, 'approve', retire, BOB);
    expect(lastEphemeral(w, BOB)).toContain(`Another workflow (${revert.id}) is already changing this transform`);
    gate.release();
    await w.h.settle();
    expect((await mustGet(w, revert.id)).status).toBe('completed');
    expect((await mustGet(w, retire.id)).status).toBe('pending_approval');
    expect(original(w)?.definition.Name).toBe(ORDERS);
  });
});

describe('the transform lock after an approval that lost a race', () => {
  // Carol's click reads the request while it waits for approval, then her approver-group
  // lookup is slow; meanwhile the request is decided another way. Her approval then loses the
  // conditional write, but decide() has already taken the transform lock for the request and
  // never gives it back: every later workflow on the transform is refused "wait for it to
  // finish", forever. Drives decide() directly (as the Slack handler does) to hold the lookup.
  async function carolApprovesSlowly(req: Request, meanwhile: () => Promise<void>) {
    const services = remediationServices(w.h.config, requestMessages(webClient(w.h.config, w.h.slack.token)));
    let lookedUp!: () => void;
    const lookupStarted = new Promise<void>((r) => (lookedUp = r));
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const deps: DecideDeps = {
      ...services,
      config: w.h.config.remediation,
      now: () => new Date(),
      isInApproverGroup: async (user) => {
        lookedUp();
        await answered;
        return user === CAROL;
      },
    };
    // What carol's Approve button carries: the fingerprint of the plan she read.
    const digest = planDigest(await mustGet(w, req.id));
    const carol = decide(req.id, 'approve', { userId: CAROL, teamId: w.h.slack.teamId, planDigest: digest }, deps);
    await lookupStarted;
    await meanwhile();
    answer();
    const result = await carol;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe('Someone else decided this request a moment ago.');
  }

  it('after the requester withdrew meanwhile, a new request for the transform can still be approved', async () => {
    const req = await requestRemediation(w, ALICE);
    await carolApprovesSlowly(req, async () => {
      await decideVia(w, 'reject', req, ALICE);
    });
    expect((await mustGet(w, req.id)).status).toBe('rejected');

    const again = await requestRemediation(w, ALICE);
    await decideVia(w, 'approve', again, BOB);
    expect(ephemeralTexts(w, BOB).join('\n')).not.toContain('Another workflow');
    await w.h.settle();
    expect((await mustGet(w, again.id)).status).toBe('completed');
  });

  it('after another approver approved and the workflow finished meanwhile, Revert can still be approved', async () => {
    const req = await requestRemediation(w, ALICE);
    await carolApprovesSlowly(req, async () => {
      await approveAndSettle(w, req, BOB);
    });
    expect((await mustGet(w, req.id)).status).toBe('completed');

    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    await decideVia(w, 'approve', revert, BOB);
    expect(ephemeralTexts(w, BOB).join('\n')).not.toContain('Another workflow');
    await w.h.settle();
    expect((await mustGet(w, revert.id)).status).toBe('completed');
  });
});

describe('an approval is bound to the plan the approver read', () => {
  it('after the requester picks another key, the old Approve button is refused and audited; the new one works', async () => {
    const req = await requestRemediation(w, ALICE);
    const staleApprove = await decisionValue(w, 'approve', req);
    const option = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    await chooseKey(w, req, ALICE, option);
    await w.h.settle();
    const r = await mustGet(w, req.id);
    expect(r.plan.keyLabel).toBe('alias/glue-norotate');

    await w.h.click(ACTIONS.approve, staleApprove, { user: BOB, messageTs: req.ts });
    expect(lastEphemeral(w, BOB)).toContain('The plan changed after this message was shown (now: key alias/glue-norotate)');
    expect((await mustGet(w, req.id)).status).toBe('pending_approval');
    expect(ofRemediation(await trail(w), req.id).map((e) => e.type)).toContain('remediate.approve.refused');

    const done = await approveAndSettle(w, req, BOB);
    expect(done.status).toBe('completed');
    expect(done.plan.keyLabel).toBe('alias/glue-norotate');
  });
});

describe('locks that would otherwise hold a transform forever', () => {
  it('an approved request whose workflow never started does not block the next one', async () => {
    const first = await requestRemediation(w, ALICE);
    // Approved and saved as running, then the function died before StartExecution: no execution.
    const r = await mustGet(w, first.id);
    await w.store.save({ ...r, status: 'running', step: 'preflight', decidedBy: BOB, decidedAt: new Date().toISOString() }, r.version);
    expect(await w.store.lockTransform(r.accountId, r.region, r.source.name, r.id)).toBeUndefined();

    await decideVia(w, 'reject', first, ALICE); // refused: already decided; nothing changes
    const second = await requestRemediation(w, CAROL);
    const done = await approveAndSettle(w, second, BOB);
    expect(done.status).toBe('completed');
    const stale = await mustGet(w, first.id);
    expect(stale.status).toBe('rolled_back');
    expect(stale.failure).toContain('its workflow never started; nothing was changed');
    expect(ofRemediation(await trail(w), first.id).map((e) => e.type)).toContain('remediate.never_started');
  });

  it('an approved request that has done a step keeps its lock, whatever its execution', async () => {
    const first = await requestRemediation(w, ALICE);
    const r = await mustGet(w, first.id);
    await w.store.save(
      { ...r, status: 'running', step: 'export_labels', history: [{ step: 'preflight', at: new Date().toISOString(), outcome: 'succeeded' }] },
      r.version,
    );
    expect(await w.store.lockTransform(r.accountId, r.region, r.source.name, r.id)).toBeUndefined();
    const second = await requestRemediation(w, CAROL);
    await decideVia(w, 'approve', second, BOB);
    expect(lastEphemeral(w, BOB)).toContain(`Another workflow (${first.id}) is already changing this transform`);
  });

  it('a re-key of the twin and a revert of its remediation cannot run at once (one lock per transform name)', async () => {
    const { req, r: done } = await remediateOrders(w);
    const retire = await requestFollowUp(w, 'retire', req, ALICE);
    expect((await approveAndSettle(w, retire, BOB)).status).toBe('completed');
    // The original is gone, so the twin may be re-keyed; and the remediation may be reverted.
    const gate = gateStateMachine(w);
    await w.h.click(ACTIONS.remediate, JSON.stringify({ a: done.accountId, r: done.region, t: done.progress.twinId }), { user: ALICE });
    await w.h.settle();
    const rekey = pendingRequests(w).at(-1)!;
    // Re-keying means another key: the same one would change nothing (and cannot be approved).
    const other = (await keyMenu(w, rekey)).find((o) => o.text === 'alias/glue-norotate')!;
    await chooseKey(w, rekey, ALICE, other);
    await w.h.settle();
    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    await decideVia(w, 'approve', rekey, BOB);
    await decideVia(w, 'approve', revert, CAROL);
    try {
      expect(lastEphemeral(w, CAROL)).toContain(`Another workflow (${rekey.id}) is already changing this transform`);
    } finally {
      gate.release();
    }
    await w.h.settle();
    expect((await mustGet(w, rekey.id)).status).toBe('completed');
    expect((await mustGet(w, revert.id)).status).toBe('pending_approval');
  });
});
