// Accepted risks end to end, through the real Slack handler (signed clicks, the form's
// submission), the worker, and the sandbox's Glue, KMS and DynamoDB: a waiver is asked for,
// refused to its requester, approved by someone else, shown, bound to its reasons, revoked, and
// ended by the sweep with the channel told.
import { KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { KnownBlock } from '@slack/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exitCode, toJson } from '../../src/cli/report.js';
import { evidenceCsv } from '../../src/evidence/csv.js';
import { toOcsf } from '../../src/evidence/ocsf.js';
import { buildEvidence } from '../../src/evidence/report.js';
import { signedInteraction } from '../../src/sandbox/slackRequest.js';
import { parseCsv } from '../csv.js';
import { runScan, scanOptionsFrom } from '../../src/inventory/scan.js';
import { DEMO_TRANSFORM_IDS } from '../../src/sandbox/fixtures.js';
import { SANDBOX_CHANNEL } from '../../src/sandbox/harness.js';
import { WAIVER_ACTIONS, WAIVER_VIEW, parseAcceptRiskValue } from '../../src/slack/views/waivers.js';
import { waiverSource } from '../../src/waivers/source.js';
import { WaiverStore } from '../../src/waivers/store.js';
import type { Waiver } from '../../src/waivers/types.js';
import { ACCOUNT, ALICE, BOB, CAROL, DAVE, ORDERS_ID, REGION, blocksText, channel, clickOnHome, lastEphemeral, startWorld, sweepAt, trail, type World } from './helpers.js';

const INVOICE = 'invoice-dedupe';
const INVOICE_ID = DEMO_TRANSFORM_IDS[INVOICE];
const ORDERS = 'orders-match';

let w: World;
let waivers: WaiverStore;
let dynamo: DynamoDBClient;
beforeEach(async (ctx) => {
  // The Security Hub case needs the export on from the start (the harness reads its configuration once).
  w = await startWorld(ctx.task.name.includes('Security Hub') ? { env: { GLUE_ENCRYPT_SECURITY_HUB: 'true' } } : {});
  dynamo = new DynamoDBClient({});
  waivers = new WaiverStore(dynamo, w.h.config.tables.state!);
});
afterEach(async () => {
  vi.useRealTimers();
  dynamo.destroy();
  await w.close();
});

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const form = (v: { reason?: string; expiry?: string; ticket?: string }) => ({
  reason: { value: { type: 'plain_text_input', value: v.reason ?? null } },
  expiry: { value: { type: 'datepicker', selected_date: v.expiry ?? null } },
  ticket: { value: { type: 'plain_text_input', value: v.ticket ?? null } },
});
const GOOD = { reason: 'Batch job is retired next quarter; re-creating it now would break the Q4 close.', ticket: 'SEC-1234' };

function buttons(blocks: KnownBlock[]): { action_id?: string; value?: string }[] {
  return blocks.flatMap((b) => [
    ...(b.type === 'actions' ? (b.elements as { action_id?: string; value?: string }[]) : []),
    ...(b.type === 'section' && b.accessory ? [b.accessory as { action_id?: string; value?: string }] : []),
  ]);
}

/** Runs /glue-encrypt check as a person would, and returns the Accept-risk button's value for `name`. */
async function acceptRiskValueFor(name: string): Promise<string> {
  await w.h.command('check');
  await w.h.settle();
  for (const m of channel(w).slice().reverse()) {
    const b = buttons(m.blocks).find((x) => x.action_id === WAIVER_ACTIONS.acceptRisk && parseAcceptRiskValue(x.value)?.n === name);
    if (b?.value) return b.value;
  }
  throw new Error(`No Accept risk button for ${name}`);
}

/** Accept risk clicked, the form filled and submitted: the HTTP answer to the submission. */
async function askForWaiver(name: string, values: Parameters<typeof form>[0], user = ALICE) {
  const value = await acceptRiskValueFor(name);
  const clicked = await w.h.click(WAIVER_ACTIONS.acceptRisk, value, { user });
  expect(clicked.statusCode).toBe(200);
  const modal = w.h.slack.views().at(-1)!;
  expect(modal.view.callback_id).toBe(WAIVER_VIEW);
  const answer = await w.h.submitView(user, form(values), modal.id);
  await w.h.settle();
  return answer;
}

const errorsOf = (answer: { body: string }) => (answer.body ? (JSON.parse(answer.body) as { response_action?: string; errors?: Record<string, string> }) : {});

async function only(): Promise<Waiver> {
  const all = await waivers.all();
  expect(all).toHaveLength(1);
  return all[0]!;
}

function waiverMessage(waiver: Waiver) {
  const m = channel(w).find((x) => x.ts === waiver.messageTs);
  if (!m) throw new Error('the waiver request has no message');
  return m;
}

async function findingOf(name: string, now?: Date) {
  const run = async () => {
    const result = await runScan({ transform: name, regions: [REGION] }, { ...scanOptionsFrom(w.h.config), waivers: waiverSource(w.h.config) });
    expect(result.waiverError).toBeUndefined();
    return result;
  };
  if (!now) return run();
  vi.useFakeTimers({ toFake: ['Date'], now });
  try {
    return await run();
  } finally {
    vi.useRealTimers();
  }
}

async function decide(action: 'approve' | 'reject' | 'revoke', waiver: Waiver, user: string) {
  const answer = await w.h.click(WAIVER_ACTIONS[action], JSON.stringify({ id: waiver.id }), { user, messageTs: waiver.messageTs });
  expect(answer.statusCode).toBe(200);
  await w.h.settle();
  return (await waivers.get(waiver.id))!;
}

describe('accepting a risk', () => {
  it('is asked for from a failing finding, refused to its requester, approved by someone else, and shown as WAIVED everywhere a finding is', async () => {
    const answer = await askForWaiver(ORDERS, { ...GOOD, expiry: day(30) });
    expect(answer.statusCode).toBe(200);
    expect(errorsOf(answer).errors).toBeUndefined(); // the form closes

    const asked = await only();
    expect(asked).toMatchObject({ status: 'pending_approval', transformName: ORDERS, reasonCodes: ['USER_DATA_NOT_ENCRYPTED'], requestedBy: ALICE, ticket: 'SEC-1234', channelId: SANDBOX_CHANNEL });
    expect(asked.expiresAt).toBe(`${day(30)}T23:59:59.999Z`);
    const message = waiverMessage(asked);
    expect(blocksText(message.blocks)).toContain('asks to accept the risk of');
    expect(buttons(message.blocks).map((b) => b.action_id)).toEqual([WAIVER_ACTIONS.approve, WAIVER_ACTIONS.reject]);

    // Four-eyes: the requester cannot approve their own waiver, and nothing changes.
    expect((await decide('approve', asked, ALICE)).status).toBe('pending_approval');
    expect(lastEphemeral(w, ALICE)).toContain('someone else must approve it');
    // Nor can someone who is no approver.
    expect((await decide('approve', asked, DAVE)).status).toBe('pending_approval');
    expect(lastEphemeral(w, DAVE)).toContain('not one of the configured approvers');

    const approved = await decide('approve', asked, CAROL); // a member of the approver group
    expect(approved).toMatchObject({ status: 'active', decidedBy: CAROL });
    expect(buttons(waiverMessage(approved).blocks).map((b) => b.action_id)).toEqual([WAIVER_ACTIONS.revoke]);
    const thread = w.h.slack.calls('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === approved.messageTs);
    expect(JSON.stringify(thread.at(-1)?.args.blocks)).toContain('*approved*');

    // The check in Slack: WAIVED, with who accepted it and until when; it may still be remediated, not waived again.
    await w.h.command('check');
    await w.h.settle();
    const check = channel(w).filter((m) => blocksText(m.blocks).includes('Glue ML transforms')).at(-1)!;
    const section = check.blocks.find((b) => b.type === 'section' && blocksText([b]).includes(`*${ORDERS}*`))!;
    expect(blocksText([section])).toContain('*WAIVED*');
    expect(blocksText([section])).toContain(`Accepted risk until *${day(30)}*`);
    expect(blocksText([section])).toContain('<@U0CAROL>');
    expect(buttons([section]).map((b) => b.action_id)).toEqual(['remediate']);
    expect(buttons(check.blocks).filter((b) => b.action_id === WAIVER_ACTIONS.acceptRisk && parseAcceptRiskValue(b.value)?.n === ORDERS)).toEqual([]);
    expect(blocksText(check.blocks)).toMatch(/\d+ WAIVED/);

    // The CLI's JSON and exit code: waived is not a failure.
    const scan = await findingOf(ORDERS);
    const json = JSON.parse(toJson(scan)) as { transforms: { status: string; waiver: { approvedBy: string; expiresAt: string } | null }[]; summary: Record<string, number> };
    expect(json.transforms[0]).toMatchObject({ status: 'WAIVED', waiver: { approvedBy: CAROL, expiresAt: asked.expiresAt } });
    expect(json.summary.WAIVED).toBe(1);
    expect(exitCode(scan)).toBe(0);

    // The evidence report: the waiver on the transform's row (CSV), its JSON record, and OCSF's Suppressed.
    const evidence = buildEvidence({ scan, audit: await trail(w, ORDERS), generatedAt: new Date(), generatedBy: BOB, since: day(0) });
    expect(evidence.findings[0]?.waiver).toMatchObject({ id: asked.id, approvedBy: CAROL, justification: GOOD.reason, ticket: 'SEC-1234', notCovered: [] });
    const [header, ...rows] = parseCsv(evidenceCsv(evidence));
    const row = Object.fromEntries(header!.map((h, i) => [h, rows.find((r) => r[0] === 'transform')![i]]));
    expect(row).toMatchObject({ status: 'WAIVED', waiver_id: asked.id, waiver_approved_by: CAROL, waiver_expires_at: asked.expiresAt });
    expect(rows.filter((r) => r[0] === 'audit_event' && r[header!.indexOf('waiver_id')] === asked.id).length).toBeGreaterThanOrEqual(3);
    expect(toOcsf(evidence, 'test')[0]).toMatchObject({ status_id: 3, status: 'Suppressed', compliance: { status_id: 3 } });

    // App Home lists the accepted risk, with its end and its approver.
    await w.h.homeOpened(BOB);
    await w.h.settle();
    const home = blocksText((w.h.slack.homeTab(BOB)!.view.blocks ?? []) as KnownBlock[]);
    expect(home).toContain('*Accepted risks (WAIVED)* · 1');
    expect(home).toContain(`${ORDERS} (${ACCOUNT} · ${REGION}) until ${day(30)}, approved by <@U0CAROL>`);

    const types = (await trail(w, ORDERS)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['waiver.requested', 'waiver.approve.refused', 'waiver.approved']));
  });

  it('keeps a transform failing when a reason the waiver did not cover appears', async () => {
    await askForWaiver(INVOICE, { ...GOOD, expiry: day(10) });
    const asked = await only();
    expect(asked.reasonCodes).toEqual(['KMS_KEY_NOT_ENABLED']);
    expect((await decide('approve', asked, BOB)).status).toBe('active');
    const waived = (await findingOf(INVOICE)).findings[0];
    expect(waived?.waiver?.notCovered, JSON.stringify(waived?.reasons)).toEqual([]);
    expect(waived?.status).toBe('WAIVED');

    // Someone schedules the (disabled) key for deletion: a new reason nobody accepted.
    const keyArn = (await findingOf(INVOICE)).findings[0]!.key!.arn;
    const kms = new KMSClient({ region: REGION });
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
    kms.destroy();

    const [f] = (await findingOf(INVOICE)).findings;
    expect(f?.transformId).toBe(INVOICE_ID);
    expect(f?.status).toBe('FAIL');
    expect(f?.waiver?.notCovered).toEqual(['KMS_KEY_PENDING_DELETION']);
  });

  it('ends at its expiry: the sweep says so in the channel and the finding is FAIL again', async () => {
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(3) });
    const approved = await decide('approve', await only(), BOB);
    const afterExpiry = new Date(Date.parse(approved.expiresAt) + 60_000);

    // Before the sweep has even run, a check after the day shows FAIL: the expiry is the date, not the sweep.
    expect((await findingOf(ORDERS, afterExpiry)).findings[0]?.status).toBe('FAIL');

    expect(await sweepAt(w, afterExpiry)).toEqual({ ok: true });
    const ended = (await waivers.get(approved.id))!;
    expect(ended).toMatchObject({ status: 'expired', expiryTold: true });
    const notices = w.h.slack.calls('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === approved.messageTs);
    expect(JSON.stringify(notices.at(-1)?.args.blocks)).toContain('*expired*');
    expect(JSON.stringify(notices.at(-1)?.args.blocks)).toContain('counts as FAIL again');
    expect(buttons(waiverMessage(ended).blocks)).toEqual([]);
    expect((await trail(w, ORDERS)).filter((e) => e.type === 'waiver.expired')).toEqual([expect.objectContaining({ actor: 'system', waiverId: approved.id })]);

    // A second sweep tells nobody twice.
    const told = notices.length;
    await sweepAt(w, new Date(afterExpiry.getTime() + 3_600_000));
    expect(w.h.slack.calls('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === approved.messageTs)).toHaveLength(told);
  });

  it('waits for a decision as long as a remediation request does (GLUE_ENCRYPT_APPROVAL_TTL_HOURS), then the sweep closes it', async () => {
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(30) });
    const asked = await only();
    expect(asked.decideBy).toBe(new Date(Date.parse(asked.requestedAt) + 24 * 3_600_000).toISOString());
    expect(blocksText(waiverMessage(asked).blocks)).toContain('Decide by');
    const late = new Date(Date.parse(asked.decideBy!) + 60_000);

    // The sweep after that closes it and tells its thread; an approval then is refused.
    expect(await sweepAt(w, late)).toEqual({ ok: true });
    const closed = (await waivers.get(asked.id))!;
    expect(closed).toMatchObject({ status: 'expired', expiryTold: true });
    expect(closed.decidedBy).toBeUndefined();
    expect(buttons(waiverMessage(closed).blocks)).toEqual([]);
    const notices = w.h.slack.calls('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === asked.messageTs);
    expect(JSON.stringify(notices.at(-1)?.args.blocks)).toContain('nobody approved it');
    expect((await decide('approve', closed, BOB)).status).toBe('expired');
    expect(lastEphemeral(w, BOB)).toContain('already decided');
    expect((await findingOf(ORDERS)).findings[0]?.status).toBe('FAIL');
  });

  it("refuses an approval after the request's decision time, even before the sweep has run", async () => {
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(30) });
    const asked = await only();
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(Date.parse(asked.decideBy!) + 60_000) });
    try {
      const answer = await w.h.click(WAIVER_ACTIONS.approve, JSON.stringify({ id: asked.id }), { user: BOB, messageTs: asked.messageTs });
      expect(answer.statusCode).toBe(200);
    } finally {
      vi.useRealTimers();
    }
    await w.h.settle();
    expect((await waivers.get(asked.id))?.status).toBe('pending_approval');
    expect(lastEphemeral(w, BOB)).toContain('Nobody decided this waiver request in time');
  });

  it('is revocable by whoever asked or an approver, and by nobody else', async () => {
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(20) });
    const approved = await decide('approve', await only(), BOB);
    expect((await decide('revoke', approved, DAVE)).status).toBe('active');
    expect(lastEphemeral(w, DAVE)).toContain('Only whoever asked for this waiver, or an approver');
    const revoked = await decide('revoke', approved, ALICE);
    expect(revoked).toMatchObject({ status: 'revoked', revokedBy: ALICE });
    expect((await findingOf(ORDERS)).findings[0]?.status).toBe('FAIL');
    expect((await trail(w, ORDERS)).map((e) => e.type)).toEqual(expect.arrayContaining(['waiver.revoke.refused', 'waiver.revoked']));
  });

  it('has one request waiting per transform: a second is refused in the form, and replaces the first once approved', async () => {
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(20) });
    const again = errorsOf(await askForWaiver(ORDERS, { ...GOOD, expiry: day(25) }, DAVE));
    expect(again.errors?.reason).toContain('already waiting for approval (asked by someone else)');
    const first = await decide('approve', await only(), BOB);

    // A later waiver (say, for longer) replaces the one in force once approved.
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(40) }, DAVE);
    const second = (await waivers.all()).find((x) => x.id !== first.id)!;
    await decide('approve', second, CAROL);
    expect((await waivers.get(first.id))).toMatchObject({ status: 'revoked', endNote: `Replaced by waiver ${second.id}.` });
    expect((await findingOf(ORDERS)).findings[0]?.waiver?.id).toBe(second.id);
  });

  it('is listed by /glue-encrypt waivers, with the buttons its status allows', async () => {
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(20) });
    const listed = await w.h.command('waivers');
    const body = JSON.parse(listed.body) as { blocks: KnownBlock[] };
    expect(blocksText(body.blocks)).toContain(ORDERS);
    expect(blocksText(body.blocks)).toContain('waiting for approval');
    expect(buttons(body.blocks).map((b) => b.action_id)).toEqual([WAIVER_ACTIONS.approve, WAIVER_ACTIONS.reject]);

    // An approver sees it waiting on the Home tab, with the same buttons; whoever asked does not.
    await w.h.homeOpened(BOB);
    await w.h.homeOpened(ALICE);
    await w.h.settle();
    const homeOf = (user: string) => (w.h.slack.homeTab(user)!.view.blocks ?? []) as KnownBlock[];
    expect(blocksText(homeOf(BOB))).toContain(`Waiver asked by <@U0ALICE>: *${ORDERS}*`);
    expect(buttons(homeOf(BOB)).map((b) => b.action_id)).toEqual(expect.arrayContaining([WAIVER_ACTIONS.approve, WAIVER_ACTIONS.reject]));
    expect(blocksText(homeOf(ALICE))).not.toContain('Waiver asked by');
  });

  it('is decided from the Home tab (a view: no channel, no response_url), which is then published again', async () => {
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(20) });
    const asked = await only();
    const fromHome = (user: string, actionId: string) => clickOnHome(w, user, { actionId, value: JSON.stringify({ id: asked.id }), blockId: `waiver:${asked.id}:v1` });
    // The requester's own approval is refused there too, without a crash.
    expect(((await fromHome(ALICE, WAIVER_ACTIONS.approve)) as { statusCode: number }).statusCode).toBe(200);
    await w.h.settle();
    expect((await waivers.get(asked.id))?.status).toBe('pending_approval');
    expect(((await fromHome(CAROL, WAIVER_ACTIONS.approve)) as { statusCode: number }).statusCode).toBe(200);
    await w.h.settle();
    expect((await waivers.get(asked.id))?.status).toBe('active');
    expect(blocksText((w.h.slack.homeTab(CAROL)!.view.blocks ?? []) as KnownBlock[])).toContain(`${ORDERS} (${ACCOUNT} · ${REGION}) until ${day(20)}, approved by <@U0CAROL>`);
    expect(buttons(waiverMessage((await waivers.get(asked.id))!).blocks).map((b) => b.action_id)).toEqual([WAIVER_ACTIONS.revoke]);
  });
});

