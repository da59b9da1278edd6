// Every step of the remediate workflow made to fail, through the real handlers: the transform
// must end as it was (name, encryption, labels, tags), no encrypted twin may be left behind,
// the label export stays, and people are told what failed and why (Slack and audit trail).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TAG_REMEDIATION } from '../../src/remediation/snapshot.js';
import type { AdvanceResult, StepName } from '../../src/remediation/types.js';
import { DEMO_KEY_IDS } from '../../src/sandbox/fixtures.js';
import { ACTIONS } from '../../src/slack/views/remediation.js';
import {
  ALICE,
  CAROL,
  ORDERS,
  ORDERS_ID,
  ORDERS_TAGS,
  actionIds,
  approveAndSettle,
  driveWith,
  glue,
  messageOf,
  blocksText,
  named,
  ofRemediation,
  original,
  remediateOrders,
  requestFollowUp,
  requestRemediation,
  startWorld,
  taggedWith,
  trail,
  transformCount,
  type World,
  exported,
} from './helpers.js';

interface FailureCase {
  /** The step whose failure the audit trail records. */
  step: StepName;
  how: string;
  /** Makes the step fail; runs after the plan is posted and before bob approves. */
  arrange(w: World): void;
  /** What people are told. */
  reason: RegExp;
  /** Whether the labels had been exported when the step failed. */
  exported: boolean;
  /** Whether anything had changed in Glue, so that rollback steps had to run. */
  rollsBack: boolean;
}

/** A label task run on the original that will still be running when the workflow starts. */
function startLongTaskRun(w: World): void {
  w.h.aws.state.addTaskRun(ORDERS_ID, { taskType: 'EXPORT_LABELS', status: 'RUNNING' });
}

/** The twin loses a label after its import succeeded: verification must catch it. */
function loseALabelBeforeVerify(w: World): void {
  let done = false;
  driveWith(w, (res: AdvanceResult) => {
    if (!done && res.status === 'running' && res.step === 'verify') {
      done = true;
      const twin = named(w, ORDERS)!;
      twin.labels = twin.labels.slice(1);
    }
  });
}

const CASES: FailureCase[] = [
  {
    step: 'preflight',
    how: 'a task run is in progress on the transform',
    arrange: startLongTaskRun,
    reason: /Transform orders-match has a task run in progress; try again when it has finished\./,
    exported: false,
    rollsBack: false,
  },
  {
    step: 'preflight',
    how: 'the key was disabled after the plan was approved',
    arrange: (w) => {
      glue(w).keys.get(DEMO_KEY_IDS.glueMl)!.keyState = 'Disabled';
    },
    reason: /Key alias\/glue-ml is Disabled, not Enabled\./,
    exported: false,
    rollsBack: false,
  },
  {
    step: 'preflight',
    how: "the transform's settings changed after the plan (the twin would silently undo them)",
    arrange: (w) => {
      const o = original(w)!;
      o.definition.Role = 'arn:aws:iam::111111111111:role/GlueMLRoleV2';
      o.definition.MaxRetries = 3;
    },
    reason: /Transform orders-match changed since the plan \(role, maxRetries\); request the remediation again/,
    exported: false,
    rollsBack: false,
  },
  {
    step: 'wait_export',
    how: 'the label export task run fails',
    arrange: (w) => w.h.aws.state.failNextTaskRun({ taskType: 'EXPORT_LABELS', errorString: 'Access denied writing to the label bucket' }),
    reason: /Label export ended FAILED: Access denied writing to the label bucket \(task run tsk[0-9a-f]+\)\./,
    exported: false,
    rollsBack: false,
  },
  {
    step: 'ensure_security_configuration',
    how: 'the security configuration cannot be created',
    arrange: (w) => w.h.aws.failNext('glue:CreateSecurityConfiguration', { code: 'ResourceNumberLimitExceededException', message: 'Security configuration limit reached' }),
    reason: /step ensure_security_configuration failed in 111111111111 · eu-west-1: ResourceNumberLimitExceededException: Security configuration limit reached/,
    exported: true,
    rollsBack: false,
  },
  {
    step: 'rename_original',
    how: 'the rename of the original is refused',
    arrange: (w) => w.h.aws.failNext('glue:UpdateMLTransform', { code: 'ConcurrentModificationException', message: 'Transform is being modified' }),
    reason: /step rename_original failed in 111111111111 · eu-west-1: ConcurrentModificationException: Transform is being modified/,
    exported: true,
    rollsBack: true,
  },
  {
    step: 'create_twin',
    how: 'CreateMLTransform is refused',
    arrange: (w) => w.h.aws.failNext('glue:CreateMLTransform', { code: 'ResourceNumberLimitExceededException', message: 'ML transform limit reached' }),
    reason: /step create_twin failed in 111111111111 · eu-west-1: ResourceNumberLimitExceededException: ML transform limit reached/,
    exported: true,
    rollsBack: true,
  },
  {
    step: 'tag_original',
    how: 'tagging the original is refused',
    arrange: (w) => w.h.aws.failNext('glue:TagResource', { code: 'InvalidInputException', message: 'A resource can have at most 50 tags' }),
    reason: /step tag_original failed in 111111111111 · eu-west-1: InvalidInputException: A resource can have at most 50 tags/,
    exported: true,
    rollsBack: true,
  },
  {
    step: 'wait_import',
    how: 'the label import task run fails',
    arrange: (w) => w.h.aws.state.failNextTaskRun({ taskType: 'IMPORT_LABELS', errorString: 'Unable to decrypt the labels file' }),
    reason: /Label import ended FAILED: Unable to decrypt the labels file \(task run tsk[0-9a-f]+\)\./,
    exported: true,
    rollsBack: true,
  },
  {
    step: 'verify',
    how: 'the twin holds fewer labels than the original',
    arrange: loseALabelBeforeVerify,
    reason: /The new transform has 311 labels, the original 312\./,
    exported: true,
    rollsBack: true,
  },
];

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  vi.useRealTimers();
  await w.close();
});

