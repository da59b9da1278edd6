// Worker-side use cases behind the remediation buttons and commands: build a plan and post
// the approval request, change its key, show a transform's audit trail, list what is in
// flight. Every failure reaches the requester as a message they can act on.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebClient } from '@slack/web-api';
import type { AppConfig } from '../config.js';
import { GetTagsCommand } from '@aws-sdk/client-glue';
import type { AuditEventInput } from '../audit/auditLog.js';
import { getTransformById, looksLikeTransformId } from '../inventory/transforms.js';
import { TAG_REMEDIATION, transformArn } from '../remediation/snapshot.js';
import { NO_CHANGE_PREFIX, currentKeyArn, listKeyChoices, planKey, planRemediation } from '../remediation/plan.js';
import type { RemediationRuntime } from '../remediation/accountAccess.js';
import { auditSubject, encryptionChange } from '../remediation/lifecycle.js';
import { ConcurrentUpdateError } from '../remediation/store.js';
import type { Remediation } from '../remediation/types.js';
import type { HistoryJob, NotifyJob, PlanJob, ReplanJob, StatusJob } from './jobs.js';
import { slackErrorCode, tellRequester, type Requester as PublishRequester } from './publish.js';
import { renderHistory, renderStatus } from './views/history.js';
import { renderFailure } from './views/notice.js';
import { approversText, renderRemediation, type KeyOption } from './views/remediation.js';
import { mention, Mrkdwn, mrkdwn, slackTime, truncate, type SlackMessage } from './views/blocks.js';

export interface RemediationJobDeps {
  config: AppConfig;
  web: WebClient;
  runtime: RemediationRuntime;
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  now?: () => Date;
}

type Requester = PublishRequester & { teamId?: string };

const tell = (deps: RemediationJobDeps, job: Requester, message: SlackMessage): Promise<void> => tellRequester(deps.web, deps.logger, job, message);

/** Audits a refused request (`<action>.refused`), then tells the requester why. */
async function refuse(
  deps: RemediationJobDeps,
  job: Requester,
  action: string,
  detail: string,
  subject: Partial<AuditEventInput>,
  message: SlackMessage,
): Promise<void> {
  await deps.runtime.audit
    .append({ type: `${action}.refused`, actor: job.userId, teamId: job.teamId, channel: job.channelId, outcome: 'refused', detail, ...subject })
    .catch((err: unknown) => deps.logger.error('Could not audit a refusal', err as Error));
  await tell(deps, job, message);
}

const toKeyOptions = (choices: readonly { label: string }[]): KeyOption[] => choices.map((k) => ({ label: k.label }));