describe('when Slack or the workspace is not as expected', () => {
  it('tells the clicker when Slack does not open the form, and nothing is requested', async () => {
    const value = await acceptRiskValueFor(ORDERS);
    w.h.slack.failNext('views.open', 'expired_trigger_id');
    expect((await w.h.click(WAIVER_ACTIONS.acceptRisk, value, { user: ALICE })).statusCode).toBe(200);
    expect(lastEphemeral(w, ALICE)).toContain('I could not open the Accept-risk form');
    expect(lastEphemeral(w, ALICE)).toContain('expired_trigger_id');
    expect(await waivers.all()).toEqual([]);
  });

  it("refuses a form submitted from another workspace under the form's first field, and stores nothing", async () => {
    await w.h.click(WAIVER_ACTIONS.acceptRisk, await acceptRiskValueFor(ORDERS), { user: ALICE });
    const modal = w.h.slack.views().at(-1)!;
    const answer = await w.h.slackHandler(
      signedInteraction(
        { type: 'view_submission', team: { id: 'T0OTHER', domain: 'other' }, user: { id: ALICE, team_id: 'T0OTHER' }, api_app_id: 'A0GLUEENC', trigger_id: w.h.slack.mintTriggerId(), view: { ...modal.view, id: modal.id, state: { values: form({ ...GOOD, expiry: day(30) }) } } },
        { signingSecret: w.h.signingSecret },
      ),
    );
    expect(errorsOf(answer as { body: string })).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringContaining('another Slack workspace') } });
    expect(await waivers.all()).toEqual([]);
  });
});

