// One Slack message per remediation: the plan and the Approve / Reject buttons while it
// waits, who decided and when afterwards, then progress step by step, and at the end the
// result with Revert / Retire original. Pure: a remediation in, blocks out.
import type { ActionsBlock, Button, KnownBlock, StaticSelect } from '@slack/types';
import { describeEncryption, planDigest } from '../../remediation/lifecycle.js';
import type { Remediation, StepName } from '../../remediation/types.js';
import { consoleLinksLine } from './consoleLinks.js';
import { LIMITS, code, literal, mrkdwnContext, mrkdwnSection, plural, slackTime, truncate, type SlackMessage } from './blocks.js';
import { REMEDIATE_ACTION_ID } from './findings.js';

export const ACTIONS = {
  remediate: REMEDIATE_ACTION_ID,
  approve: 'approve',
  reject: 'reject',
  revert: 'revert',
  retire: 'retire',
  chooseKey: 'choose_key',
} as const;

const STEP_LABELS: Record<StepName, string> = {
  preflight: 'Preflight checks',
  export_labels: 'Export labels',
  wait_export: 'Label export',
  check_export: 'Check the export',
  ensure_security_configuration: 'Security configuration',
  rename_original: 'Rename original',
  create_twin: 'Create encrypted transform',
  tag_original: 'Tag original as superseded',
  import_labels: 'Import labels',
  wait_import: 'Label import',
  verify: 'Verify',
  export_twin_labels: 'Save encrypted transform labels',
  wait_twin_export: 'Label export',
  check_twin_export: 'Check the export',
  rename_twin_aside: 'Move encrypted transform aside',
  delete_twin: 'Remove encrypted transform',
  restore_original_name: 'Restore original name',
  recreate_original: 'Re-create original',
  import_original_labels: 'Import labels',
  wait_original_import: 'Label import',
  untag_original: 'Untag original',
  verify_revert: 'Verify',
  check_twin: 'Check encrypted transform',
  delete_original: 'Delete original',
  rollback_delete_twin: 'Rollback: remove encrypted transform',
  rollback_restore_name: 'Rollback: restore name',
  rollback_untag_original: 'Rollback: untag original',
  rollback_revert_original: 'Rollback: original back aside',
  rollback_revert_twin: 'Rollback: encrypted transform gets its name back',
  done: 'Done',
};

const VERB: Record<Remediation['kind'], string> = {
  remediate: 'encrypt',
  revert: 'revert the encryption of',
  retire: 'retire the unencrypted original of',
};

function time(iso: string | undefined): string {
  return iso ? slackTime(iso) : '';
}

type Confirm = NonNullable<Button['confirm']>;

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger', confirm?: Confirm): Button {
  return { type: 'button', text: { type: 'plain_text', text }, action_id: actionId, value, ...(style ? { style } : {}), ...(confirm ? { confirm } : {}) };
}

/**
 * Slack's confirmation dialog, naming what the click will do. Plain text: a transform name
 * (which anyone who may create a transform chooses) cannot format or mention anything here.
 * Slack's limits: title 100, text 300, buttons 30 characters.
 */
function confirmation(title: string, text: string, confirmLabel: string, style?: 'primary' | 'danger'): Confirm {
  return {
    // emoji: false, or a :code: in a name would turn into an emoji.
    title: { type: 'plain_text', text: truncate(title, 100), emoji: false },
    text: { type: 'plain_text', text: truncate(text, 300), emoji: false },
    confirm: { type: 'plain_text', text: truncate(confirmLabel, 30) },
    deny: { type: 'plain_text', text: 'Cancel' },
    ...(style ? { style } : {}),
  };
}

/** What approving does, in one sentence a person can check before pressing Approve. */
function approveConfirmation(r: Remediation): Confirm {
  const name = truncate(r.source.name, 60);
  const labels = r.plan.labelCount ?? r.source.labelCount;
  const what =
    r.kind === 'remediate'
      ? `re-creates ${name} encrypted with ${truncate(r.plan.keyLabel ?? r.plan.keyArn ?? 'the planned key', 60)}, keeps the original renamed aside, and moves its ${plural(labels, 'label')}. Its transform ID changes.`
      : r.kind === 'revert'
        ? `gives ${name} back to its unencrypted original, moving ${plural(labels, 'label')}, then removes the encrypted transform.`
        : `deletes the unencrypted original ${r.source.transformId} of ${name} for good.`;
  return confirmation(`Approve: ${VERB[r.kind]} ${name}?`, `The workflow starts at once and ${what} A failure rolls back.`, 'Approve', r.kind === 'retire' ? 'danger' : 'primary');
}

