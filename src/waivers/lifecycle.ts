// Asking for, deciding, revoking and ending waivers. Four-eyes always: whoever asked can never
// approve (GLUE_ENCRYPT_ALLOW_SELF_APPROVAL is for remediations, which change nothing the
// approver cannot undo; an accepted risk is a judgement, which is the second person's job).
// Every step, refusals included, is audited.
import { randomUUID } from 'node:crypto';
import type { AuditEventInput, AuditLog } from '../audit/auditLog.js';
import type { ReasonCode } from '../checks/types.js';
import type { RemediationConfig } from '../config.js';
import { approverCheck } from '../remediation/approval.js';
import { inForce } from '../checks/waivers.js';
import type { WaiverForm } from './form.js';
import { WaiverConflictError, type WaiverStore } from './store.js';
import type { Waiver } from './types.js';
import { endDay } from '../checks/waivers.js';

export interface WaiverDeps {
  store: WaiverStore;
  audit: AuditLog;
  now(): Date;
}

/** A request waits for a decision this long, like a remediation request (GLUE_ENCRYPT_APPROVAL_TTL_HOURS). */
export interface RequestOptions {
  decideWithinHours: number;
}

/** Until when a waiting request may be decided: its own decision time, or its end day for one stored without one. */
export const decisionDeadline = (w: Pick<Waiver, 'decideBy' | 'expiresAt'>): string => (w.decideBy && w.decideBy < w.expiresAt ? w.decideBy : w.expiresAt);

/**
 * Where a waiver stands at `now`, whatever the sweep has recorded yet: in force (approved, before
 * its end), waiting (for a decision, before its deadline), or over.
 */
export function standing(w: Waiver, now: Date): 'in_force' | 'waiting' | 'over' {
  if (w.status === 'active' && inForce(w, now)) return 'in_force';
  if (w.status === 'pending_approval' && decisionDeadline(w) > now.toISOString()) return 'waiting';
  return 'over';
}

export interface DecisionDeps extends WaiverDeps {
  approval: Pick<RemediationConfig, 'approvers' | 'approverGroup'>;
  isInApproverGroup(userId: string): Promise<boolean>;
}

export interface WaiverSubject {
  accountId: string;
  region: string;
  transformId: string;
  transformName: string;
  reasonCodes: ReasonCode[];
}

export interface Asker {
  userId: string;
  teamId?: string;
  channelId: string;
}

export type WaiverOutcome = { ok: true; waiver: Waiver } | { ok: false; reason: string; waiver?: Waiver };

/** What a waiver covers, as the audit trail says it. */
export function describeWaiver(w: Pick<Waiver, 'reasonCodes' | 'expiresAt' | 'justification' | 'ticket'>): string {
  return `Accepts ${w.reasonCodes.join(', ')} until ${endDay(w)} (end of day, UTC): "${w.justification}"${w.ticket ? ` (ticket ${w.ticket})` : ''}.`;
}

function subjectOf(w: Waiver): Partial<AuditEventInput> {
  return { accountId: w.accountId, region: w.region, transformId: w.transformId, transformName: w.transformName, waiverId: w.id, channel: w.channelId };
}

export async function requestWaiver(subject: WaiverSubject, form: WaiverForm, asker: Asker, options: RequestOptions, deps: WaiverDeps): Promise<WaiverOutcome> {
  const now = deps.now();
  const waiting = (await deps.store.all()).find(
    (w) => w.status === 'pending_approval' && w.accountId === subject.accountId && w.region === subject.region && w.transformId === subject.transformId && decisionDeadline(w) > now.toISOString(),
  );
  if (waiting) {
    const reason = `A waiver request for ${subject.transformName} is already waiting for approval (asked by <@${waiting.requestedBy}>); decide or withdraw that one first.`;
    await deps.audit.append({ type: 'waiver.request.refused', actor: asker.userId, teamId: asker.teamId, outcome: 'refused', detail: reason, ...subject, channel: asker.channelId, waiverId: waiting.id });
    return { ok: false, reason, waiver: waiting };
  }
  const waiver: Waiver = {
    id: randomUUID(),
    version: 1,
    status: 'pending_approval',
    ...subject,
    ...form,
    requestedBy: asker.userId,
    requestedAt: now.toISOString(),
    decideBy: new Date(now.getTime() + options.decideWithinHours * 3_600_000).toISOString(),
    ...(asker.teamId ? { teamId: asker.teamId } : {}),
    channelId: asker.channelId,
  };
  await deps.store.create(waiver);
  await deps.audit.append({ type: 'waiver.requested', actor: asker.userId, teamId: asker.teamId, outcome: 'requested', detail: describeWaiver(waiver), ...subjectOf(waiver) });
  return { ok: true, waiver };
}