/** Everything people would check after a failed remediation of orders-match. */
async function expectRolledBack(w: World, id: string, c: Pick<FailureCase, 'step' | 'reason' | 'exported' | 'rollsBack'>, labels: string[], count: number) {
  const r = (await w.store.get(id))!;
  expect(r.status).toBe('rolled_back');
  expect(r.failure).toMatch(c.reason);

  // The original is as it was: its name, no encryption, its labels, its tags.
  const t = original(w)!;
  expect(t.definition.Name).toBe(ORDERS);
  expect(t.definition.TransformEncryption).toBeUndefined();
  expect(t.labels).toEqual(labels);
  expect(t.tags).toEqual(ORDERS_TAGS);
  // No twin left: the name is the original's, nothing carries this remediation's tag.
  expect(named(w, ORDERS)?.definition.TransformId).toBe(ORDERS_ID);
  expect(taggedWith(w, id)).toEqual([]);
  expect(transformCount(w)).toBe(count);
  // The export, once made, is kept.
  const saved = exported(w, r.plan.exportPath);
  if (c.exported) expect(saved?.labels).toEqual(labels);
  else expect(saved).toBeUndefined();

  // Slack: the request message says it failed, that it was rolled back, and why; no follow-up buttons.
  const message = await messageOf(w, id);
  const text = blocksText(message.blocks);
  expect(text).toContain('*failed and rolled back*');
  expect(text).toContain('Nothing was lost: the transform is as it was.');
  expect(text).toMatch(c.reason);
  expect(actionIds(message.blocks)).toEqual([]);

  // Audit: the failed step and why, then how it ended.
  const events = ofRemediation(await trail(w), id);
  const failed = events.filter((e) => e.type === 'step.failed');
  expect(failed).toEqual([expect.objectContaining({ step: c.step, outcome: 'failed', actor: 'system' })]);
  expect(failed[0]!.detail).toMatch(c.reason);
  const types = events.map((e) => e.type);
  if (c.rollsBack) {
    expect(types).toEqual(expect.arrayContaining(['remediate.rolling_back', 'remediate.rolled_back']));
    const undone = events.filter((e) => e.type === 'step.succeeded' && e.step?.startsWith('rollback_')).map((e) => e.step);
    expect(undone.sort()).toEqual(['rollback_delete_twin', 'rollback_restore_name', 'rollback_untag_original']);
  } else {
    expect(types).toContain('remediate.stopped');
    expect(types).not.toContain('remediate.rolling_back');
  }
  return r;
}

