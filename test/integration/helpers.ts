// Shared fixtures for the remediation integration tests: a fresh sandbox per test, the real
// Lambda handlers behind signed Slack requests, and small readers for what people would see
// (the channel, their ephemeral messages, the audit trail) and what AWS would hold.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { vi } from 'vitest';
import { handleWorkerEvent } from '../../src/handlers/worker.js';
import type { KnownBlock } from '@slack/types';
import { AuditLog, type AuditEvent } from '../../src/audit/auditLog.js';
import { handleAdvance } from '../../src/handlers/advance.js';
import { TAG_REMEDIATION } from '../../src/remediation/snapshot.js';
import { RemediationStore } from '../../src/remediation/store.js';
import type { AdvanceResult, Remediation } from '../../src/remediation/types.js';
import type { StoredTransform } from '../../src/sandbox/aws/model.js';
import type { RegionStore } from '../../src/sandbox/aws/state.js';
import { DEMO_ACCOUNT_ID, DEMO_REGION, DEMO_TRANSFORM_IDS } from '../../src/sandbox/fixtures.js';
import { SANDBOX_CHANNEL, SANDBOX_STATE_MACHINE, startHarness, type Harness, type HarnessOptions } from '../../src/sandbox/harness.js';
import { signedInteraction } from '../../src/sandbox/slackRequest.js';
import type { ChannelMessage } from '../../src/sandbox/slack.js';
import { planDigest } from '../../src/remediation/lifecycle.js';
import { ACTIONS, requestIdOfDecisionBlock } from '../../src/slack/views/remediation.js';
import { withoutZeroWidthSpaces } from '../../src/slack/views/blocks.js';

export const ACCOUNT = DEMO_ACCOUNT_ID;
export const REGION = DEMO_REGION;
export const ORDERS = 'orders-match';
export const ORDERS_ID = DEMO_TRANSFORM_IDS[ORDERS];
export const ORDERS_TAGS = { team: 'sales', 'data-classification': 'internal' };
/** The bucket the harness's pattern (GLUE_ENCRYPT_LABEL_BUCKET) names for the demo account in eu-west-1. */
export const LABEL_BUCKET = 'glue-encrypt-labels-111111111111-eu-west-1';

export const ALICE = 'U0ALICE';
/** Listed in GLUE_ENCRYPT_APPROVERS. */
export const BOB = 'U0BOB';
/** Member of the approver group S0SECLEADS. */
export const CAROL = 'U0CAROL';
/** Neither. */
export const DAVE = 'U0DAVE';

export interface World {
  h: Harness;
  store: RemediationStore;
  audit: AuditLog;
  close(): Promise<void>;
}

/** Starts the whole sandbox (demo estate) with instant task runs unless told otherwise. */
export async function startWorld(options: HarnessOptions = {}): Promise<World> {
  const h = await startHarness({ ...options, aws: { taskRunMs: 0, ...options.aws } });
  // Built after startHarness: it has pointed AWS_ENDPOINT_URL_DYNAMODB at the embedded dynalite.
  const dynamo = new DynamoDBClient({});
  return {
    h,
    store: new RemediationStore(dynamo, h.config.tables.state!),
    audit: new AuditLog(dynamo, h.config.tables.audit!),
    close: async () => {
      dynamo.destroy();
      await h.close();
    },
  };
}

// ---- Glue as the sandbox holds it ---------------------------------------------------------

export function glue(w: World): RegionStore {
  return w.h.aws.state.region(ACCOUNT, REGION);
}

export function original(w: World): StoredTransform | undefined {
  return glue(w).transforms.get(ORDERS_ID);
}

export function named(w: World, name: string): StoredTransform | undefined {
  return glue(w).transformByName(name);
}

/**
 * What a label export left in the sandbox's S3 under `exportPath`: Glue writes files into the
 * folder, so the labels are those of every file in key order, written by the run of the first.
 */