function planText(r: Remediation): string {
  const p = r.plan;
  if (r.kind === 'remediate') {
    const labels = r.source.labelCount;
    const attached = p.securityConfigurationName
      ? ` + security configuration ${code(p.securityConfigurationName)}${p.createSecurityConfiguration ? ' (created by the bot if missing: S3 SSE-KMS, CloudWatch SSE-KMS, bookmarks CSE-KMS)' : p.securityConfigurationName === r.source.transformEncryption?.TaskRunSecurityConfigurationName ? ' (its own, which already meets the policy)' : ''}`
      : '';
    const steps = [
      ...(labels > 0 ? [`export ${plural(labels, 'label')} to ${code(p.exportPath)}`] : []),
      `rename original to ${code(p.renamedName)}`,
      `create ${code(r.source.name)} with SSE-KMS (${literal(p.keyLabel ?? p.keyArn ?? 'no key')})${attached}`,
      ...(labels > 0 ? ['import labels', `verify ${plural(labels, 'label')}`] : ['verify it holds 0 labels']),
    ];
    const noLabels = labels === 0 ? '\nThe transform has no labels: there is nothing to export or import (Glue refuses to export an empty label set), so those steps are skipped.' : '';
    const configuration = r.source.transformEncryption?.TaskRunSecurityConfigurationName;
    const now = `*Now:* ${literal(describeEncryption(r.source.transformEncryption))}, ${configuration ? `security configuration ${code(configuration)}` : 'no security configuration'}.`;
    return `${now}\n*Plan:* ${steps.join(' → ')}.${noLabels}\nThe original is kept (tagged as superseded) until a separate, approved *Retire original*.`;
  }
  if (r.kind === 'revert') {
    if (p.labelCount === 0) {
      return `*Plan:* the encrypted transform has no labels, so nothing is saved or imported → move the encrypted transform ${code(r.progress.twinId ?? '')} aside → give the original ${code(r.source.transformId)} its name ${code(r.source.name)} back (or re-create it unencrypted from the recorded settings if it was retired) → verify → only then remove the encrypted transform. A failure before that puts everything back.`;
    }
    return `*Plan:* save the encrypted transform's ${p.labelCount === undefined ? 'labels' : plural(p.labelCount, 'label')} to ${code(p.exportPath)} → move the encrypted transform ${code(r.progress.twinId ?? '')} aside → give the original ${code(r.source.transformId)} its name ${code(r.source.name)} back (or re-create it unencrypted from the recorded settings if it was retired) → import the labels if they differ → verify → only then remove the encrypted transform. A failure before that puts everything back.`;
  }
  return `*Plan:* check the encrypted transform ${code(r.progress.twinId ?? '')} is READY with at least ${plural(r.source.labelCount, 'label')} → delete the original ${code(r.source.transformId)}.${r.source.labelCount > 0 ? ` Its labels stay exported at ${code(p.exportPath)}.` : ''}`;
}

function headsUp(r: Remediation): string | undefined {
  if (r.kind === 'retire') return undefined;
  const jobs = r.plan.affectedJobs;
  const jobText = jobs.length > 0 ? ` Jobs that use it: ${jobs.map((j) => `${code(j)}`).join(', ')}.` : ' No Glue job visible to the bot references it.';
  return `:warning: *Heads-up:* the transform ID changes; jobs that call it by ID must be updated.${jobText}`;
}

function statusLine(r: Remediation, approvers?: string): string {
  switch (r.status) {
    case 'pending_approval':
      return `Waiting for approval${approvers ? ` by ${approvers}` : ''} · expires ${time(r.expiresAt)}`;
    case 'rejected':
      return `:no_entry_sign: Rejected by <@${r.decidedBy}> at ${time(r.decidedAt)}`;
    case 'expired':
      return `:hourglass: Expired at ${time(r.expiresAt)} without a decision`;
    case 'running':
      return `:white_check_mark: Approved by <@${r.decidedBy}> at ${time(r.decidedAt)} · running: ${STEP_LABELS[r.step]}…`;
    case 'rolling_back':
      return `:rewind: Approved by <@${r.decidedBy}> at ${time(r.decidedAt)} · *rolling back*: ${literal(r.failure ?? '')}`;
    case 'completed':
      return `:white_check_mark: Approved by <@${r.decidedBy}> at ${time(r.decidedAt)} · *completed*`;
    case 'rolled_back':
      return `:leftwards_arrow_with_hook: Approved by <@${r.decidedBy}> at ${time(r.decidedAt)} · *failed and rolled back*: ${literal(r.failure ?? '')} Nothing was lost: the transform is as it was.`;
    case 'failed':
      return `:rotating_light: *Needs a person:* ${literal(r.failure ?? '')}`;
  }
}

