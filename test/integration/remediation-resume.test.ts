// Crash and resume: the state machine calls `advance` again after a Lambda died part-way
// through a step. Each test approves through Slack, then drives `advance` itself (the
// state machine is parked) with the runtime the advance Lambda builds, and rewrites the
// stored state to what a crash at the worst moment leaves: Glue accepted the call, but the
// id it returned was never saved.
import { CreateMLTransformCommand } from '@aws-sdk/client-glue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountAccess } from '../../src/remediation/accountAccess.js';
import { remediationServices } from '../../src/remediation/runtime.js';
import { TAG_SOURCE } from '../../src/remediation/snapshot.js';
import type { AdvanceResult, Progress, StepName } from '../../src/remediation/types.js';
import { abort, advance, type WorkflowDeps } from '../../src/remediation/workflow.js';
import { requestMessages } from '../../src/slack/requestMessages.js';
import { webClient } from '../../src/slack/webClient.js';
import { BOB, ORDERS, ORDERS_ID, decideVia, glue, mustGet, named, ofRemediation, original, parkStateMachine, requestRemediation, startWorld, trail, transformCount, type World } from './helpers.js';

let w: World;
let deps: WorkflowDeps;
beforeEach(async () => {
  w = await startWorld();
  // What the advance Lambda builds (src/handlers/advance.ts), with the test in the state machine's place.
  const runtime = { ...remediationServices(w.h.config, requestMessages(webClient(w.h.config, w.h.slack.token))), ...accountAccess(w.h.config, 'write') };
  deps = { ...runtime, pollSeconds: 30, taskRunTimeoutSeconds: 3600 };
});
afterEach(async () => {
  await w.close();
});

/** Approves a remediation of orders-match through Slack, without letting the state machine run it. */
async function approvedButParked(): Promise<string> {
  const started = parkStateMachine(w);
  const req = await requestRemediation(w);
  await decideVia(w, 'approve', req, BOB);
  await w.h.settle();
  expect(started).toEqual([req.id]);
  expect((await mustGet(w, req.id)).status).toBe('running');
  return req.id;
}

/** Calls advance until the workflow stands at `step` (not yet run). */
async function advanceTo(id: string, step: StepName): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await mustGet(w, id);
    if (r.step === step) return;
    const res = await advance(id, deps);
    if (res.done) throw new Error(`workflow ended (${res.status}) before reaching ${step}`);
  }
  throw new Error(`never reached ${step}`);
}

async function advanceToEnd(id: string): Promise<AdvanceResult> {
  for (let i = 0; i < 200; i++) {
    const res = await advance(id, deps);
    if (res.done) return res;
  }
  throw new Error('workflow did not finish');
}

/** Puts back the state a crash right after the AWS call (before its id was saved) would leave. */
async function crashBeforeSaving(id: string, step: StepName, lost: keyof Progress): Promise<void> {
  const r = await mustGet(w, id);
  expect(r.progress[lost]).toBeDefined();
  const { [lost]: _dropped, ...progress } = r.progress;
  await w.store.save({ ...r, step, progress, history: r.history.filter((h) => h.step !== step) }, r.version);
}

const twins = () => [...glue(w).transforms.values()].filter((t) => t.tags[TAG_SOURCE] === ORDERS_ID);

