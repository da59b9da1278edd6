// Every click is answered in Slack's time, whatever Slack's Web API does: rate limits (429 with
// Retry-After 1, 5, 30) on each method a click uses, a failed hand-off to the worker, and
// malformed payloads. The real Lambda handler, Slack-signed requests, the sandbox.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleWorkerEvent } from '../../src/handlers/worker.js';
import { SANDBOX_WORKER } from '../../src/sandbox/harness.js';
import { signedInteraction } from '../../src/sandbox/slackRequest.js';
import { DEMO_TRANSFORM_IDS } from '../../src/sandbox/fixtures.js';
import { ACTIONS } from '../../src/slack/views/remediation.js';
import { unescapeMrkdwn, withoutZeroWidthSpaces } from '../../src/slack/views/blocks.js';
import { formattedSpans } from '../slack/mrkdwnModel.js';
import {
  ALICE,
  BOB,
  CAROL,
  actionIds,
  chooseKey,
  keyMenu,
  decideVia,
  decisionValue,
  lastEphemeral,
  messageOf,
  mustGet,
  remediateValue,
  requestRemediation,
  startWorld,
  type World,
} from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

describe('Approve while Slack rate-limits the calls a click makes', () => {
  it.each([1, 5, 30])(
    'usergroups.users.list answering 429 (Retry-After %i s): the group member is answered at once, told why, and nothing changes',
    async (retryAfter) => {
      const req = await requestRemediation(w);
      w.h.slack.rateLimitNext('usergroups.users.list', retryAfter);
      const res = await decideVia(w, 'approve', req, CAROL);
      expect(res.statusCode).toBe(200);
      expect(lastEphemeral(w, CAROL)).toContain('The approver group could not be read (Slack said');
      expect((await mustGet(w, req.id)).status).toBe('pending_approval');
      // Once Slack answers again, the same member may approve.
      await decideVia(w, 'approve', req, CAROL);
      await w.h.settle();
      expect((await mustGet(w, req.id)).status).toBe('completed');
    },
  );

  it('a rate-limited group lookup soon after a good one uses the members it read', async () => {
    const first = await requestRemediation(w);
    await decideVia(w, 'approve', first, CAROL); // reads the group: CAROL is a member
    await w.h.settle();
    expect((await mustGet(w, first.id)).status).toBe('completed');
    const second = await requestRemediation(w, ALICE, DEMO_TRANSFORM_IDS['vendor-match']);
    w.h.slack.rateLimitNext('usergroups.users.list', 30);
    await decideVia(w, 'approve', second, CAROL);
    await w.h.settle();
    expect((await mustGet(w, second.id)).status).toBe('completed');
  });

  it('the click itself calls no chat.update: the worker updates the message, waiting out a 429 off the click\'s path', async () => {
    const req = await requestRemediation(w);
    // The worker is parked: whatever Web API call happens now, the click made it.
    const handedOff: unknown[] = [];
    w.h.aws.registerFunction(SANDBOX_WORKER, async (event) => {
      handedOff.push(event);
    });
    const before = w.h.slack.calls('chat.update').length;
    const res = await decideVia(w, 'reject', req, BOB);
    expect(res.statusCode).toBe(200);
    await w.h.settle();
    expect(w.h.slack.calls('chat.update')).toHaveLength(before);
    expect((await mustGet(w, req.id)).status).toBe('rejected');
    expect(handedOff).toEqual([{ kind: 'notify', remediationId: req.id }]);

    // The worker, given that job, updates the message even when Slack first answers 429.
    w.h.slack.rateLimitNext('chat.update', 1);
    await handleWorkerEvent(handedOff[0], w.h.config);
    const updates = w.h.slack.calls('chat.update').slice(before);
    expect(updates.map((c) => c.status)).toEqual([429, 200]);
    expect(actionIds((await messageOf(w, req.id)).blocks)).not.toContain(ACTIONS.approve);
  });
});