export function exported(w: World, exportPath: string): { labels: string[]; writtenBy?: { transformId: string; taskRunId: string } } | undefined {
  const files = w.h.aws.state.s3List(exportPath);
  if (files.length === 0) return undefined;
  return { labels: files.flatMap((f) => f.labels), writtenBy: files[0]!.writtenBy };
}

/** Transforms carrying the bot's remediation tag for this remediation id. */
export function taggedWith(w: World, remediationId: string): StoredTransform[] {
  return [...glue(w).transforms.values()].filter((t) => t.tags[TAG_REMEDIATION] === remediationId);
}

export function transformCount(w: World): number {
  return glue(w).transforms.size;
}

// ---- Slack as people see it ---------------------------------------------------------------

function textOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textOf);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.text === 'string') return [withoutZeroWidthSpaces(o.text)];
    return Object.values(o).flatMap(textOf);
  }
  return [];
}

/** Every text a person reads in the blocks (sections, context, button labels), one per line. */
export function blocksText(blocks: KnownBlock[]): string {
  return textOf(blocks).join('\n');
}

/** action_ids of the buttons (and selects) a message offers. */
export function actionIds(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ('action_id' in e ? String(e.action_id) : '')) : []));
}

export function channel(w: World): ChannelMessage[] {
  return w.h.slack.channelView(SANDBOX_CHANNEL);
}

/** The remediation's own message, as the channel shows it now. */
export async function messageOf(w: World, remediationId: string): Promise<ChannelMessage> {
  const r = await mustGet(w, remediationId);
  const m = channel(w).find((x) => x.ts === r.slack.ts);
  if (!m) throw new Error(`No channel message for remediation ${remediationId}`);
  return m;
}

export async function messageTextOf(w: World, remediationId: string): Promise<string> {
  return blocksText((await messageOf(w, remediationId)).blocks);
}

export function ephemeralTexts(w: World, user: string): string[] {
  return w.h.slack.ephemerals({ user }).map((e) => `${withoutZeroWidthSpaces(e.text ?? '')}\n${blocksText(e.blocks)}`);
}

export function lastEphemeral(w: World, user: string): string {
  const all = ephemeralTexts(w, user);
  const last = all.at(-1);
  if (last === undefined) throw new Error(`${user} has no ephemeral message`);
  return last;
}

// ---- the flow, through the real Lambda handler --------------------------------------------

export interface Request {
  id: string;
  ts: string;
}

/** Approval requests (actions block `decide:<id>`) the channel shows now. */
export function pendingRequests(w: World): Request[] {
  return channel(w).flatMap((m) =>
    m.blocks.flatMap((b) => {
      const id = b.type === 'actions' ? requestIdOfDecisionBlock(b.block_id) : undefined;
      return id ? [{ id, ts: m.ts }] : [];
    }),
  );
}

export const remediateValue = (transformId = ORDERS_ID) => JSON.stringify({ a: ACCOUNT, r: REGION, t: transformId });
export const idValue = (id: string) => JSON.stringify({ id });

/** Presses a button that hands work to the worker (Remediate / Revert / Retire) and waits for the approval request. */
async function requestVia(w: World, action: 'remediate' | 'revert' | 'retire', value: string, user: string, messageTs?: string): Promise<Request> {
  const before = new Set(pendingRequests(w).map((r) => r.id));
  const res = await w.h.click(ACTIONS[action], value, { user, messageTs });
  if (res.statusCode !== 200) throw new Error(`${action} click answered HTTP ${res.statusCode}`);
  await w.h.settle();
  const fresh = pendingRequests(w).filter((r) => !before.has(r.id));
  if (fresh.length !== 1) throw new Error(`expected one new approval request after ${action}, found ${fresh.length}`);
  return fresh[0]!;
}

export function requestRemediation(w: World, user = ALICE, transformId = ORDERS_ID): Promise<Request> {
  return requestVia(w, 'remediate', remediateValue(transformId), user);
}

export async function requestFollowUp(w: World, kind: 'revert' | 'retire', parent: Request, user = ALICE): Promise<Request> {
  return requestVia(w, kind, idValue(parent.id), user, parent.ts);
}

