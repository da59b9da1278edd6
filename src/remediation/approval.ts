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
  const listed = config.approvers.includes(click.userId);
  const inGroup = !listed && config.approverGroup ? await isInApproverGroup(click.userId) : false;
  if (!listed && !inGroup) {
    return config.approvers.length === 0 && !config.approverGroup
      ? { ok: false, reason: 'No approvers are configured (GLUE_ENCRYPT_APPROVERS or GLUE_ENCRYPT_APPROVER_GROUP), so nobody can approve.' }
      : { ok: false, reason: 'You are not one of the configured approvers for glue-encrypt.' };
  }
  return { ok: true };
}

export interface DecideDeps {
  store: RemediationStore;
  audit: AuditLog;
  config: RemediationConfig;
  isInApproverGroup(userId: string): Promise<boolean>;
  /** Starts the workflow; must be idempotent per remediation id. */
  startWorkflow(r: Remediation): Promise<void>;
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

  const holder = await deps.store.lockTransform(r.accountId, r.region, r.source.transformId, r.id);
  if (holder) return refuse(`Another workflow (${holder}) is already changing this transform; wait for it to finish.`);
  let approved: Remediation;
  try {
    approved = await deps.store.save({ ...startState(r), decidedBy: click.userId, decidedAt: now.toISOString() }, r.version);
  } catch (err) {
    if (!(err instanceof ConcurrentUpdateError)) throw err;
    // Lost the race: keep the lock only if the winner is running this very request.
    const current = await deps.store.get(id);
    if (!current || (current.status !== 'running' && current.status !== 'rolling_back')) {
      await deps.store.unlockTransform(r.accountId, r.region, r.source.transformId, r.id);
    }
    return refuse('Someone else decided this request a moment ago.', current ?? r);
  }
  await audit(`${r.kind}.approved`, 'succeeded');
  try {
    await deps.startWorkflow(approved);
    await deps.store.releaseRequest(r);
  } catch (err) {
    // Nothing has changed in AWS yet: put the request back so it can be approved again.
    const back = await deps.store.save({ ...approved, status: 'pending_approval', decidedBy: undefined, decidedAt: undefined }, approved.version);
    await deps.store.unlockTransform(r.accountId, r.region, r.source.transformId, r.id);
    return refuse(`The workflow could not be started (${(err as Error).name}); nothing changed. Try approving again.`, back);
  }
  return { ok: true, remediation: approved };
}
