// Moves a persisted workflow one step. Step Functions (or the local driver) calls `advance`
// in a loop with waits; every call re-reads the state, runs the current step, audits it and
// saves the result, so a crash between two calls resumes where it stopped.
import type { AuditLog } from '../audit/auditLog.js';
import { describeAwsError, errorCode, isAccessDenied } from '../inventory/awsErrors.js';
import type { AccountClients } from '../inventory/awsClients.js';
import { ConcurrentUpdateError, type RemediationStore } from './store.js';
import { TERMINAL_STATUSES, auditSubject, encryptionChange, savedLabelsNote } from './lifecycle.js';
import { rollbackStart, stepFor, type StepContext, type StepOutcome } from './steps.js';
import type { AdvanceResult, Progress, Remediation, StepName } from './types.js';

export interface WorkflowDeps {
  store: RemediationStore;
  audit: AuditLog;
  /** Glue and KMS clients for the remediation's account and region. */
  clients(accountId: string, region: string): Promise<AccountClients>;
  /** Shows the workflow's state to people (updates its Slack message); failures are logged, not fatal. */
  notify(r: Remediation): Promise<void>;
  /** Tells the people involved how the workflow ended (a thread reply); failures are not fatal. */
  announce?(r: Remediation): Promise<void>;
  now?: () => Date;
  /** Seconds between polls of a running Glue task run. */
  pollSeconds: number;
  taskRunTimeoutSeconds: number;
  /** How often a failing rollback step is retried before a person is asked to look. */
  rollbackAttempts?: number;
}



/**
 * Steps that are retried in place when they fail, instead of starting a rollback: those of a
 * rollback itself, and the revert's removal of the encrypted twin (the revert is done by then;
 * only clean-up is left).
 */
function isRetriedStep(r: Remediation, step: StepName): boolean {
  return r.status === 'rolling_back' || (r.kind === 'revert' && step === 'delete_twin');
}

/** Why a step's AWS call failed, pointing at the bot's write permissions when it was refused. */
function stepFailure(err: unknown, step: string, r: Remediation): string {
  const where = `${r.accountId} · ${r.region}`;
  if (!isAccessDenied(err)) return describeAwsError(err, `step ${step}`, where).message;
  const aws = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300);
  return `AWS refused step ${step} in ${where} (${errorCode(err)}: ${aws}). The workflow's role lacks a write permission it needs: see README "IAM permissions" (advance role, or glue-encrypt-remediate in member accounts).`;
}