/**
 * The value the decision button carries, as a person clicking it would send it: read from the
 * message when the button is still there, else what that (now replaced) button carried.
 */
export async function decisionValue(w: World, decision: 'approve' | 'reject', req: Request): Promise<string> {
  const message = channel(w).find((m) => m.ts === req.ts);
  for (const block of message?.blocks ?? []) {
    if (block.type !== 'actions') continue;
    for (const e of block.elements) if ('action_id' in e && e.action_id === ACTIONS[decision] && 'value' in e && e.value) return e.value;
  }
  const r = await w.store.get(req.id);
  return decision === 'approve' && r ? JSON.stringify({ id: req.id, p: planDigest(r) }) : idValue(req.id);
}

export async function decideVia(w: World, decision: 'approve' | 'reject', req: Request, user: string) {
  const res = await w.h.click(ACTIONS[decision], await decisionValue(w, decision, req), { user, messageTs: req.ts });
  if (res.statusCode !== 200) throw new Error(`${decision} click answered HTTP ${res.statusCode}`);
  return res;
}

/** The request's "Choose another key" menu, as the channel shows it: each option's text and value. */
export async function keyMenu(w: World, req: Request): Promise<{ text: string; value: string }[]> {
  const message = await messageOf(w, req.id);
  for (const block of message.blocks) {
    if (block.type !== 'actions') continue;
    for (const e of block.elements) {
      if (e.type === 'static_select' && e.action_id === ACTIONS.chooseKey) {
        return (e.options ?? []).map((o) => ({ text: o.text.text, value: o.value ?? '' }));
      }
    }
  }
  return [];
}