describe('a failed hand-off to the worker', () => {
  it('a Remediate click whose worker invoke fails is answered 200 and the clicker is told; nothing is promised', async () => {
    w.h.aws.failNext('lambda:Invoke', { code: 'ServiceException', message: 'Lambda is unavailable', status: 500 }, 10);
    const res = await w.h.click(ACTIONS.remediate, remediateValue(), { user: ALICE });
    expect(res.statusCode).toBe(200);
    const told = lastEphemeral(w, ALICE);
    expect(told).toContain('I could not start the remediation plan.');
    expect(told).not.toContain('Preparing');
  });

  it('an Approve whose message update cannot be handed to the worker still decides, and the workflow updates the message', async () => {
    const req = await requestRemediation(w);
    w.h.aws.failNext('lambda:Invoke', { code: 'ServiceException', message: 'Lambda is unavailable', status: 500 }, 10);
    const res = await w.h.click(ACTIONS.approve, await decisionValue(w, 'approve', req), { user: BOB, messageTs: req.ts });
    expect(res.statusCode).toBe(200);
    await w.h.settle();
    expect((await mustGet(w, req.id)).status).toBe('completed');
    expect(actionIds((await messageOf(w, req.id)).blocks)).not.toContain(ACTIONS.approve);
  });
});

describe('malformed clicks', () => {
  const click = (payload: Record<string, unknown>) =>
    w.h.slackHandler(signedInteraction(payload as never, { signingSecret: w.h.signingSecret }));
  const base = () => ({
    type: 'block_actions',
    team: { id: w.h.slack.teamId, domain: 'sandbox' },
    api_app_id: 'A0GLUEENC',
    trigger_id: `${Date.now()}.1.sandbox`,
    response_url: w.h.slack.mintResponseUrl({ channel: 'C0SECURITY', user: ALICE }),
    actions: [{ type: 'button', action_id: ACTIONS.remediate, block_id: 'b', value: remediateValue(), action_ts: `${Date.now() / 1000}` }],
  });

  it('a click without a user is refused with HTTP 400 and reaches no listener', async () => {
    const res = await click({ ...base(), channel: { id: 'C0SECURITY', name: 'security' } });
    expect(res.statusCode).toBe(400);
    await w.h.settle();
    expect(w.h.aws.invocations()).toHaveLength(0);
  });

  it('a click without a channel is answered 200 with a clear message, and no plan is promised or made', async () => {
    const res = await click({ ...base(), user: { id: ALICE, team_id: w.h.slack.teamId } });
    expect(res.statusCode).toBe(200);
    await w.h.settle();
    expect(lastEphemeral(w, ALICE)).toContain('This button works only in a channel.');
    expect(w.h.aws.invocations()).toHaveLength(0);
  });
});