describe('a failing step rolls the remediation back', () => {
  it.each(CASES)('$step: $how', async (c) => {
    const labels = [...original(w)!.labels];
    const count = transformCount(w);
    const req = await requestRemediation(w);
    c.arrange(w);
    const r = await approveAndSettle(w, req);
    await expectRolledBack(w, req.id, c, labels, count);
    // The step that failed is where the workflow stopped going forward.
    expect(r.history.find((h) => h.outcome === 'failed')?.step).toBe(c.step);
  });

  it('a failed remediation can be requested and approved again, and then succeeds', async () => {
    const first = await requestRemediation(w);
    w.h.aws.failNext('glue:CreateMLTransform', { code: 'ResourceNumberLimitExceededException', message: 'ML transform limit reached' });
    expect((await approveAndSettle(w, first)).status).toBe('rolled_back');
    const second = await requestRemediation(w);
    const r = await approveAndSettle(w, second);
    expect(r.status).toBe('completed');
    expect(named(w, ORDERS)?.definition.TransformEncryption?.MlUserDataEncryption?.MlUserDataEncryptionMode).toBe('SSE-KMS');
  });

  it('when the rollback itself keeps failing, the message asks a person to look and says what is left', async () => {
    const req = await requestRemediation(w);
    w.h.aws.state.failNextTaskRun({ taskType: 'IMPORT_LABELS', errorString: 'Unable to decrypt the labels file' });
    w.h.aws.failNext('glue:DeleteMLTransform', { code: 'AccessDeniedException', message: 'not allowed' }, 5);
    const r = await approveAndSettle(w, req);

    expect(r.status).toBe('failed');
    const text = blocksText((await messageOf(w, req.id)).blocks);
    expect(text).toContain('*Needs a person:*');
    expect(text).toContain('Label import ended FAILED: Unable to decrypt the labels file');
    expect(text).toContain('Rollback could not finish at rollback_delete_twin');
    expect(text).toContain(`The labels are exported at ${r.plan.exportPath}`);
    // The twin is still there (that is what the person must clean up) and the export is safe.
    expect(taggedWith(w, req.id).map((t) => t.definition.TransformId)).toContain(r.progress.twinId);
    expect(exported(w, r.plan.exportPath)?.labels).toHaveLength(312);
    const types = ofRemediation(await trail(w), req.id).map((e) => e.type);
    expect(types.filter((t) => t === 'step.failed')).toHaveLength(6);
    expect(types).toContain('remediate.failed');
  });
});

describe('a step refused for lack of permission', () => {
  it('rolls back and tells people the AWS error', async () => {
    const req = await requestRemediation(w);
    w.h.aws.failNext('glue:CreateMLTransform', { code: 'AccessDeniedException', message: 'User is not authorized to perform: iam:PassRole' });
    const r = await approveAndSettle(w, req);
    expect(r.status).toBe('rolled_back');
    expect(await messageOf(w, req.id).then((m) => blocksText(m.blocks))).toContain('AccessDeniedException');
    expect(named(w, ORDERS)?.definition.TransformId).toBe(ORDERS_ID);
  });

  // BUG (src/remediation/workflow.ts passes "step create_twin" to describeAwsError, whose
  // access-denied text is written for scans): people are told the bot "may not call step
  // create_twin" and to "deploy the read-only role", which cannot help: the write permissions
  // are missing. Remove `.fails` once fixed.
  it('the reason does not send people to the read-only role, and keeps what AWS said', async () => {
    const req = await requestRemediation(w);
    w.h.aws.failNext('glue:CreateMLTransform', { code: 'AccessDeniedException', message: 'User is not authorized to perform: iam:PassRole' });
    const r = await approveAndSettle(w, req);
    expect(r.failure).not.toContain('read-only role');
    expect(r.failure).toContain('iam:PassRole');
  });
});

describe('a task run that does not finish in time', () => {
  // The workflow measures the wait with its own clock (Date): the Wait state of the state
  // machine is played by moving that clock on by the seconds advance asked to wait.
  it.each([
    { step: 'wait_export' as const, what: 'Label export', exported: false, rollsBack: false },
    { step: 'wait_import' as const, what: 'Label import', exported: true, rollsBack: true },
  ])('$step: the run is still going after GLUE_ENCRYPT_TASK_RUN_TIMEOUT_MINUTES → rolled back', async (c) => {
    await w.close();
    w = await startWorld({ env: { GLUE_ENCRYPT_TASK_RUN_TIMEOUT_MINUTES: '1', GLUE_ENCRYPT_POLL_SECONDS: '30' } });
    const labels = [...original(w)!.labels];
    const count = transformCount(w);
    const req = await requestRemediation(w);
    vi.useFakeTimers({ toFake: ['Date'] });
    const slowRunsFrom = c.step === 'wait_export' ? 'export_labels' : 'import_labels';
    let polls = 0;
    driveWith(
      w,
      (res) => {
        // Task runs started from here on take an hour.
        if (res.step === slowRunsFrom) w.h.aws.state.taskRunMs = 3_600_000;
        if (res.step === c.step && !res.done) polls++;
      },
      (seconds) => {
        vi.setSystemTime(Date.now() + seconds * 1000);
      },
    );
    await approveAndSettle(w, req);

    const reason = new RegExp(`${c.what} did not finish within 1 minute \\(task run tsk[0-9a-f]+ is (STARTING|RUNNING)\\)\\.`);
    await expectRolledBack(w, req.id, { ...c, reason }, labels, count);
    // It polled until the timeout passed (30 s apart), not once and not forever.
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThanOrEqual(5);
  });
});