describe('a request that cannot be posted', () => {
  it('is withdrawn at once when the worker cannot be reached, and the form says nothing is waiting', async () => {
    await w.h.click(WAIVER_ACTIONS.acceptRisk, await acceptRiskValueFor(ORDERS), { user: ALICE });
    const modal = w.h.slack.views().at(-1)!;
    w.h.aws.failNext('lambda:Invoke', { code: 'ServiceException', message: 'Lambda is unavailable', status: 500 }, 10);
    const { response_action, errors } = errorsOf(await w.h.submitView(ALICE, form({ ...GOOD, expiry: day(30) }), modal.id));
    expect(response_action).toBe('errors');
    expect(errors?.reason).toContain('nothing is waiting');
    const [withdrawn] = await waivers.all();
    expect(withdrawn).toMatchObject({ status: 'rejected', decidedBy: 'system' });
    expect((await findingOf(ORDERS)).findings[0]?.status).toBe('FAIL');
    expect((await trail(w, ORDERS)).map((e) => e.type)).toEqual(expect.arrayContaining(['waiver.requested', 'waiver.withdrawn']));
  });
});

describe('a bad form', () => {
  it.each([
    ['no reason', { expiry: day(30) }, 'reason'],
    ['a reason of only spaces', { reason: '        ', expiry: day(30) }, 'reason'],
    ['an expiry past the maximum', { ...GOOD, expiry: day(91) }, 'expiry'],
    ['an expiry in the past', { ...GOOD, expiry: day(-1) }, 'expiry'],
    ['an expiry of today', { ...GOOD, expiry: day(0) }, 'expiry'],
    ['no expiry', { ...GOOD }, 'expiry'],
    ['a ticket over 100 characters', { ...GOOD, expiry: day(30), ticket: 'X'.repeat(101) }, 'ticket'],
  ] as const)('with %s gets an error under that field and stores nothing', async (_what, values, field) => {
    const answer = await askForWaiver(ORDERS, values);
    expect(answer.statusCode).toBe(200);
    const { response_action, errors } = errorsOf(answer);
    expect(response_action).toBe('errors');
    expect(Object.keys(errors ?? {})).toEqual([field]);
    expect(errors?.[field]).toMatch(/\w{3,}/);
    expect(await waivers.all()).toEqual([]);
    expect((await trail(w, ORDERS)).filter((e) => e.type.startsWith('waiver.'))).toEqual([]);
  });

  it('with a damaged form is refused and stores nothing', async () => {
    await acceptRiskValueFor(ORDERS);
    await w.h.click(WAIVER_ACTIONS.acceptRisk, await acceptRiskValueFor(ORDERS), { user: ALICE });
    const modal = w.h.slack.views().at(-1)!;
    modal.view.private_metadata = JSON.stringify({ a: 'not-an-account' });
    const { response_action, errors } = errorsOf(await w.h.submitView(ALICE, form({ ...GOOD, expiry: day(30) }), modal.id));
    expect(response_action).toBe('errors');
    expect(errors?.reason).toContain('damaged');
    expect(await waivers.all()).toEqual([]);
  });
});