export async function advance(id: string, deps: WorkflowDeps): Promise<AdvanceResult> {
  const now = deps.now ?? (() => new Date());
  let r = await deps.store.get(id);
  if (!r) throw new Error(`Remediation ${id} does not exist`);
  const result = (x: Remediation, waitSeconds = 0): AdvanceResult => ({
    done: TERMINAL_STATUSES.has(x.status),
    waitSeconds,
    status: x.status,
    step: x.step,
  });
  if (TERMINAL_STATUSES.has(r.status) || r.status === 'pending_approval') return { ...result(r), done: true };

  const clients = await deps.clients(r.accountId, r.region);
  const ctx: StepContext = {
    glue: clients.glue,
    glueOnce: clients.glueOnce,
    kms: clients.kms,
    s3: clients.s3,
    now,
    taskRunTimeoutSeconds: deps.taskRunTimeoutSeconds,
    checkpoint: async (progress: Partial<Progress>) => {
      r = await deps.store.save({ ...r!, progress: { ...r!.progress, ...progress } }, r!.version);
    },
  };

  const step = r.step;
  const run = stepFor(r);
  let outcome: StepOutcome;
  if (!run) {
    outcome = { kind: 'fail', reason: `Internal error: no step ${step} for a ${r.kind} that is ${r.status}.` };
  } else {
    try {
      outcome = await run(r, ctx);
    } catch (err) {
      if (err instanceof ConcurrentUpdateError) throw err;
      outcome = { kind: 'fail', reason: stepFailure(err, step, r) };
    }
  }

  const at = now().toISOString();
  const audit = (type: string, outcomeWord: 'succeeded' | 'failed' | 'info', detail?: string) =>
    deps.audit.append({
      type,
      actor: 'system',
      ...auditSubject(r!),
      step,
      outcome: outcomeWord,
      ...encryptionChange(r!),
      detail,
    });

  let next: Remediation = r;
  let waitSeconds = 0;
  // A step's wait clock ends with the step: whatever comes next (the next step, a retry, the
  // rollback) waits on a clock of its own.
  if (outcome.kind !== 'wait' && r.progress.pollStartedAt) r = { ...r, progress: { ...r.progress, pollStartedAt: undefined } };
  switch (outcome.kind) {
    case 'wait':
      waitSeconds = deps.pollSeconds;
      // Polls are not audited one by one: only the first of each step, to keep the trail readable.
      if (r.history.at(-1)?.step !== step || r.history.at(-1)?.outcome !== 'waiting') {
        next = { ...r, history: [...r.history, { step, at, outcome: 'waiting', detail: outcome.detail }] };
        await audit('step.waiting', 'info', outcome.detail);
      }
      break;
    case 'next':
      next = { ...r, step: outcome.next, history: [...r.history, { step, at, outcome: 'succeeded', detail: outcome.detail }] };
      await audit('step.succeeded', 'succeeded', outcome.detail);
      break;
    case 'complete': {
      const finalStatus = r.status === 'rolling_back' ? 'rolled_back' : 'completed';
      next = {
        ...r,
        status: finalStatus,
        step: 'done',
        history: [...r.history, { step, at, outcome: 'succeeded', detail: outcome.detail }],
      };
      await audit('step.succeeded', 'succeeded', outcome.detail);
      await audit(finalStatus === 'completed' ? `${r.kind}.completed` : `${r.kind}.rolled_back`, finalStatus === 'completed' ? 'succeeded' : 'info', outcome.detail);
      break;
    }
    case 'fail': {
      const history = [...r.history, { step, at, outcome: 'failed' as const, detail: outcome.reason }];
      await audit('step.failed', 'failed', outcome.reason);
      // A rollback step, or the revert's last clean-up, has nothing left to undo: retry a few
      // times (AWS may be briefly unavailable) before asking a person.
      if (isRetriedStep(r, step)) {
        const attempts = r.history.filter((h) => h.step === step && h.outcome === 'failed').length + 1;
        if (attempts < (deps.rollbackAttempts ?? 5)) {
          next = { ...r, history };
          waitSeconds = deps.pollSeconds;
          break;
        }
      }
      if (r.status === 'rolling_back') {
        next = {
          ...r,
          status: 'failed',
          history,
          failure: `${r.failure ?? ''} Rollback could not finish at ${step}: ${outcome.reason}${savedLabelsNote(r)}`.trim(),
        };
        await audit(`${r.kind}.failed`, 'failed', next.failure);
        break;
      }
      const rollback = rollbackStart(r);
      if (rollback) {
        next = { ...r, status: 'rolling_back', step: rollback, failure: outcome.reason, history };
        await audit(`${r.kind}.rolling_back`, 'info', outcome.reason);
      } else {
        // No rollback: either nothing changed yet, or a revert failed only at removing the twin.
        const nothingChanged = !r.progress.twinDeleted && !r.progress.recreatedId;
        next = {
          ...r,
          status: nothingChanged ? 'rolled_back' : 'failed',
          step: 'done' as StepName,
          failure: nothingChanged
            ? outcome.reason
            : `Reverted, but the encrypted transform ${r.progress.twinId} (moved aside) could not be removed: ${outcome.reason} Remove it by hand.${savedLabelsNote(r, 'Its labels are saved at')}`,
          history,
        };
        await audit(nothingChanged ? `${r.kind}.stopped` : `${r.kind}.failed`, 'failed', next.failure);
      }
      break;
    }
  }

  if (next !== r) {
    const previousStatus = r.status;
    r = await deps.store.save(next, r.version);
    if (TERMINAL_STATUSES.has(r.status)) {
      await deps.store.unlockTransform(r.accountId, r.region, r.source.name, r.id);
      if (r.status === 'completed' && r.parentId && r.kind !== 'remediate') await recordFollowUp(r, deps);
    }
    if (outcome.kind !== 'wait' || previousStatus !== r.status || r.history.at(-1)?.outcome === 'waiting') {
      await deps.notify(r).catch(() => undefined);
    }
    // The save above is conditional on the version read, so only one advance ends a workflow.
    if (TERMINAL_STATUSES.has(r.status) && previousStatus !== r.status) await deps.announce?.(r).catch(() => undefined);
  }
  return result(r, waitSeconds);
}

