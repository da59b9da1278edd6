// Worker-side use cases behind the remediation buttons and commands: build a plan and post
// the approval request, change its key, show a transform's audit trail, list what is in
// flight. Every failure reaches the requester as a message they can act on.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebClient } from '@slack/web-api';
import type { AppConfig } from '../config.js';
import { GetTagsCommand } from '@aws-sdk/client-glue';
import { getTransformById, looksLikeTransformId } from '../inventory/transforms.js';
import { TAG_REMEDIATION, transformArn } from '../remediation/snapshot.js';
import { checkTargetKey, listKeyChoices, planRemediation } from '../remediation/plan.js';
import type { RemediationRuntime } from '../remediation/accountAccess.js';
import { auditSubject, encryptionChange } from '../remediation/lifecycle.js';
import type { Remediation } from '../remediation/types.js';
import type { HistoryJob, PlanJob, ReplanJob, StatusJob } from './jobs.js';
import { postToResponseUrl } from './publish.js';
import { renderHistory, renderStatus } from './views/history.js';
import { renderFailure } from './views/notice.js';
import { approversText, renderRemediation, type KeyOption } from './views/remediation.js';
import type { SlackMessage } from './views/blocks.js';

export interface RemediationJobDeps {
  config: AppConfig;
  web: WebClient;
  runtime: RemediationRuntime;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  now?: () => Date;
}

type Requester = { channelId: string; userId: string; responseUrl?: string };

async function tell(deps: RemediationJobDeps, job: Requester, message: SlackMessage): Promise<void> {
  try {
    if (job.responseUrl) await postToResponseUrl(job.responseUrl, { response_type: 'ephemeral', replace_original: false, ...message });
    else await deps.web.chat.postEphemeral({ channel: job.channelId, user: job.userId, text: message.text, blocks: message.blocks });
  } catch (err) {
    deps.logger.error('Could not reach the requester', err as Error);
  }
}

async function keyOptions(deps: RemediationJobDeps, r: Remediation): Promise<KeyOption[]> {
  if (r.kind !== 'remediate') return [];
  try {
    const { kms } = await deps.runtime.clients(r.accountId, r.region);
    return (await listKeyChoices(kms)).map((k) => ({ label: k.label, value: k.label }));
  } catch {
    // Choosing another key is a convenience; the plan stands without the list.
    return [];
  }
}

export async function runPlanJob(job: PlanJob, deps: RemediationJobDeps): Promise<Remediation | undefined> {
  const now = (deps.now ?? (() => new Date()))();
  const { runtime } = deps;
  let r: Remediation;
  try {
    if (job.action === 'remediate') {
      const clients = await runtime.clients(job.accountId!, job.region!);
      r = await planRemediation(
        { kind: 'remediate', accountId: job.accountId!, region: job.region!, transformId: job.transformId!, requestedBy: job.userId, teamId: job.teamId, channel: job.channelId },
        clients,
        deps.config,
        now,
      );
    } else {
      const parent = await runtime.store.get(job.parentId!);
      if (!parent || parent.kind !== 'remediate' || parent.status !== 'completed') {
        await tell(deps, job, renderFailure(`I cannot ${job.action} that.`, 'Only a completed remediation can be reverted or retired.', 'Run /glue-encrypt status to see what is in flight.'));
        return undefined;
      }
      const clients = await runtime.clients(parent.accountId, parent.region);
      r = await planRemediation(
        { kind: job.action, accountId: parent.accountId, region: parent.region, transformId: parent.source.transformId, requestedBy: job.userId, teamId: job.teamId, channel: job.channelId, parent },
        clients,
        deps.config,
        now,
      );
    }
  } catch (err) {
    deps.logger.warn('Could not plan', { error: (err as Error).message });
    await tell(deps, job, renderFailure('I could not prepare the plan.', (err as Error).message, 'Check the transform still exists and the bot may read it, then try again.'));
    return undefined;
  }

  const open = await runtime.store.claimRequest(r);
  if (open) {
    const existing = await runtime.store.get(open);
    await tell(
      deps,
      job,
      renderFailure(
        `There is already a ${r.kind} request for ${r.source.name} waiting for approval.`,
        existing ? `<@${existing.requestedBy}> asked at ${existing.requestedAt.slice(0, 16).replace('T', ' ')} UTC; it expires ${existing.expiresAt.slice(0, 16).replace('T', ' ')} UTC.` : '',
        'Approve or reject that one (its message is in the channel where it was asked); nothing new was created.',
      ),
    );
    return undefined;
  }
  await runtime.store.create(r);
  await runtime.store.index(r);
  const message = renderRemediation(r, await keyOptions(deps, r), approversText(deps.config.remediation.approvers, deps.config.remediation.approverGroup));
  try {
    const posted = await deps.web.chat.postMessage({ channel: job.channelId, text: message.text, blocks: message.blocks });
    r = await runtime.store.save({ ...r, slack: { channel: posted.channel ?? job.channelId, ts: posted.ts } }, r.version);
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).name;
    await runtime.store.save({ ...r, status: 'expired' }, r.version);
    await tell(deps, job, renderFailure('I could not post the approval request in this channel.', `Slack said: ${code}.`, 'Invite the bot to the channel (/invite @glue-encrypt) and press the button again.'));
    return undefined;
  }
  await runtime.audit.append({
    type: `${r.kind}.requested`,
    actor: job.userId,
    teamId: job.teamId,
    ...auditSubject(r),
    outcome: 'requested',
    ...encryptionChange(r),
    detail: r.plan.problems.length > 0 ? `Plan problems: ${r.plan.problems.join(' ')}` : undefined,
  });
  return r;
}

