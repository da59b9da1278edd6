// Who may decide a request, and the decision itself. A decision is a conditional write on the
// remediation's version: of ten simultaneous clicks exactly one wins, and only the winner
// starts the workflow (whose execution name, the remediation id, Step Functions also refuses
// to start twice).
import type { AuditLog } from '../audit/auditLog.js';
import type { RemediationConfig } from '../config.js';
import { ConcurrentUpdateError, type RemediationStore } from './store.js';
import type { Remediation } from './types.js';
import { auditSubject, planDigest, startState } from './lifecycle.js';

export type Decision = 'approve' | 'reject';

export interface Click {
  userId: string;
  teamId?: string;
  /** The plan fingerprint the Approve button carried (see planDigest). */
  planDigest?: string;
}

export type Authorization = { ok: true } | { ok: false; reason: string };

export async function authorize(
  r: Remediation,
  decision: Decision,
  click: Click,
  config: RemediationConfig,
  isInApproverGroup: (userId: string) => Promise<boolean>,
  now: Date,
): Promise<Authorization> {
  if (r.teamId && click.teamId !== r.teamId) return { ok: false, reason: 'This request belongs to another Slack workspace.' };
  if (r.status !== 'pending_approval') {
    const by = r.decidedBy ? ` by <@${r.decidedBy}>` : '';
    return { ok: false, reason: `This request was already decided${by} (${r.status.replace('_', ' ')}).` };
  }
  if (now.toISOString() > r.expiresAt) return { ok: false, reason: `This request expired at ${r.expiresAt.slice(0, 16).replace('T', ' ')} UTC; request it again.` };
  const isRequester = click.userId === r.requestedBy;
  // The requester may always withdraw their own request.
  if (decision === 'reject' && isRequester) return { ok: true };
  if (decision === 'approve' && isRequester && !config.allowSelfApproval) {
    return { ok: false, reason: 'You requested this change, so someone else must approve it (four-eyes rule).' };
  }
  if (decision === 'approve' && r.plan.problems.length > 0) {
    return { ok: false, reason: `The plan has problems and cannot be approved: ${r.plan.problems.join(' ')}` };
  }
  if (decision === 'approve' && click.planDigest !== planDigest(r)) {
    return { ok: false, reason: `The plan changed after this message was shown (now: key ${r.plan.keyLabel ?? r.plan.keyArn ?? 'none'}); read the updated request and approve it again.` };
  }
  return approverCheck(click.userId, config, isInApproverGroup);
}

/**
 * Whether someone is an approver: listed in GLUE_ENCRYPT_APPROVERS, or a member of the approver
 * group (asked only when not listed); when not, why, in words for them. `nobodyCan` ends the
 * sentence for an installation without approvers ("approve", "decide waivers").
 */
export async function approverCheck(
  userId: string,
  config: Pick<RemediationConfig, 'approvers' | 'approverGroup'>,
  isInApproverGroup: (userId: string) => Promise<boolean>,
  nobodyCan = 'approve',
): Promise<Authorization> {
  if (config.approvers.includes(userId)) return { ok: true };
  if (config.approverGroup && (await isInApproverGroup(userId))) return { ok: true };
  return config.approvers.length === 0 && !config.approverGroup
    ? { ok: false, reason: `No approvers are configured (GLUE_ENCRYPT_APPROVERS or GLUE_ENCRYPT_APPROVER_GROUP), so nobody can ${nobodyCan}.` }
    : { ok: false, reason: 'You are not one of the configured approvers for glue-encrypt.' };
}

export interface DecideDeps {
  store: RemediationStore;
  audit: AuditLog;
  config: RemediationConfig;
  isInApproverGroup(userId: string): Promise<boolean>;
  /** Starts the workflow; must be idempotent per remediation id. */
  startWorkflow(r: Remediation): Promise<void>;
  /** Whether the workflow of this remediation has an execution running now. */
  workflowRunning(r: Remediation): Promise<boolean>;
  now(): Date;
}

export type DecideResult = { ok: true; remediation: Remediation } | { ok: false; reason: string; remediation?: Remediation };