describe('confirmation dialogs name what the click will do', () => {
  type Confirmed = { action_id?: string; confirm?: { title: { text: string }; text: { type: string; text: string }; confirm: { text: string } } };
  const buttonsOf = async (id: string): Promise<Confirmed[]> =>
    (await messageOf(w, id)).blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as Confirmed[]) : []));

  it('Approve says what is re-created with which key and that the ID changes; Reject that nothing changes in AWS', async () => {
    const req = await requestRemediation(w);
    const buttons = await buttonsOf(req.id);
    const approve = buttons.find((b) => b.action_id === ACTIONS.approve)!.confirm!;
    expect(approve.title.text).toBe('Approve: encrypt orders-match?');
    expect(approve.text.type).toBe('plain_text');
    expect(approve.text.text).toContain('re-creates orders-match encrypted with alias/glue-ml');
    expect(approve.text.text).toContain('Its transform ID changes.');
    expect(approve.confirm.text).toBe('Approve');
    const reject = buttons.find((b) => b.action_id === ACTIONS.reject)!.confirm!;
    expect(reject.text.text).toContain('Nothing changes in AWS');
  });

  it('Revert and Retire original ask first, and say that nothing changes until an approver approves', async () => {
    const req = await requestRemediation(w);
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();
    const buttons = await buttonsOf(req.id);
    expect(buttons.find((b) => b.action_id === ACTIONS.revert)!.confirm!.text.text).toContain('Nothing changes until then.');
    const retire = buttons.find((b) => b.action_id === ACTIONS.retire)!.confirm!;
    expect(retire.text.text).toContain('is deleted for good');
    expect(retire.confirm.text).toBe('Ask to retire');
  });

  it('a hostile transform name stays plain text in the dialog, within Slack limits', async () => {
    const id = w.h.aws.state.addTransform(
      { accountId: '111111111111', region: 'eu-west-1' },
      { ...structuredClone({ ...w.h.aws.state.region('111111111111', 'eu-west-1').transforms.get(DEMO_TRANSFORM_IDS['orders-match'])!.definition }), TransformId: undefined, Name: `<!channel> *b* _i_ :fire: ${'x'.repeat(200)}`, labelCount: 3 },
    ).definition.TransformId;
    const req = await requestRemediation(w, ALICE, id);
    for (const b of await buttonsOf(req.id)) {
      if (!b.confirm) continue;
      expect(b.confirm.text.type).toBe('plain_text');
      expect(b.confirm.title.text.length).toBeLessThanOrEqual(100);
      expect(b.confirm.text.text.length).toBeLessThanOrEqual(300);
    }
  });
});

describe("times in each reader's own time zone", () => {
  it('the request message gives its expiry as a Slack date token with the UTC minute as fallback', async () => {
    const req = await requestRemediation(w);
    const r = await mustGet(w, req.id);
    const text = JSON.stringify((await messageOf(w, req.id)).blocks);
    const epoch = Math.floor(Date.parse(r.expiresAt) / 1000);
    expect(text).toContain(`<!date^${epoch}^{date_short_pretty} {time}|${r.expiresAt.slice(0, 16).replace('T', ' ')} UTC>`);
  });
});

describe('a click while the state table is slow', () => {
  it('is answered with a message for the clicker, not held past Slack\'s window; pressing again later works', async () => {
    const req = await requestRemediation(w);
    w.h.dynamo.setWriteLatency(1500); // longer than a click's bounded DynamoDB call
    const res = await decideVia(w, 'approve', req, BOB);
    expect(res.statusCode).toBe(200);
    expect(lastEphemeral(w, BOB)).toContain('I could not complete your approve.');
    expect(lastEphemeral(w, BOB)).toContain('AWS did not answer in time');
    w.h.dynamo.setWriteLatency(0);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // the late write lands (it may, in DynamoDB too)
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();
    expect((await mustGet(w, req.id)).status).toBe('completed');
  });
});

