// Subscribe, unsubscribe and list a channel's digests. Who may change a channel's digests is
// decided by the caller's `mayManage`; every change, and every refused change, is audited.
import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/auditLog.js';
import { nextOccurrence, describeCadence, type Cadence } from './schedule.js';
import type { SubscriptionStore } from './subscriptionStore.js';
import { MAX_SUBSCRIPTIONS_PER_CHANNEL, type Subscription } from './types.js';

export type Allowed = { ok: true } | { ok: false; reason: string };
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface SubscriptionDeps {
  store: SubscriptionStore;
  audit: AuditLog;
  /** Whether this person may change the channel's digests (configuration: GLUE_ENCRYPT_SUBSCRIPTION_MANAGERS). */
  mayManage(userId: string): Promise<Allowed>;
  /** What the scan can read: a subscription may only narrow it. `accounts` undefined = any (an organisation scan). */
  scope: { regions: string[]; accounts?: string[] };
  now(): Date;
}

export interface Requester {
  channelId: string;
  userId: string;
  teamId?: string;
}

export interface SubscribeRequest extends Requester {
  cadence: Cadence;
  timeZone: string;
  onlyFailures: boolean;
  accounts?: string[];
  regions?: string[];
}

/** How a subscription reads in a list or an audit event. */
export function describeSubscription(s: Pick<Subscription, 'cadence' | 'timeZone' | 'onlyFailures' | 'accounts' | 'regions'>): string {
  const parts = [describeCadence(s.cadence, s.timeZone)];
  if (s.onlyFailures) parts.push('failures only');
  if (s.accounts) parts.push(`accounts ${s.accounts.join(', ')}`);
  if (s.regions) parts.push(`regions ${s.regions.join(', ')}`);
  return parts.join(' · ');
}

const sameSet = (a?: string[], b?: string[]) => (a ?? []).length === (b ?? []).length && (a ?? []).every((v) => (b ?? []).includes(v));

function outOfScope(req: SubscribeRequest, scope: SubscriptionDeps['scope']): string | undefined {
  const regions = (req.regions ?? []).filter((r) => !scope.regions.includes(r));
  if (regions.length > 0) {
    return `${regions.join(', ')} ${regions.length === 1 ? 'is not a region' : 'are not regions'} the scan reads (${scope.regions.join(', ')}); nothing was changed.`;
  }
  const known = scope.accounts;
  const accounts = known ? (req.accounts ?? []).filter((a) => !known.includes(a)) : [];
  if (accounts.length > 0) {
    return `${accounts.join(', ')} ${accounts.length === 1 ? 'is not an account' : 'are not accounts'} the scan reads (${known!.join(', ')}); nothing was changed.`;
  }
  return undefined;
}

export async function subscribe(req: SubscribeRequest, deps: SubscriptionDeps): Promise<Outcome<Subscription>> {
  const refuse = async (reason: string): Promise<Outcome<Subscription>> => {
    await deps.audit.append({ type: 'subscription.refused', actor: req.userId, teamId: req.teamId, channel: req.channelId, outcome: 'refused', detail: reason });
    return { ok: false, reason };
  };
  const scopeProblem = outOfScope(req, deps.scope);
  if (scopeProblem) return { ok: false, reason: scopeProblem };
  const allowed = await deps.mayManage(req.userId);
  if (!allowed.ok) return refuse(allowed.reason);

  const existing = await deps.store.forChannel(req.channelId);
  const same = existing.find(
    (s) => JSON.stringify(s.cadence) === JSON.stringify(req.cadence) && s.timeZone === req.timeZone && s.onlyFailures === req.onlyFailures && sameSet(s.accounts, req.accounts) && sameSet(s.regions, req.regions),
  );
  if (same) return { ok: false, reason: `This channel already has that digest (${same.id}: ${describeSubscription(same)}); nothing was changed.` };
  if (existing.length >= MAX_SUBSCRIPTIONS_PER_CHANNEL) {
    return { ok: false, reason: `This channel already has ${existing.length} digests, the most one channel may have; unsubscribe one first.` };
  }

  const now = deps.now();
  const subscription: Subscription = {
    id: '',
    channelId: req.channelId,
    ...(req.teamId ? { teamId: req.teamId } : {}),
    cadence: req.cadence,
    timeZone: req.timeZone,
    onlyFailures: req.onlyFailures,
    ...(req.accounts ? { accounts: req.accounts } : {}),
    ...(req.regions ? { regions: req.regions } : {}),
    createdBy: req.userId,
    createdAt: now.toISOString(),
    nextDueAt: nextOccurrence(req.cadence, req.timeZone, now).toISOString(),
    version: 1,
  };
  // Six hex characters: short enough to type; a clash within one channel is retried.
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = { ...subscription, id: randomBytes(3).toString('hex') };
    if (await deps.store.create(candidate)) {
      await deps.audit.append({
        type: 'subscription.created',
        actor: req.userId,
        teamId: req.teamId,
        channel: req.channelId,
        outcome: 'succeeded',
        after: describeSubscription(candidate),
        detail: JSON.stringify({ id: candidate.id, nextDueAt: candidate.nextDueAt }),
      });
      return { ok: true, value: candidate };
    }
  }
  throw new Error('Could not find a free subscription id');
}

export async function unsubscribe(req: Requester & { id?: string }, deps: SubscriptionDeps): Promise<Outcome<Subscription>> {
  const existing = await deps.store.forChannel(req.channelId);
  if (existing.length === 0) return { ok: false, reason: 'This channel has no digest subscriptions; nothing was changed.' };
  const target = req.id ? existing.find((s) => s.id === req.id) : existing.length === 1 ? existing[0] : undefined;
  if (!target) {
    const list = existing.map((s) => `${s.id} (${describeSubscription(s)})`).join('; ');
    return {
      ok: false,
      reason: req.id ? `This channel has no subscription ${req.id}. Its subscriptions: ${list}.` : `This channel has ${existing.length} subscriptions; say which: ${list}.`,
    };
  }
  const allowed = await deps.mayManage(req.userId);
  if (!allowed.ok) {
    await deps.audit.append({ type: 'subscription.refused', actor: req.userId, teamId: req.teamId, channel: req.channelId, outcome: 'refused', detail: `unsubscribe ${target.id}: ${allowed.reason}` });
    return allowed;
  }
  if (!(await deps.store.remove(target))) return { ok: false, reason: 'That subscription changed while you asked (a digest was being posted); try again.' };
  await deps.audit.append({
    type: 'subscription.removed',
    actor: req.userId,
    teamId: req.teamId,
    channel: req.channelId,
    outcome: 'succeeded',
    before: describeSubscription(target),
    detail: JSON.stringify({ id: target.id }),
  });
  return { ok: true, value: target };
}

export async function listSubscriptions(channelId: string, deps: Pick<SubscriptionDeps, 'store'>): Promise<Subscription[]> {
  return (await deps.store.forChannel(channelId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