/**
 * A request that could not be handed on to be posted: nobody would ever see it, so it is closed at
 * once (by `system`) and audited, best effort (the requester is told either way).
 */
export async function withdrawUnposted(w: Waiver, why: string, deps: WaiverDeps): Promise<void> {
  const now = deps.now().toISOString();
  await deps.store.save({ ...w, status: 'rejected', decidedBy: 'system', decidedAt: now, endNote: 'The request could not be posted; withdrawn.' }, w.version).catch(() => undefined);
  await deps.audit.append({ type: 'waiver.withdrawn', actor: 'system', outcome: 'info', detail: `It could not be posted for approval (${why}).`, ...subjectOf(w) }).catch(() => undefined);
}

/** Audits a refused click on waiver `id` (filed under its transform when it exists), then says why. */
function refuser(type: string, id: string, click: { userId: string; teamId?: string }, deps: WaiverDeps) {
  return async (reason: string, current?: Waiver): Promise<WaiverOutcome> => {
    await deps.audit.append({ type, actor: click.userId, teamId: click.teamId, outcome: 'refused', detail: reason, ...(current ? subjectOf(current) : { waiverId: id }) });
    return { ok: false, reason, ...(current ? { waiver: current } : {}) };
  };
}

export type WaiverDecision = 'approve' | 'reject';

export async function decideWaiver(id: string, decision: WaiverDecision, click: { userId: string; teamId?: string }, deps: DecisionDeps): Promise<WaiverOutcome> {
  const w = await deps.store.get(id);
  const refuse = refuser(`waiver.${decision}.refused`, id, click, deps);
  if (!w) return refuse('This waiver request no longer exists.');
  if (w.teamId && click.teamId !== w.teamId) return refuse('This waiver request belongs to another Slack workspace.', w);
  if (w.status !== 'pending_approval') return refuse(`This waiver request was already decided${w.decidedBy ? ` by <@${w.decidedBy}>` : ''} (${w.status.replace('_', ' ')}).`, w);
  const now = deps.now();
  if (decisionDeadline(w) <= now.toISOString()) return refuse(`Nobody decided this waiver request in time (by ${decisionDeadline(w).slice(0, 16).replace('T', ' ')} UTC); ask again if the risk is still accepted.`, w);
  const requester = click.userId === w.requestedBy;
  if (decision === 'approve' && requester) return refuse('You asked for this waiver, so someone else must approve it (four-eyes rule).', w);
  // The requester may always withdraw their own request.
  if (!(decision === 'reject' && requester)) {
    const approver = await approverCheck(click.userId, deps.approval, deps.isInApproverGroup, 'decide waivers');
    if (!approver.ok) return refuse(approver.reason, w);
  }
  let saved: Waiver;
  try {
    saved = await deps.store.save({ ...w, status: decision === 'approve' ? 'active' : 'rejected', decidedBy: click.userId, decidedAt: now.toISOString() }, w.version);
  } catch (err) {
    if (err instanceof WaiverConflictError) return refuse('Someone else decided this waiver request a moment ago.', (await deps.store.get(id)) ?? w);
    throw err;
  }
  await deps.audit.append({
    type: decision === 'approve' ? 'waiver.approved' : 'waiver.rejected',
    actor: click.userId,
    teamId: click.teamId,
    outcome: decision === 'approve' ? 'succeeded' : 'info',
    detail: decision === 'approve' ? describeWaiver(saved) : requester ? 'Withdrawn by whoever asked.' : undefined,
    ...subjectOf(saved),
  });
  if (decision === 'approve') await endReplaced(saved, deps);
  return { ok: true, waiver: saved };
}