/** Picks an option of the key menu, as Slack sends it: a signed block_actions with the selected option. */
export async function chooseKey(w: World, req: Request, user: string, option: { text: string; value: string }, teamId = w.h.slack.teamId) {
  const res = await w.h.slackHandler(
    signedInteraction(
      {
        type: 'block_actions',
        team: { id: teamId, domain: 'sandbox' },
        user: { id: user, team_id: teamId },
        api_app_id: 'A0GLUEENC',
        channel: { id: SANDBOX_CHANNEL, name: 'security' },
        container: { type: 'message', channel_id: SANDBOX_CHANNEL, message_ts: req.ts },
        message: { ts: req.ts, type: 'message' },
        trigger_id: `${Date.now()}.1.sandbox`,
        response_url: w.h.slack.mintResponseUrl({ channel: SANDBOX_CHANNEL, user, messageTs: req.ts }),
        actions: [
          {
            type: 'static_select',
            action_id: ACTIONS.chooseKey,
            block_id: `decide:${req.id}`,
            selected_option: { text: { type: 'plain_text', text: option.text }, value: option.value },
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      },
      { signingSecret: w.h.signingSecret },
    ),
  );
  if (res.statusCode !== 200) throw new Error(`choose_key answered HTTP ${res.statusCode}`);
  return res;
}

/** Approves and waits for the workflow (Step Functions execution) to end. */
export async function approveAndSettle(w: World, req: Request, user = BOB): Promise<Remediation> {
  await decideVia(w, 'approve', req, user);
  await w.h.settle();
  return mustGet(w, req.id);
}

/** Remediate orders-match end to end: alice asks, bob approves. */
export async function remediateOrders(w: World): Promise<{ req: Request; r: Remediation }> {
  const req = await requestRemediation(w);
  const r = await approveAndSettle(w, req);
  if (r.status !== 'completed') throw new Error(`remediation ended ${r.status}: ${r.failure ?? ''}`);
  return { req, r };
}

export async function mustGet(w: World, id: string): Promise<Remediation> {
  const r = await w.store.get(id);
  if (!r) throw new Error(`no remediation ${id}`);
  return r;
}

export async function trail(w: World, name = ORDERS): Promise<AuditEvent[]> {
  return w.audit.forTransform(ACCOUNT, REGION, name, 1000);
}

/**
 * Today's audit events (UTC day, `byTime` index), whatever they are about: refusals that name no
 * transform are kept apart from any transform's trail.
 */
export async function eventsOfToday(w: World): Promise<AuditEvent[]> {
  return w.audit.allOfDay(new Date().toISOString().slice(0, 10));
}

/** Today's `outcome: refused` events of this type. */
export async function refusalsOfType(w: World, type: string): Promise<AuditEvent[]> {
  return (await eventsOfToday(w)).filter((e) => e.type === type && e.outcome === 'refused');
}

export function ofRemediation(events: AuditEvent[], remediationId: string): AuditEvent[] {
  return events.filter((e) => e.remediationId === remediationId);
}

// ---- the state machine --------------------------------------------------------------------

/** The harness's state machine loop: the real advance Lambda handler until done. */
async function runToEnd(
  w: World,
  remediationId: string,
  afterEach: (res: AdvanceResult) => void | Promise<void>,
  wait: (seconds: number) => void | Promise<void>,
): Promise<AdvanceResult> {
  for (let i = 0; i < 1000; i++) {
    const res = await handleAdvance({ remediationId }, w.h.config);
    await afterEach(res);
    if (res.done) return res;
    await wait(res.waitSeconds);
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`Remediation ${remediationId} did not finish`);
}

const idOf = (input: string) => (JSON.parse(input) as { remediationId: string }).remediationId;

/**
 * Replaces the harness's state machine with the same loop, calling `afterEach` with every
 * result; `wait` plays the Wait state (default: no real wait).
 */
export function driveWith(
  w: World,
  afterEach: (res: AdvanceResult) => void | Promise<void>,
  wait: (seconds: number) => void | Promise<void> = () => undefined,
): void {
  w.h.aws.registerStateMachine(SANDBOX_STATE_MACHINE, (_arn, input) => runToEnd(w, idOf(input), afterEach, wait));
}

/** Executions start but wait for `release()` before their first step (settle() waits for them too). */
export function gateStateMachine(w: World): { started: string[]; release(): void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const started: string[] = [];
  w.h.aws.registerStateMachine(SANDBOX_STATE_MACHINE, async (_arn, input) => {
    started.push(idOf(input));
    await gate;
    return runToEnd(w, idOf(input), () => undefined, () => undefined);
  });
  return { started, release: () => open() };
}

/** A state machine that records executions but runs nothing (the test drives `advance` itself). */
export function parkStateMachine(w: World): string[] {
  const started: string[] = [];
  w.h.aws.registerStateMachine(SANDBOX_STATE_MACHINE, async (_arn, input) => {
    started.push(idOf(input));
  });
  return started;
}

export function yyyymmdd(iso: string): string {
  return iso.slice(0, 10).replace(/-/g, '');
}

/** A button clicked on the Home tab, as Slack sends it: a view container, no channel and no response_url. */
export function clickOnHome(w: World, user: string, action: { actionId: string; value: string; blockId: string }) {
  return w.h.slackHandler(
    signedInteraction(
      {
        type: 'block_actions',
        team: { id: w.h.slack.teamId, domain: 'sandbox' },
        user: { id: user, team_id: w.h.slack.teamId },
        api_app_id: 'A0GLUEENC',
        container: { type: 'view', view_id: 'V0HOME' },
        view: { id: 'V0HOME', type: 'home' },
        trigger_id: w.h.slack.mintTriggerId(),
        actions: [{ type: 'button', action_id: action.actionId, block_id: action.blockId, value: action.value, action_ts: `${Date.now() / 1000}` }],
      },
      { signingSecret: w.h.signingSecret },
    ),
  );
}

/** Runs the worker's sweep as its schedule does (`{"kind":"sweep"}`), with the clock at `at`. */
export async function sweepAt(w: World, at: Date) {
  vi.useFakeTimers({ toFake: ['Date'], now: at });
  try {
    return await handleWorkerEvent({ kind: 'sweep' }, w.h.config);
  } finally {
    vi.useRealTimers();
  }
}