describe('advance resumes after a crash without doing anything twice', () => {
  it.each([
    { step: 'export_labels' as const, lost: 'exportTaskRunId' as const, call: 'glue:StartExportLabelsTaskRun' },
    { step: 'create_twin' as const, lost: 'twinId' as const, call: 'glue:CreateMLTransform' },
    { step: 'import_labels' as const, lost: 'importTaskRunId' as const, call: 'glue:StartImportLabelsTaskRun' },
  ])('$step: Glue accepted $call but $lost was not saved → one call, one result', async ({ step, lost, call }) => {
    const labels = [...original(w)!.labels];
    const count = transformCount(w);
    const id = await approvedButParked();

    await advanceTo(id, step);
    await advance(id, deps);
    const firstRun = (await mustGet(w, id)).progress[lost];
    expect(w.h.aws.callCounts()[call]).toBe(1);
    await crashBeforeSaving(id, step, lost);

    const res = await advanceToEnd(id);
    expect(res.status).toBe('completed');
    const r = await mustGet(w, id);
    // The resumed step adopted what the first attempt started instead of starting another.
    expect(r.progress[lost]).toBe(firstRun);
    expect(w.h.aws.callCounts()[call]).toBe(1);

    // Exactly one encrypted twin, holding the name and every label.
    expect(twins().map((t) => t.definition.TransformId)).toEqual([r.progress.twinId]);
    expect(transformCount(w)).toBe(count + 1);
    expect(named(w, ORDERS)?.definition.TransformId).toBe(r.progress.twinId);
    expect(named(w, ORDERS)?.labels).toEqual(labels);
    // One export task run on the original, one import on the twin.
    expect(original(w)!.taskRuns.filter((t) => t.taskType === 'EXPORT_LABELS')).toHaveLength(1);
    expect(named(w, ORDERS)!.taskRuns.filter((t) => t.taskType === 'IMPORT_LABELS')).toHaveLength(1);
  });

  it('create_twin: a crash before Glue saw the call creates the twin on resume (intent recorded, nothing to adopt)', async () => {
    const id = await approvedButParked();
    await advanceTo(id, 'create_twin');
    // The intent is checkpointed first; the Lambda dies before CreateMLTransform goes out.
    const r = await mustGet(w, id);
    await w.store.save({ ...r, progress: { ...r.progress, twinCreateStartedAt: new Date().toISOString() } }, r.version);

    expect((await advanceToEnd(id)).status).toBe('completed');
    expect(w.h.aws.callCounts()['glue:CreateMLTransform']).toBe(1);
    expect(twins()).toHaveLength(1);
  });

  it('create_twin: Glue created the twin but its answer was lost → the twin that carries this remediation\'s tag is adopted, not created twice', async () => {
    const labels = [...original(w)!.labels];
    const count = transformCount(w);
    const id = await approvedButParked();
    await advanceTo(id, 'create_twin');

    // The create goes through, then the connection drops before the answer arrives.
    const lossy: WorkflowDeps = {
      ...deps,
      clients: async (account, region) => {
        const c = await deps.clients(account, region);
        const glueClient = new Proxy(c.glue, {
          get(target, prop, receiver) {
            if (prop !== 'send') return Reflect.get(target, prop, receiver);
            return async (command: unknown) => {
              const out = await target.send(command as never);
              if (command instanceof CreateMLTransformCommand) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
              return out;
            };
          },
        });
        return { ...c, glue: glueClient };
      },
    };
    const res = await advance(id, lossy);
    expect(res.status).toBe('running');
    expect(twins()).toHaveLength(1);
    expect((await mustGet(w, id)).progress.twinId).toBe(twins()[0]!.definition.TransformId);

    expect((await advanceToEnd(id)).status).toBe('completed');
    expect(twins()).toHaveLength(1);
    expect(transformCount(w)).toBe(count + 1);
    expect(named(w, ORDERS)?.labels).toEqual(labels);
  });

  it('advance on a finished workflow changes nothing (a late duplicate invocation)', async () => {
    const id = await approvedButParked();
    await advanceToEnd(id);
    const before = await mustGet(w, id);
    const calls = { ...w.h.aws.callCounts() };
    const res = await advance(id, deps);
    expect(res).toMatchObject({ done: true, status: 'completed' });
    expect((await mustGet(w, id)).version).toBe(before.version);
    expect(w.h.aws.callCounts()['glue:CreateMLTransform']).toBe(calls['glue:CreateMLTransform']);
    expect(twins()).toHaveLength(1);
  });
});

describe('the state machine gives up on advance (retries exhausted): abort', () => {
  it('after the twin was created, abort rolls the workflow back and says why', async () => {
    const labels = [...original(w)!.labels];
    const id = await approvedButParked();
    await advanceTo(id, 'import_labels');
    expect(twins()).toHaveLength(1);

    const aborted = await abort(id, 'Lambda.Unknown', deps);
    expect(aborted).toMatchObject({ done: false, status: 'rolling_back' });
    const end = await advanceToEnd(id);
    expect(end.status).toBe('rolled_back');

    expect(named(w, ORDERS)?.definition.TransformId).toBe(ORDERS_ID);
    expect(original(w)!.labels).toEqual(labels);
    expect(twins()).toHaveLength(0);
    const r = await mustGet(w, id);
    expect(r.failure).toContain('The workflow stopped at import_labels: Lambda.Unknown.');
    const events = ofRemediation(await trail(w), id);
    expect(events.map((e) => e.type)).toContain('remediate.aborted');
  });

  it('before anything changed, abort ends the request as rolled back at once', async () => {
    const id = await approvedButParked();
    const aborted = await abort(id, 'States.Timeout', deps);
    expect(aborted).toMatchObject({ done: true, status: 'rolled_back' });
    expect(named(w, ORDERS)?.definition.TransformId).toBe(ORDERS_ID);
    expect(twins()).toHaveLength(0);
  });

  it('during a rollback, one abort does not stop it: the rollback goes on and finishes', async () => {
    const id = await approvedButParked();
    await advanceTo(id, 'import_labels');
    await abort(id, 'Lambda.Unknown', deps);
    const again = await abort(id, 'Lambda.Unknown', deps);
    expect(again).toMatchObject({ done: false, status: 'rolling_back' });
    expect((await advanceToEnd(id)).status).toBe('rolled_back');
    expect(named(w, ORDERS)?.definition.TransformId).toBe(ORDERS_ID);
    expect(twins()).toHaveLength(0);
  });

  it('during a rollback, aborts that keep coming stop it and ask a person, naming where the labels are', async () => {
    const id = await approvedButParked();
    await advanceTo(id, 'import_labels');
    await abort(id, 'Lambda.Unknown', deps);
    let last: AdvanceResult | undefined;
    for (let i = 0; i < 5 && !last?.done; i++) last = await abort(id, 'Lambda.Unknown', deps);
    expect(last).toMatchObject({ done: true, status: 'failed' });
    const r = await mustGet(w, id);
    expect(r.failure).toContain(r.plan.exportPath);
    // A later advance (a late duplicate) changes nothing more.
    expect(await advance(id, deps)).toMatchObject({ done: true, status: 'failed' });
  });
});