async function keyOptions(deps: RemediationJobDeps, r: Remediation): Promise<KeyOption[]> {
  if (r.kind !== 'remediate') return [];
  try {
    const { kms } = await deps.runtime.clients(r.accountId, r.region);
    return toKeyOptions(await listKeyChoices(kms));
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
        await refuse(
          deps,
          job,
          job.action,
          parent
            ? `Remediation ${parent.id} is a ${parent.kind} that is ${parent.status.replace('_', ' ')}: only a completed remediation can be reverted or retired.`
            : `Remediation ${job.parentId!} does not exist: only a completed remediation can be reverted or retired.`,
          parent ? auditSubject(parent) : { remediationId: job.parentId },
          renderFailure(`I cannot ${job.action} that.`, 'Only a completed remediation can be reverted or retired.', 'Run /glue-encrypt status to see what is in flight.'),
        );
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

  // The request is written first, so whoever holds the claim always has a request to point to.
  await runtime.store.create(r);
  let existing: Remediation | undefined;
  try {
    existing = await runtime.store.claimRequest(r);
  } catch (err) {
    await runtime.store.discard(r).catch(() => undefined);
    await tell(deps, job, renderFailure('I could not open the request.', (err as Error).message, 'Nothing was created; press the button again in a minute.'));
    return undefined;
  }
  if (existing) {
    await runtime.store.discard(r).catch((err: unknown) => deps.logger.warn('Could not close a request that lost the claim', { error: (err as Error).message }));
    await tell(
      deps,
      job,
      renderFailure(
        mrkdwn`There is already a ${r.kind} request for ${r.source.name} waiting for approval.`,
        mrkdwn`${mention(existing.requestedBy)} asked ${new Mrkdwn(slackTime(existing.requestedAt))}; it expires ${new Mrkdwn(slackTime(existing.expiresAt))}.`,
        'Approve or reject that one (its message is in the channel where it was asked); nothing new was created.',
      ),
    );
    return undefined;
  }
  await runtime.store.index(r);
  const message = renderRemediation(r, await keyOptions(deps, r), approversText(deps.config.remediation.approvers, deps.config.remediation.approverGroup));
  try {
    const posted = await deps.web.chat.postMessage({ channel: job.channelId, text: message.text, blocks: message.blocks });
    r = await runtime.store.save({ ...r, slack: { channel: posted.channel ?? job.channelId, ts: posted.ts } }, r.version);
  } catch (err) {
    const code = slackErrorCode(err) ?? (err as Error).name;
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
  const { runtime, config } = deps;
  const action = 'choose_key';
  const approvers = approversText(config.remediation.approvers, config.remediation.approverGroup);
  let saved: Remediation | undefined;
  try {
    const r = await runtime.store.get(job.remediationId);
    if (!r) {
      await refuse(deps, job, action, `Request ${job.remediationId} no longer exists.`, { remediationId: job.remediationId },
        renderFailure('The key cannot be changed now.', 'This request no longer exists.', 'Request the remediation again if needed.'));
      return;
    }
    if (r.status !== 'pending_approval' || r.kind !== 'remediate') {
      await refuse(
        deps,
        job,
        `${r.kind}.${action}`,
        r.kind !== 'remediate' ? `Only a remediation's key can be chosen; this is a ${r.kind}.` : `The request is ${r.status.replace('_', ' ')}, no longer waiting for approval.`,
        auditSubject(r),
        renderFailure('The key cannot be changed now.', 'The request is no longer waiting for approval.', 'Request the remediation again if needed.'),
      );
      return;
    }
    if (job.userId !== r.requestedBy) {
      await refuse(deps, job, `${r.kind}.${action}`, `Only the requester (${r.requestedBy}) can change the key.`, auditSubject(r),
        renderFailure('Only the requester can change the key.', mrkdwn`${mention(r.requestedBy)} made this request.`, 'Ask them, or reject it and request your own.'));
      return;
    }
    const clients = await runtime.clients(r.accountId, r.region);
    const { kms } = clients;
    // The menu named the key by its place in the list: list again, and make sure it is still the one shown.
    const choices = await listKeyChoices(kms);
    const choice = choices[job.keyIndex];
    if (!choice || (job.keyText !== undefined && truncate(choice.label, 75) !== job.keyText)) {
      await refuse(
        deps,
        job,
        `${r.kind}.${action}`,
        `Key menu option ${job.keyIndex}${job.keyText ? ` ("${job.keyText}")` : ''} no longer matches the account's keys${choice ? ` (it is now ${choice.label})` : ''}.`,
        auditSubject(r),
        renderFailure(
          'The key was not changed.',
          `The keys in ${r.accountId} · ${r.region} changed since the menu was shown, so the option you picked${job.keyText ? ` (${job.keyText})` : ''} no longer points at the same key.`,
          'The menu has been refreshed: pick the key again.',
        ),
      );
      if (r.slack.ts) {
        const message = renderRemediation(r, toKeyOptions(choices), approvers);
        await deps.web.chat.update({ channel: r.slack.channel, ts: r.slack.ts, text: message.text, blocks: message.blocks }).catch(() => undefined);
      }
      return;
    }
    const key = await planKey(clients, config, {
      accountId: r.accountId,
      region: r.region,
      source: r.source,
      keyId: choice.label,
      currentKeyArn: await currentKeyArn(kms, r.source),
    });
    // The old key's findings go, the new key's come; every other finding stays. (A request
    // planned before findings were recorded per key named its key problems "Key ...".)
    const previous = r.plan.keyFindings ?? {
      problems: r.plan.problems.filter((p) => p.startsWith('Key ') || p.startsWith(NO_CHANGE_PREFIX)),
      warnings: [],
    };
    const next: Remediation = {
      ...r,
      plan: {
        ...r.plan,
        keyArn: key.keyArn,
        keyLabel: key.keyLabel,
        securityConfigurationName: key.securityConfigurationName,
        createSecurityConfiguration: key.createSecurityConfiguration,
        problems: [...r.plan.problems.filter((p) => !previous.problems.includes(p)), ...key.findings.problems],
        warnings: [...(r.plan.warnings ?? []).filter((w) => !previous.warnings.includes(w)), ...key.findings.warnings],
        keyFindings: key.findings,
      },
    };
    try {
      saved = await runtime.store.save(next, r.version);
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError)) throw err;
      const now = await runtime.store.get(r.id).catch(() => undefined);
      await refuse(
        deps,
        job,
        `${r.kind}.${action}`,
        `The request was decided or changed while the key was being checked${now ? ` (now ${now.status.replace('_', ' ')})` : ''}.`,
        auditSubject(r),
        renderFailure(
          'The key was not changed.',
          `The request was decided or changed while ${key.keyLabel} was being checked${now ? ` (it is now ${now.status.replace('_', ' ')})` : ''}; nothing was changed.`,
          "The request's message shows where it stands; pick the key again if it is still waiting for approval.",
        ),
      );
      return;
    }
    await runtime.audit.append({
      type: 'remediate.key_changed',
      actor: job.userId,
      teamId: job.teamId,
      ...auditSubject(r),
      outcome: 'info',
      after: `SSE-KMS ${key.keyArn ?? key.keyLabel}`,
      detail: key.findings.problems.join(' ') || undefined,
    });
    if (saved.slack.ts) {
      const message = renderRemediation(saved, toKeyOptions(choices), approvers);
      await deps.web.chat.update({ channel: saved.slack.channel, ts: saved.slack.ts, text: message.text, blocks: message.blocks });
    }
  } catch (err) {
    deps.logger.warn('Could not change the key', { error: (err as Error).message });
    const code = (slackErrorCode(err) ?? (err as Error).message).replace(/\.$/, '');
    await tell(
      deps,
      job,
      saved
        ? renderFailure('The new key was saved, but the request could not be fully updated.', `${code}.`, "The plan uses the new key; if the request's message still shows the old one, pick the key again to refresh it.")
        : renderFailure('The key was not changed.', `${code}.`, 'Nothing was changed; try again in a minute.'),
    );
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

/** Shows a decided request as it now stands (its message loses the Approve / Reject buttons). */
export async function runNotifyJob(job: NotifyJob, deps: RemediationJobDeps): Promise<void> {
  const r = await deps.runtime.store.get(job.remediationId);
  if (!r) return;
  await deps.runtime.notify(r).catch((err: unknown) => deps.logger.warn('Could not update the request message', { remediationId: r.id, error: slackErrorCode(err) ?? (err as Error).message }));
}