describe('a waiver in the scheduled scan', () => {
  async function scheduledScan() {
    await w.h.digestsDue();
    await w.h.scheduledScan();
  }
  async function ordersInSecurityHub() {
    const hub = new SecurityHubClient({ region: REGION });
    const out = await hub.send(new GetFindingsCommand({ MaxResults: 100 }));
    hub.destroy();
    return out.Findings?.find((f) => f.Id === `glue-encrypt/${ACCOUNT}/${REGION}/${ORDERS_ID}`);
  }
  const digests = () => channel(w).filter((m) => blocksText(m.blocks).includes('glue-encrypt digest'));

  it('is SUPPRESSED in Security Hub while it holds (still FAILED), NEW again once revoked, and the digest says it was waived', async () => {
    w.h.aws.securityHub.enable(ACCOUNT, REGION);
    w.h.aws.securityHub.enable(ACCOUNT, 'us-east-1');
    await w.h.command('subscribe', { user: BOB });
    await scheduledScan();
    expect(await ordersInSecurityHub()).toMatchObject({ Workflow: { Status: 'NEW' }, Compliance: { Status: 'FAILED' } });

    await askForWaiver(ORDERS, { ...GOOD, expiry: day(30) });
    const approved = await decide('approve', await only(), BOB);
    await scheduledScan();
    const suppressed = await ordersInSecurityHub();
    expect(suppressed).toMatchObject({ Workflow: { Status: 'SUPPRESSED' }, Compliance: { Status: 'FAILED' } });
    expect(suppressed?.Note?.Text).toContain(approved.id);
    const digest = blocksText(digests().at(-1)!.blocks);
    expect(digest).toContain('1 newly waived (accepted risk)');
    expect(digest).toMatch(/1 WAIVED/);

    // A replacement waiver (asked for from the old message's button): the note names the new one.
    await askForWaiver(ORDERS, { ...GOOD, expiry: day(45) }, DAVE);
    const replacement = (await waivers.all()).find((x) => x.status === 'pending_approval')!;
    await decide('approve', replacement, CAROL);
    await scheduledScan();
    expect((await ordersInSecurityHub())?.Note?.Text).toContain(replacement.id);

    await decide('revoke', (await waivers.get(replacement.id))!, BOB);
    await scheduledScan();
    expect(await ordersInSecurityHub()).toMatchObject({ Workflow: { Status: 'NEW' }, Compliance: { Status: 'FAILED' } });
    expect(blocksText(digests().at(-1)!.blocks)).toContain(ORDERS); // a new failure again
  });
});
