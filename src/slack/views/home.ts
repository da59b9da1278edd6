// The App Home tab: posture per account and region from the newest scan, remediations in
// flight, requests waiting for the viewer's approval with their buttons, and the channels'
// digests. A Home tab holds at most 100 blocks.
import type { KnownBlock } from '@slack/types';
import type { Status } from '../../checks/types.js';
import type { Posture } from '../../home/posture.js';
import { describeSubscription } from '../../digests/manageSubscriptions.js';
import { LIMITS, literal, mention, mrkdwnContext, mrkdwnSection, plural, slackTime, truncate } from './blocks.js';

/** A channel link only for what is a channel ID; anything else shown as text. */
const channelLink = (id: string) => (/^[CG][A-Z0-9]{2,}$/.test(id) ? `<#${id}>` : literal(id));
import { countsText } from './findings.js';
import { decisionBlock } from './remediation.js';
import { decisionButtons } from './waivers.js';
import { endDay } from '../../checks/waivers.js';

const HOME_MAX_BLOCKS = 100;

export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

const counts = (c: Record<Status, number>) => countsText(c, true) || 'no transforms';

/** Accepted risks in force, and for an approver the waiver requests someone else made, with their buttons. */
function waiverBlocks(p: Posture, viewer: { userId: string; approver: boolean }, room: number): KnownBlock[] {
  const now = new Date();
  const active = p.waivers.filter((w) => w.status === 'active').sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  const waiting = p.waivers.filter((w) => w.status === 'pending_approval');
  const out: KnownBlock[] = [{ type: 'divider' }];
  out.push(
    mrkdwnSection(
      active.length > 0
        ? `*Accepted risks (WAIVED)* · ${active.length}, soonest to end first\n${active
            .slice(0, 15)
            .map((w) => `• ${literal(w.transformName)} (${w.accountId} · ${w.region}) until ${endDay(w)}, approved by ${mention(w.decidedBy ?? '').text}`)
            .join('\n')}`
        : '*Accepted risks (WAIVED)* · none',
    ),
  );
  const mine = viewer.approver ? waiting.filter((w) => w.requestedBy !== viewer.userId) : [];
  for (const w of mine.slice(0, 5)) {
    if (out.length + 2 > room) break;
    out.push(mrkdwnSection(`Waiver asked by ${mention(w.requestedBy).text}: *${literal(w.transformName)}* (${w.accountId} · ${w.region}) until ${endDay(w)}, for ${w.reasonCodes.join(', ')}: “${literal(truncate(w.justification, 200))}”`));
    const buttons = decisionButtons(w, now);
    if (buttons) out.push(buttons);
  }
  if (!viewer.approver && waiting.length > 0) out.push(mrkdwnContext(`${plural(waiting.length, 'waiver request')} waiting for an approver.`));
  return out;
}

const failures = (c: Record<string, Record<Status, number>> | undefined) => Object.values(c ?? {}).reduce((n, r) => n + r.FAIL, 0);

export function renderHome(p: Posture, viewer: { userId: string; approver: boolean }): HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'glue-encrypt · posture' } }];
  if (!p.run) {
    blocks.push(mrkdwnSection('No scheduled scan has run yet. Subscribe a channel (`/glue-encrypt subscribe daily 09:00`) or type `/glue-encrypt digest` there; meanwhile `/glue-encrypt check` checks on demand.'));
  } else {
    blocks.push(mrkdwnContext(`Last scan ${slackTime(p.run.startedAt)} · ${plural(p.accounts.length, 'account')} · ${p.run.regions.length === 1 ? p.run.regions[0]! : plural(p.run.regions.length, 'region')}`));
    // Worst accounts first; each on one section (its regions on lines).
    const accounts = [...p.accounts].sort((a, b) => failures(b.counts) - failures(a.counts) || a.accountId.localeCompare(b.accountId));
    const room = HOME_MAX_BLOCKS - 30;
    for (const a of accounts.slice(0, room)) {
      const regions = Object.entries(a.counts ?? {})
        .filter(([, c]) => Object.values(c).some((n) => n > 0))
        .map(([region, c]) => `${region}: ${counts(c)}`);
      const unreadable = [...new Set(a.errors.map((e) => e.region))];
      const lines = [`*${a.accountId}*  ${regions.length > 0 ? '' : 'no transforms'}`.trim(), ...regions, ...(unreadable.length > 0 ? [`:warning: unreadable: ${unreadable.join(', ')}`] : [])];
      blocks.push(mrkdwnSection(truncate(lines.join('\n'), LIMITS.sectionText)));
    }
    if (accounts.length > room) blocks.push(mrkdwnContext(`…and ${plural(accounts.length - room, 'more account')}; the channel digests list them all.`));
  }

  blocks.push({ type: 'divider' });
  const running = p.inFlight.filter((r) => r.status !== 'pending_approval');
  const waiting = p.inFlight.filter((r) => r.status === 'pending_approval');
  blocks.push(
    mrkdwnSection(
      running.length > 0
        ? `*Remediations in flight* · ${running.length}\n${running
            .slice(0, 20)
            .map((r) => `• ${literal(r.source.name)} (${r.accountId} · ${r.region}) — ${r.kind}, ${r.status.replace('_', ' ')}${r.step ? ` at ${r.step}` : ''}`)
            .join('\n')}`
        : '*Remediations in flight* · none',
    ),
  );
  if (viewer.approver) {
    // Four-eyes: a request the viewer made is someone else's to approve.
    const mine = waiting.filter((r) => r.requestedBy !== viewer.userId);
    blocks.push(mrkdwnSection(mine.length > 0 ? `*Waiting for your approval* · ${mine.length}` : '*Waiting for your approval* · nothing'));
    for (const r of mine.slice(0, 10)) {
      if (blocks.length + 3 > HOME_MAX_BLOCKS - 5) break;
      blocks.push(mrkdwnSection(`*${literal(r.source.name)}* (${r.accountId} · ${r.region}) — ${r.kind}, requested by ${mention(r.requestedBy).text} ${slackTime(r.requestedAt)}, expires ${slackTime(r.expiresAt)}`));
      blocks.push(decisionBlock(r));
    }
  } else if (waiting.length > 0) {
    blocks.push(mrkdwnContext(`${plural(waiting.length, 'request')} waiting for an approver.`));
  }

  blocks.push(...waiverBlocks(p, viewer, HOME_MAX_BLOCKS - 8 - blocks.length));

  blocks.push({ type: 'divider' });
  const byChannel = [...p.subscriptions].sort((a, b) => a.channelId.localeCompare(b.channelId));
  blocks.push(
    mrkdwnSection(
      byChannel.length > 0
        ? `*Digests*\n${byChannel
            .slice(0, 30)
            .map((s) => `• ${channelLink(s.channelId)} ${literal(describeSubscription(s))}: ${s.lastDigestAt ? `last ${slackTime(s.lastDigestAt)}` : 'none yet'}${s.lastError ? ` (:warning: ${literal(s.lastError)})` : ''}`)
            .join('\n')}`
        : '*Digests* · no channel subscribes yet',
    ),
  );
  return { type: 'home', blocks: blocks.slice(0, HOME_MAX_BLOCKS) };
}