describe('the buttons of a rolled-back request', () => {
  it('approving it again is refused: it was already decided', async () => {
    const req = await requestRemediation(w);
    w.h.aws.failNext('glue:CreateMLTransform', { code: 'ResourceNumberLimitExceededException', message: 'ML transform limit reached' });
    await approveAndSettle(w, req);
    await w.h.click(ACTIONS.approve, JSON.stringify({ id: req.id }), { user: 'U0CAROL', messageTs: req.ts });
    await w.h.settle();
    expect(w.h.aws.executions()).toHaveLength(1);
    const reply = blocksText(w.h.slack.ephemerals({ user: 'U0CAROL' }).at(-1)!.blocks);
    expect(reply).toContain('You cannot approve this request.');
    expect(reply).toMatch(/This request was already decided by .*U0BOB.* \(rolled back\)\./);
    expect(original(w)?.tags[TAG_REMEDIATION]).toBeUndefined();
    expect(original(w)?.definition.Name).toBe(ORDERS);
  });

  // BUG (src/slack/views/notice.ts renderFailure escapes the reason, so the mention that
  // approval.ts puts in it shows as the literal text "<@U0BOB>" instead of Bob's name).
  // Remove `.fails` once fixed.
  it('the refusal names who decided as a Slack mention, not as escaped text', async () => {
    const req = await requestRemediation(w);
    w.h.aws.failNext('glue:CreateMLTransform', { code: 'ResourceNumberLimitExceededException', message: 'ML transform limit reached' });
    await approveAndSettle(w, req);
    await w.h.click(ACTIONS.approve, JSON.stringify({ id: req.id }), { user: 'U0CAROL', messageTs: req.ts });
    const reply = blocksText(w.h.slack.ephemerals({ user: 'U0CAROL' }).at(-1)!.blocks);
    expect(reply).toContain('already decided by <@U0BOB>');
  });
});

describe('a failing revert puts everything back; nothing is ever without its name', () => {
  /** Fails the next `times` calls of `op` once the revert's workflow stands at `step` (not yet run). */
  function failAt(step: StepName, op: string, code = 'ConcurrentModificationException', times = 1) {
    let armed = false;
    driveWith(w, (res: AdvanceResult) => {
      if (!armed && res.status === 'running' && res.step === step) {
        armed = true;
        w.h.aws.failNext(op, { code, message: `${op} refused for the test` }, times);
      }
    });
  }

  it.each([
    { step: 'rename_twin_aside' as StepName, op: 'glue:UpdateMLTransform' },
    { step: 'restore_original_name' as StepName, op: 'glue:UpdateMLTransform' },
    { step: 'untag_original' as StepName, op: 'glue:UntagResource' },
  ])('$step refused: the encrypted transform keeps (or gets back) the name, the original is aside again', async ({ step, op }) => {
    const { req, r: done } = await remediateOrders(w);
    const twinId = done.progress.twinId!;
    const twinLabels = [...named(w, ORDERS)!.labels];
    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    if (step !== 'rename_twin_aside') failAt(step, op);
    else w.h.aws.failNext(op, { code: 'ConcurrentModificationException', message: 'refused for the test' });
    const r = await approveAndSettle(w, revert, CAROL);

    expect(r.status).toBe('rolled_back');
    expect(r.failure).toContain(`step ${step} failed`);
    const live = named(w, ORDERS)!;
    expect(live.definition.TransformId).toBe(twinId);
    expect(live.labels).toEqual(twinLabels);
    expect(original(w)!.definition.Name).toBe(done.plan.renamedName);
    expect(original(w)!.tags).toMatchObject({ 'glue-encrypt:superseded-by': twinId });
    // The remediation can still be reverted later: its message keeps the Revert button.
    expect(actionIds((await messageOf(w, req.id)).blocks)).toContain(ACTIONS.revert);
  });

  it('removing the encrypted transform (the last step) refused on every attempt: the revert stands and says what is left', async () => {
    const { req, r: done } = await remediateOrders(w);
    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    // Retried like a rollback step (5 attempts) before a person is asked.
    failAt('delete_twin', 'glue:DeleteMLTransform', 'ConcurrentModificationException', 5);
    const r = await approveAndSettle(w, revert, CAROL);
    expect(r.status).toBe('failed');
    expect(r.failure).toContain(`Reverted, but the encrypted transform ${done.progress.twinId} (moved aside) could not be removed`);
    expect(named(w, ORDERS)?.definition.TransformId).toBe(ORDERS_ID);
  });
});