export async function decide(id: string, decision: Decision, click: Click, deps: DecideDeps): Promise<DecideResult> {
  const r = await deps.store.get(id);
  if (!r) {
    const reason = 'This request no longer exists.';
    await deps.audit.append({ type: `${decision}.refused`, actor: click.userId, teamId: click.teamId, outcome: 'refused', remediationId: id, detail: `${reason} (${id})` });
    return { ok: false, reason };
  }
  const now = deps.now();
  const audit = (type: string, outcome: 'refused' | 'info' | 'succeeded', detail?: string) =>
    deps.audit.append({ type, actor: click.userId, teamId: click.teamId, outcome, detail, ...auditSubject(r) });
  const refuse = async (reason: string, current: Remediation = r): Promise<DecideResult> => {
    await audit(`${r.kind}.${decision}.refused`, 'refused', reason);
    return { ok: false, reason, remediation: current };
  };

  const auth = await authorize(r, decision, click, deps.config, deps.isInApproverGroup, now);
  if (!auth.ok) {
    if (r.status === 'pending_approval' && now.toISOString() > r.expiresAt) {
      // Mark it so the message can say so; a concurrent writer may have done it already.
      const expired = await deps.store.save({ ...r, status: 'expired' }, r.version).catch(() => r);
      await deps.store.releaseRequest(r);
      return refuse(auth.reason, expired);
    }
    return refuse(auth.reason);
  }

  if (decision === 'reject') {
    try {
      const saved = await deps.store.save({ ...r, status: 'rejected', decidedBy: click.userId, decidedAt: now.toISOString() }, r.version);
      await deps.store.releaseRequest(r);
      await audit(`${r.kind}.rejected`, 'info');
      return { ok: true, remediation: saved };
    } catch (err) {
      if (err instanceof ConcurrentUpdateError) return refuse('Someone else decided this request a moment ago.');
      throw err;
    }
  }

  let holder = await deps.store.lockTransform(r.accountId, r.region, r.source.name, r.id);
  if (holder && (await releaseIfNeverStarted(holder, deps))) holder = await deps.store.lockTransform(r.accountId, r.region, r.source.name, r.id);
  if (holder) return refuse(`Another workflow (${holder}) is already changing this transform; wait for it to finish.`);
  let approved: Remediation;
  try {
    approved = await deps.store.save({ ...startState(r), decidedBy: click.userId, decidedAt: now.toISOString() }, r.version);
  } catch (err) {
    if (!(err instanceof ConcurrentUpdateError)) throw err;
    // Lost the race: keep the lock only if the winner is running this very request.
    const current = await deps.store.get(id);
    if (!current || (current.status !== 'running' && current.status !== 'rolling_back')) {
      await deps.store.unlockTransform(r.accountId, r.region, r.source.name, r.id);
    }
    return refuse('Someone else decided this request a moment ago.', current ?? r);
  }
  try {
    await deps.startWorkflow(approved);
  } catch (err) {
    // Nothing has changed in AWS yet: put the request back so it can be approved again.
    const back = await deps.store.save({ ...approved, status: 'pending_approval', decidedBy: undefined, decidedAt: undefined }, approved.version);
    await deps.store.unlockTransform(r.accountId, r.region, r.source.name, r.id);
    // AWS errors by name (the approver may retry); our own by what they say (they say what to do).
    const e = err as Error;
    const ours = !e.name || e.name === 'Error';
    return refuse(`The workflow could not be started (${ours ? e.message.split('\n')[0] : e.name}); nothing changed.${ours ? '' : ' Try approving again.'}`, back);
  }
  // Started: the approval is recorded after the fact it records, and its own failure (or the
  // claim's) cannot strand the workflow.
  await audit(`${r.kind}.approved`, 'succeeded').catch(() => undefined);
  await deps.store.releaseRequest(r).catch(() => undefined);
  return { ok: true, remediation: approved };
}

/**
 * A lock held by a request that was approved but whose workflow never started (the approval was
 * saved, then the start failed or the function died) is released, and that request marked as
 * stopped: nothing in AWS was touched, since its workflow has no step behind it. A holder that
 * has done any step keeps its lock, whatever state its execution is in.
 */
async function releaseIfNeverStarted(holderId: string, deps: DecideDeps): Promise<boolean> {
  const holder = await deps.store.get(holderId);
  if (!holder || holder.status !== 'running' || holder.history.length > 0) return false;
  if (await deps.workflowRunning(holder)) return false;
  try {
    await deps.store.save({ ...holder, status: 'rolled_back', step: 'done', failure: 'Approved, but its workflow never started; nothing was changed. Request it again if it is still needed.' }, holder.version);
  } catch (err) {
    if (err instanceof ConcurrentUpdateError) return false;
    throw err;
  }
  await deps.store.unlockTransform(holder.accountId, holder.region, holder.source.name, holder.id);
  await deps.audit
    .append({ type: `${holder.kind}.never_started`, actor: 'system', outcome: 'info', detail: 'Lock released: the approved workflow never started.', ...auditSubject(holder) })
    .catch(() => undefined);
  return true;
}