/** An approved waiver replaces any other in force for the same transform: one holds at a time. */
async function endReplaced(by: Waiver, deps: WaiverDeps): Promise<void> {
  const now = deps.now().toISOString();
  for (const old of await deps.store.all()) {
    if (old.id === by.id || old.status !== 'active' || old.accountId !== by.accountId || old.region !== by.region || old.transformId !== by.transformId) continue;
    try {
      const ended = await deps.store.save({ ...old, status: 'revoked', revokedBy: by.decidedBy, revokedAt: now, endNote: `Replaced by waiver ${by.id}.`, expiryTold: true }, old.version);
      await deps.audit.append({ type: 'waiver.replaced', actor: by.decidedBy ?? 'system', outcome: 'info', detail: `Replaced by waiver ${by.id}.`, ...subjectOf(ended) });
    } catch (err) {
      if (!(err instanceof WaiverConflictError)) throw err; // revoked or expired at this very moment: ended either way
    }
  }
}

export async function revokeWaiver(id: string, click: { userId: string; teamId?: string }, deps: DecisionDeps): Promise<WaiverOutcome> {
  const w = await deps.store.get(id);
  const refuse = refuser('waiver.revoke.refused', id, click, deps);
  if (!w) return refuse('This waiver no longer exists.');
  if (w.teamId && click.teamId !== w.teamId) return refuse('This waiver belongs to another Slack workspace.', w);
  const now = deps.now();
  if (w.status !== 'active' || w.expiresAt <= now.toISOString()) return refuse(`This waiver is not in force (${w.status === 'active' ? 'expired' : w.status.replace('_', ' ')}), so there is nothing to revoke.`, w);
  // Revoking makes the finding FAIL again, the safe direction: whoever asked for it, or any approver.
  if (click.userId !== w.requestedBy && !(await approverCheck(click.userId, deps.approval, deps.isInApproverGroup)).ok) return refuse('Only whoever asked for this waiver, or an approver, may revoke it.', w);
  let saved: Waiver;
  try {
    saved = await deps.store.save({ ...w, status: 'revoked', revokedBy: click.userId, revokedAt: now.toISOString() }, w.version);
  } catch (err) {
    if (err instanceof WaiverConflictError) return refuse('Someone else changed this waiver a moment ago.', (await deps.store.get(id)) ?? w);
    throw err;
  }
  await deps.audit.append({ type: 'waiver.revoked', actor: click.userId, teamId: click.teamId, outcome: 'info', detail: `Revoked before ${endDay(w)}: the finding counts as FAIL again.`, ...subjectOf(saved) });
  return { ok: true, waiver: saved };
}

/** Sweeps that try to tell a channel a waiver ended before giving up (an archived channel, say). */
export const MAX_NOTICE_ATTEMPTS = 3;

export interface WaiverExpiryResult {
  expired: number;
  told: number;
  errors: { waiverId: string; error: string }[];
}

/**
 * Ends the waivers (and unanswered requests) whose day has passed, audits each, and tells its
 * channel. A notice that fails is tried again by the next sweeps, up to MAX_NOTICE_ATTEMPTS.
 */
export async function expireWaivers(deps: WaiverDeps & { tell(w: Waiver): Promise<void> }): Promise<WaiverExpiryResult> {
  const now = deps.now();
  const result: WaiverExpiryResult = { expired: 0, told: 0, errors: [] };
  for (let w of await deps.store.all()) {
    try {
      // Still open as recorded, but over by the clock: this sweep closes it.
      if ((w.status === 'active' || w.status === 'pending_approval') && standing(w, now) === 'over') {
        const wasActive = w.status === 'active';
        try {
          w = await deps.store.save({ ...w, status: 'expired' }, w.version);
        } catch (err) {
          if (err instanceof WaiverConflictError) continue; // decided or revoked at this very moment: the next sweep sees it
          throw err;
        }
        await deps.audit.append({
          type: 'waiver.expired',
          actor: 'system',
          outcome: 'info',
          detail: wasActive ? `Ended on ${endDay(w)}: the finding counts as FAIL again.` : `Nobody decided it by ${decisionDeadline(w)}.`,
          ...subjectOf(w),
        });
        result.expired += 1;
      }
      if (w.status !== 'expired' || w.expiryTold) continue;
      try {
        await deps.tell(w);
        await deps.store.save({ ...w, expiryTold: true }, w.version);
        result.told += 1;
      } catch (err) {
        const attempts = (w.noticeAttempts ?? 0) + 1;
        await deps.store.save({ ...w, noticeAttempts: attempts, expiryTold: attempts >= MAX_NOTICE_ATTEMPTS }, w.version).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      result.errors.push({ waiverId: w.id, error: (err as Error).message });
    }
  }
  return result;
}