/**
 * The state machine's last resort, when `advance` itself kept failing (its retries exhausted):
 * a running workflow turns to its rollback (or stops safely), a rollback that cannot go on asks
 * a person. Either way the request no longer looks "running" forever, and the reason is saved,
 * audited and shown.
 */
export async function abort(id: string, error: string, deps: WorkflowDeps): Promise<AdvanceResult> {
  const r = await deps.store.get(id);
  if (!r) throw new Error(`Remediation ${id} does not exist`);
  if (r.status !== 'running' && r.status !== 'rolling_back') {
    return { done: true, waitSeconds: 0, status: r.status, step: r.step };
  }
  const reason = `The workflow stopped at ${r.step}: ${error}.`;
  const at = new Date().toISOString();
  const history = [...r.history, { step: r.step, at, outcome: 'failed' as const, detail: reason }];
  if (isRetriedStep(r, r.step)) {
    // A rollback (or the revert's clean-up) keeps going while it has attempts left (each abort
    // counts as one), so one more passing error does not leave the transform half rolled back.
    const attempts = history.filter((h) => h.step === r.step && h.outcome === 'failed').length;
    if (attempts < (deps.rollbackAttempts ?? 5)) {
      const saved = await deps.store.save({ ...r, history }, r.version);
      await deps.audit
        .append({ type: `${r.kind}.rollback_retry`, actor: 'system', ...auditSubject(r), step: r.step, outcome: 'failed', ...encryptionChange(r), detail: reason })
        .catch(() => undefined);
      return { done: false, waitSeconds: deps.pollSeconds, status: saved.status, step: saved.step };
    }
  }
  const rollback = r.status === 'running' ? rollbackStart(r) : undefined;
  const nothingChanged = r.status === 'running' && !rollback && !r.progress.twinDeleted && !r.progress.recreatedId;
  const next: Remediation = rollback
    ? { ...r, status: 'rolling_back', step: rollback, failure: reason, history }
    : {
        ...r,
        status: nothingChanged ? 'rolled_back' : 'failed',
        step: 'done',
        failure: nothingChanged ? reason : `${r.failure ?? ''} ${reason}${savedLabelsNote(r)}`.trim(),
        history,
      };
  const saved = await deps.store.save(next, r.version);
  await deps.audit.append({
    type: `${r.kind}.aborted`,
    actor: 'system',
    ...auditSubject(r),
    step: r.step,
    outcome: 'failed',
    ...encryptionChange(r),
    detail: saved.failure,
  });
  if (TERMINAL_STATUSES.has(saved.status)) await deps.store.unlockTransform(r.accountId, r.region, r.source.name, r.id);
  await deps.notify(saved).catch(() => undefined);
  if (TERMINAL_STATUSES.has(saved.status)) await deps.announce?.(saved).catch(() => undefined);
  return { done: TERMINAL_STATUSES.has(saved.status), waitSeconds: 0, status: saved.status, step: saved.step };
}

/** Tells the parent remediation (and its message) that it was reverted or its original retired. */
async function recordFollowUp(r: Remediation, deps: WorkflowDeps): Promise<void> {
  const kind = r.kind as 'revert' | 'retire';
  for (let attempt = 0; attempt < 3; attempt++) {
    const parent = await deps.store.get(r.parentId!);
    if (!parent || parent.followUps?.some((f) => f.id === r.id)) return;
    try {
      const saved = await deps.store.save({ ...parent, followUps: [...(parent.followUps ?? []), { kind, id: r.id, at: new Date().toISOString() }] }, parent.version);
      await deps.notify(saved).catch(() => undefined);
      return;
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError)) throw err;
    }
  }
}