function progressText(r: Remediation): string | undefined {
  if (r.history.length === 0) return undefined;
  const icon = { succeeded: ':white_check_mark:', failed: ':x:', waiting: ':hourglass_flowing_sand:', skipped: ':fast_forward:' } as const;
  const lines = r.history.map((h) => `${icon[h.outcome]} ${STEP_LABELS[h.step]}${h.detail ? ` — ${literal(h.detail)}` : ''}`);
  // Keep the newest lines when the history outgrows a section.
  let text = lines.join('\n');
  while (text.length > LIMITS.sectionText && lines.length > 1) {
    lines.shift();
    text = `…\n${lines.join('\n')}`;
  }
  return truncate(text, LIMITS.sectionText);
}

/**
 * A titled bullet list in as many sections as it needs: a problem may carry a policy statement
 * to paste, and one section holds 3,000 characters, so a long list is split, never cut.
 */
/** A problem's words shown literally; a policy statement it ends with as code, so it pastes exactly. */
function problemText(item: string): string {
  const statement = item.indexOf('{');
  if (statement === -1 || !item.trimEnd().endsWith('}')) return literal(item);
  return `${literal(item.slice(0, statement))}${code(item.slice(statement))}`;
}

function bulletSections(title: string, items: readonly string[]): KnownBlock[] {
  const sections: KnownBlock[] = [];
  let text = title;
  for (const item of items) {
    const bullet = `• ${problemText(item)}`;
    if (text.length + 1 + bullet.length > LIMITS.sectionText && text !== title) {
      sections.push(mrkdwnSection(text));
      text = bullet;
    } else {
      text = `${text}\n${bullet}`;
    }
  }
  if (items.length > 0) sections.push(mrkdwnSection(text));
  return sections;
}

/**
 * A block_id that changes with every saved version of the request: Slack clients may keep the
 * interactive state of a block whose id an update reuses (a menu's old selection, a spent button).
 */
function blockId(kind: 'decide' | 'after', r: Remediation): string {
  return `${kind}:${r.id}:v${r.version}`;
}

/** Approve (when the plan can be approved) and Reject / Cancel, with their confirmation dialogs. */
export function decisionButtons(r: Remediation): Button[] {
  const out: Button[] = [];
  if (r.plan.problems.length === 0) out.push(button('Approve', ACTIONS.approve, JSON.stringify({ id: r.id, p: planDigest(r) }), 'primary', approveConfirmation(r)));
  const closing = r.plan.problems.length === 0 ? 'Reject' : 'Cancel';
  out.push(
    button(closing, ACTIONS.reject, JSON.stringify({ id: r.id }), 'danger', confirmation(`${closing} this request?`, `Nothing changes in AWS: the request for ${truncate(r.source.name, 120)} is closed, and a new one must be made to go ahead.`, closing, 'danger')),
  );
  return out;
}

/** The `decide:` actions block of a request, for another surface than its message (App Home). */
export function decisionBlock(r: Remediation): ActionsBlock {
  return { type: 'actions', block_id: blockId('decide', r), elements: decisionButtons(r) };
}

/** The request a `decide:` actions block belongs to, or undefined for any other block id. */
export function requestIdOfDecisionBlock(blockIdValue: string | undefined): string | undefined {
  return /^decide:([0-9a-f-]{36})(?::v\d+)?$/.exec(blockIdValue ?? '')?.[1];
}

/** A key the requester may pick instead; the menu sends its position, resolved again by the worker. */
export interface KeyOption {
  label: string;
}

/** Who may approve, as Slack shows it: user mentions and the user group. */
export function approversText(approvers: string[], group?: string): string {
  const who = [...approvers.map((u) => `<@${u}>`), ...(group ? [`<!subteam^${group}>`] : [])];
  return who.length > 0 ? who.join(', ') : 'nobody (no approvers configured)';
}