export async function runReplanJob(job: ReplanJob, deps: RemediationJobDeps): Promise<void> {
  const r = await deps.runtime.store.get(job.remediationId);
  if (!r || r.status !== 'pending_approval' || r.kind !== 'remediate') {
    await tell(deps, job, renderFailure('The key cannot be changed now.', 'The request is no longer waiting for approval.', 'Request the remediation again if needed.'));
    return;
  }
  if (job.userId !== r.requestedBy) {
    await tell(deps, job, renderFailure('Only the requester can change the key.', `<@${r.requestedBy}> made this request.`, 'Ask them, or reject it and request your own.'));
    return;
  }
  const { kms } = await deps.runtime.clients(r.accountId, r.region);
  const key = await checkTargetKey(kms, job.keyId, r.region, deps.config);
  const otherProblems = r.plan.problems.filter((p) => !p.startsWith('Key '));
  const next: Remediation = {
    ...r,
    plan: { ...r.plan, keyArn: key.arn, keyLabel: key.label, problems: [...otherProblems, ...key.problems] },
  };
  const saved = await deps.runtime.store.save(next, r.version);
  await deps.runtime.audit.append({
    type: 'remediate.key_changed',
    actor: job.userId,
    ...auditSubject(r),
    outcome: 'info',
    after: `SSE-KMS ${key.arn ?? job.keyId}`,
    detail: key.problems.join(' ') || undefined,
  });
  if (saved.slack.ts) {
    const message = renderRemediation(saved, await keyOptions(deps, saved), approversText(deps.config.remediation.approvers, deps.config.remediation.approverGroup));
    await deps.web.chat.update({ channel: saved.slack.channel, ts: saved.slack.ts, text: message.text, blocks: message.blocks });
  }
}

export async function runHistoryJob(job: HistoryJob, deps: RemediationJobDeps): Promise<void> {
  const { runtime, config } = deps;
  try {
    const { name, accountId } = await findTransformName(deps, job.transform);
    const events = (
      await Promise.all(
        config.scope.regions.flatMap((region) =>
          [...new Set([accountId, ...config.scope.accounts])].map((acct) => runtime.audit.forTransform(acct, region, name)),
        ),
      )
    )
      .flat()
      .sort((a, b) => a.at.localeCompare(b.at));
    await tell(deps, job, renderHistory(name, events));
  } catch (err) {
    await tell(deps, job, renderFailure('I could not read the audit trail.', (err as Error).message, 'Try again; if it keeps failing, check the audit table and the worker logs.'));
  }
}

/** Resolves a transform ID to its name (the audit trail is kept by name, which survives re-creation). */
async function findTransformName(deps: RemediationJobDeps, transform: string): Promise<{ name: string; accountId: string }> {
  const accountId = await deps.runtime.homeAccountId();
  if (!looksLikeTransformId(transform)) return { name: transform, accountId };
  for (const region of deps.config.scope.regions) {
    const { glue } = await deps.runtime.clients(accountId, region);
    const t = await getTransformById(glue, transform).catch(() => undefined);
    if (!t?.Name) continue;
    // A remediated original carries a renamed name; its trail is under the name it had.
    const tags = await glue
      .send(new GetTagsCommand({ ResourceArn: transformArn(accountId, region, transform) }))
      .catch(() => undefined);
    const remediationId = tags?.Tags?.[TAG_REMEDIATION];
    const remediation = remediationId ? await deps.runtime.store.get(remediationId).catch(() => undefined) : undefined;
    return { name: remediation?.source.name ?? t.Name, accountId };
  }
  return { name: transform, accountId };
}

export async function runStatusJob(job: StatusJob, deps: RemediationJobDeps): Promise<void> {
  try {
    const inFlight = await deps.runtime.store.inFlight();
    await tell(deps, job, renderStatus(inFlight));
  } catch (err) {
    await tell(deps, job, renderFailure('I could not read the remediations in flight.', (err as Error).message, 'Try again; if it keeps failing, check the state table and the worker logs.'));
  }
}
