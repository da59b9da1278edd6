// Section 2b: how long a click waits for its answer when Slack rate-limits the Web API methods a
// click can use (429 with Retry-After 1, 5 and 30 s), and when the hand-off to the worker fails.
// Slack gives up on an answer after 3 seconds: every case must be answered well within that.
import { DEMO_ACCOUNT_ID, DEMO_REGION, DEMO_TRANSFORM_IDS } from '../src/sandbox/fixtures.js';
import { SANDBOX_CHANNEL, SANDBOX_STATE_MACHINE, SANDBOX_WORKER, startHarness, type Harness } from '../src/sandbox/harness.js';
import { ACTIONS, requestIdOfDecisionBlock } from '../src/slack/views/remediation.js';
import { row, type Row, type Section } from './report.js';

const SLACK_WINDOW_MS = 3000;
const RETRY_AFTER = [1, 5, 30] as const;

/** The decide:<id> request the channel shows last, with the Approve value a person would send. */
function latestRequest(h: Harness): { id: string; ts: string; approve: string } {
  for (const m of [...h.slack.channelView(SANDBOX_CHANNEL)].reverse()) {
    for (const b of m.blocks) {
      const id = b.type === 'actions' ? requestIdOfDecisionBlock(b.block_id) : undefined;
      if (!id || b.type !== 'actions') continue;
      const approve = b.elements.find((e) => 'action_id' in e && e.action_id === ACTIONS.approve);
      if (approve && 'value' in approve && approve.value) return { id, ts: m.ts, approve: approve.value };
    }
  }
  throw new Error('no request waiting for approval');
}

async function request(h: Harness, transform: keyof typeof DEMO_TRANSFORM_IDS) {
  await h.click(ACTIONS.remediate, JSON.stringify({ a: DEMO_ACCOUNT_ID, r: DEMO_REGION, t: DEMO_TRANSFORM_IDS[transform] }), { user: 'U0ALICE' });
  await h.settle();
  return latestRequest(h);
}

async function timed(click: () => Promise<{ statusCode: number }>): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await click();
  return { ms: performance.now() - started, status: res.statusCode };
}

export async function benchClicks(): Promise<Section> {
  const h = await startHarness({ aws: { taskRunMs: 0 } });
  const rows: Row[] = [];
  const data: Record<string, number> = {};
  const record = (figure: string, key: string, r: { ms: number; status: number }) => {
    data[key] = r.ms;
    rows.push(row(figure, `${r.ms.toFixed(0)} ms (HTTP ${r.status})`, `< ${SLACK_WINDOW_MS} ms, HTTP 200`, r.ms < SLACK_WINDOW_MS && r.status === 200));
  };
  try {
    // Approvals start executions that do nothing: the clicks are what is measured.
    h.aws.registerStateMachine(SANDBOX_STATE_MACHINE, async () => undefined);

    // The approver group lookup answers 429: a group member's Approve.
    const pending = await request(h, 'orders-match');
    for (const retryAfter of RETRY_AFTER) {
      h.slack.rateLimitNext('usergroups.users.list', retryAfter);
      const r = await timed(() => h.click(ACTIONS.approve, pending.approve, { user: 'U0CAROL', messageTs: pending.ts }));
      record(`Approve (group member), usergroups.users.list 429 Retry-After ${retryAfter} s`, `usergroups429_${retryAfter}`, r);
    }

    // chat.update answers 429: the message update after a decision (the worker's, not the click's).
    const requests = [await request(h, 'vendor-match'), await request(h, 'leads-match'), await request(h, 'claims-dedupe')];
    h.aws.registerFunction(SANDBOX_WORKER, async () => undefined);
    for (const [i, retryAfter] of RETRY_AFTER.entries()) {
      const req = requests[i]!;
      h.slack.rateLimitNext('chat.update', retryAfter);
      const r = await timed(() => h.click(ACTIONS.reject, JSON.stringify({ id: req.id }), { user: 'U0BOB', messageTs: req.ts }));
      record(`Reject, chat.update 429 Retry-After ${retryAfter} s`, `chatUpdate429_${retryAfter}`, r);
    }

    // The state table is slow (every write 1.5 s): the click's bounded calls give up in time and say so.
    const slow = await request(h, 'orders-match').catch(() => pending);
    h.dynamo.setWriteLatency(1500);
    const slowApprove = await timed(() => h.click(ACTIONS.approve, slow.approve, { user: 'U0BOB', messageTs: slow.ts }));
    h.dynamo.setWriteLatency(0);
    record('Approve, state table writes taking 1.5 s', 'slowTable', slowApprove);

    // The worker cannot be invoked: a Remediate click is told so.
    h.aws.failNext('lambda:Invoke', { code: 'ServiceException', message: 'Lambda is unavailable', status: 500 }, 10);
    const failed = await timed(() =>
      h.click(ACTIONS.remediate, JSON.stringify({ a: DEMO_ACCOUNT_ID, r: DEMO_REGION, t: DEMO_TRANSFORM_IDS['supplier-match'] }), { user: 'U0ALICE' }),
    );
    record('Remediate, worker hand-off failing (Lambda 500 after SDK retries)', 'handOffFailing', failed);
  } finally {
    await h.close();
  }
  return {
    name: '2b. Clicks under Slack rate limits',
    rows,
    notes: [
      "On Lambda the answer leaves only when the listener returns. The Slack function's Web API client fails a rate-limited call at once, so a 429 costs a round trip, not its Retry-After.",
      'After a decision, the message update is handed to the worker, which waits out Retry-After off the click\'s path.',
    ],
    data,
  };
}