export function renderRemediation(r: Remediation, keyOptions: KeyOption[] = [], approvers?: string): SlackMessage {
  const name = literal(r.source.name);
  const headline = `<@${r.requestedBy}> asks to ${VERB[r.kind]} *${name}* (\`${r.source.transformId}\`) in ${r.accountId} · ${r.region}`;
  const blocks: KnownBlock[] = [mrkdwnSection(headline), mrkdwnSection(planText(r))];
  const links = consoleLinksLine({
    region: r.region,
    transformId: r.progress.twinId ?? r.source.transformId,
    key: r.plan.keyArn,
    securityConfiguration: r.plan.securityConfigurationName,
  });
  if (links) blocks.push(mrkdwnContext(links));
  const heads = headsUp(r);
  if (heads) blocks.push(mrkdwnSection(heads));
  blocks.push(...bulletSections(':no_entry: *Cannot be approved:*', r.plan.problems));
  if (r.status === 'pending_approval') blocks.push(...bulletSections(':warning: *Not verified* (the bot may not check these; they do not block approval):', r.plan.warnings ?? []));
  const progress = progressText(r);
  if (progress) blocks.push(mrkdwnSection(progress));
  blocks.push(mrkdwnContext(statusLine(r, approvers)));

  const value = JSON.stringify({ id: r.id });
  if (r.status === 'pending_approval') {
    const elements: ActionsBlock['elements'] = [];
    if (r.kind === 'remediate' && keyOptions.length > 0) {
      const select: StaticSelect = {
        type: 'static_select',
        action_id: ACTIONS.chooseKey,
        placeholder: { type: 'plain_text', text: 'Choose another key' },
        // The value names the option by its place in the list (the worker lists the keys again):
        // an alias name may be longer than the 150 characters an option value holds.
        options: keyOptions.slice(0, 100).map((k, i) => ({
          text: { type: 'plain_text', text: truncate(k.label, 75) },
          value: JSON.stringify({ id: r.id, i }),
        })),
      };
      elements.push(select);
    }
    elements.push(...decisionButtons(r));
    blocks.push({ type: 'actions', block_id: blockId('decide', r), elements });
  } else if (r.status === 'completed' && r.kind === 'remediate') {
    const reverted = r.followUps?.find((f) => f.kind === 'revert');
    const retired = r.followUps?.find((f) => f.kind === 'retire');
    if (reverted || retired) {
      const notes = [retired && `original retired ${time(retired.at)}`, reverted && `reverted ${time(reverted.at)}`].filter(Boolean);
      blocks.push(mrkdwnContext(`Since then: ${notes.join(' · ')}.`));
    }
    // A reverted remediation offers nothing more; a retired original can still be reverted (re-created).
    const name = truncate(r.source.name, 80);
    const elements = [
      ...(reverted
        ? []
        : [button('Revert', ACTIONS.revert, value, undefined, confirmation(`Ask to revert ${name}?`, `A revert plan is posted for approval: once approved, ${name} is given back to its unencrypted original and the encrypted transform is removed. Nothing changes until then.`, 'Ask to revert'))]),
      ...(reverted || retired
        ? []
        : [
            button(
              'Retire original',
              ACTIONS.retire,
              value,
              'danger',
              confirmation(`Ask to delete the original of ${name}?`, `A plan is posted for approval: once approved, the unencrypted original ${r.source.transformId} is deleted for good${r.source.labelCount > 0 ? ' (its labels stay exported)' : ''}. Nothing changes until then.`, 'Ask to retire', 'danger'),
            ),
          ]),
    ];
    if (elements.length > 0) blocks.push({ type: 'actions', block_id: blockId('after', r), elements });
  }
  // The fallback is what notifications show: a name can never mention or link from there.
  return { text: truncate(`glue-encrypt: ${VERB[r.kind]} ${literal(r.source.name)} — ${r.status.replace('_', ' ')}`, LIMITS.fallbackText), blocks };
}

/**
 * A new message in the request's thread when its workflow ends: an edit of the request notifies
 * nobody, a thread reply that mentions the requester and the approver does.
 */
export function renderOutcomeNotice(r: Remediation): SlackMessage | undefined {
  const people = [...new Set([r.requestedBy, r.decidedBy].filter((u): u is string => Boolean(u)))].map((u) => `<@${u}>`).join(' ');
  const what = `${VERB[r.kind]} *${literal(r.source.name)}* (\`${r.source.transformId}\`)`;
  const why = literal(truncate(r.failure ?? '', 1500));
  const line =
    r.status === 'completed'
      ? `:white_check_mark: ${people} The request to ${what} is *completed*.`
      : r.status === 'rolled_back'
        ? `:leftwards_arrow_with_hook: ${people} The request to ${what} *failed and was rolled back*: ${why} Nothing was lost: the transform is as it was.`
        : r.status === 'failed'
          ? `:rotating_light: ${people} The request to ${what} *needs a person*: ${why}`
          : r.status === 'expired' && !r.failure
            ? `:hourglass: ${people} The request to ${what} *expired* at ${time(r.expiresAt)} without a decision: nothing was changed. Request it again if it is still needed.`
            : undefined;
  if (!line) return undefined;
  const text = truncate(line, LIMITS.sectionText);
  return { text: truncate(`glue-encrypt: ${VERB[r.kind]} ${literal(r.source.name)} — ${r.status.replace('_', ' ')}`, LIMITS.fallbackText), blocks: [mrkdwnSection(text)] };
}