describe('a transform name cannot steer what people read', () => {
  const HOSTILE = '<!channel> & <https://evil.example|click> <@U0EVIL> *b* _i_ ~s~ :fire:';

  /**
   * Every text Slack would parse for mentions and links: the fallback and every mrkdwn text in
   * the blocks. plain_text objects are shown literally (and must not turn codes into emoji).
   */
  function texts(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(texts);
    if (!value || typeof value !== 'object') return [];
    const o = value as Record<string, unknown>;
    if (o.type === 'plain_text') {
      if (typeof o.text === 'string' && o.text.includes(':fire:')) expect(o.emoji).toBe(false);
      return [];
    }
    // No auto-linking of bare URLs, #channels or @here: Slack parses only the markup the bot wrote.
    if (o.type === 'mrkdwn') expect(o.verbatim, String(o.text)).toBe(true);
    return Object.entries(o).flatMap(([k, v]) => (k === 'text' && typeof v === 'string' ? [v] : texts(v)));
  }

  it('renders as literal text in the findings, the request, its progress, its outcome, the status, the history and every fallback', async () => {
    const { TransformId: _id, Name: _name, ...definition } = structuredClone(w.h.aws.state.region('111111111111', 'eu-west-1').transforms.get(DEMO_TRANSFORM_IDS['orders-match'])!.definition);
    const id = w.h.aws.state.addTransform({ accountId: '111111111111', region: 'eu-west-1' }, { ...definition, Name: HOSTILE, labelCount: 4 }).definition.TransformId;
    await w.h.command('check');
    await w.h.settle();
    const req = await requestRemediation(w, ALICE, id);
    await w.h.command('status');
    await w.h.settle();
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();
    expect((await mustGet(w, req.id)).status).toBe('completed');
    await w.h.command(`history ${id}`);
    await w.h.settle();

    const posted = w.h.slack.calls().filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'response_url'].includes(c.method));
    const all = posted.flatMap((c) => texts(c.args));
    // The name was shown, as written, in the request, its outcome notice and the history.
    expect(all.filter((t) => withoutZeroWidthSpaces(unescapeMrkdwn(t)).includes(HOSTILE)).length).toBeGreaterThanOrEqual(6);
    for (const t of all) {
      expect(t).not.toContain('<!channel>');
      expect(t).not.toContain('<https://evil.example');
      expect(t).not.toContain('<@U0EVIL>');
      const steered = formattedSpans(t).filter(
        (span) =>
          (span.kind === 'control' && !/^(@U0(ALICE|BOB)|!subteam\^S0SECLEADS|!date\^|https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/)/.test(span.content)) ||
          (span.kind === 'emoji' && span.content === 'fire') ||
          (['bold', 'italic', 'strike'].includes(span.kind) && ['b', 'i', 's'].includes(span.content)),
      );
      expect(steered, t).toEqual([]);
    }
  });
});

describe('each update of a message has fresh block ids', () => {
  it("the request's actions block changes its block_id when a key change updates the message", async () => {
    const req = await requestRemediation(w);
    const idOf = async () => (await messageOf(w, req.id)).blocks.find((b) => b.type === 'actions')?.block_id;
    const before = await idOf();
    const option = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    await chooseKey(w, req, ALICE, option);
    await w.h.settle();
    const after = await idOf();
    expect(before).toMatch(new RegExp(`^decide:${req.id}:v\\d+$`));
    expect(after).toMatch(new RegExp(`^decide:${req.id}:v\\d+$`));
    expect(after).not.toBe(before);
  });
});

describe('outcome notices in the request thread', () => {
  const threadReplies = (ts: string) =>
    w.h.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts === ts && c.ok).map((c) => JSON.stringify(c.args.blocks));

  it('a completed remediation replies in its thread, mentioning the requester and the approver', async () => {
    const req = await requestRemediation(w);
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();
    const replies = threadReplies(req.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('<@U0ALICE> <@U0BOB>');
    expect(replies[0]).toContain('is *completed*');
  });

  it('the notice waits out a 429 from Slack rather than being lost (a progress edit would give up)', async () => {
    const req = await requestRemediation(w);
    const before = w.h.slack.calls('chat.postMessage').length;
    w.h.slack.rateLimitNext('chat.postMessage', 1);
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();
    expect(w.h.slack.calls('chat.postMessage').slice(before).map((c) => c.status)).toEqual([429, 200]);
    expect(threadReplies(req.ts)).toHaveLength(1);
  });

  it('a rolled-back remediation says so in its thread, with the reason', async () => {
    w.h.aws.state.failNextTaskRun({ taskType: 'IMPORT_LABELS', errorString: 'Unable to decrypt the labels file' });
    const req = await requestRemediation(w);
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();
    expect((await mustGet(w, req.id)).status).toBe('rolled_back');
    const replies = threadReplies(req.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('*failed and was rolled back*');
    expect(replies[0]).toContain('Unable to decrypt the labels file');
  });
});
