// A channel's digest: the posture, what changed since its last digest, remediations in flight,
// the oldest open failure, then the worst failures with their Remediate buttons. What does not
// fit goes to the thread (failures beyond the first ones) and, past that, into a CSV file.
import type { KnownBlock } from '@slack/types';
import type { Finding, Status } from '../../checks/types.js';
import { describeCadence } from '../../digests/schedule.js';
import { nothingNew, type Changes, type DigestReport } from '../../digests/report.js';
import type { Subscription } from '../../digests/types.js';
import type { Remediation } from '../../remediation/types.js';
import { LIMITS, literal, mrkdwnContext, mrkdwnSection, plural, slackTime, truncate, type SlackMessage } from './blocks.js';
import { countsText, findingBlocks, findingSection } from './findings.js';

/** Failures shown with buttons in the digest message itself. */
export const TOP_FAILURES = 10;
/** Failure sections per thread reply, and replies before the rest goes into the CSV. */
const PER_REPLY = 40;
const MAX_REPLIES = 3;

export interface RenderedDigest {
  message: SlackMessage;
  replies: SlackMessage[];
  /** Failures (and warnings) listed in neither: attach them as a CSV in the thread. */
  unlisted: Finding[];
}

export interface DigestViewOptions {
  subscription: Subscription;
  inFlight: Remediation[];
  remediate: boolean;
  /** Accept-risk buttons under the failures shown in the message itself. */
  acceptRisk?: boolean;
  now: Date;
}

function totalsText(totals: Record<Status, number>): string {
  return countsText(totals, true) || 'no transforms';
}

/** "a, b and 3 more", as many names as fit in `budget` characters. */
function names(findings: readonly Finding[], budget = 400): string {
  const shown: string[] = [];
  let length = 0;
  for (const f of findings) {
    const piece = literal(f.name);
    if (length + piece.length > budget) break;
    shown.push(piece);
    length += piece.length + 2;
  }
  const more = findings.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function age(fromIso: string, now: Date): string {
  const hours = Math.max(0, (now.getTime() - Date.parse(fromIso)) / 3_600_000);
  return hours < 48 ? plural(Math.floor(hours), 'hour') : plural(Math.floor(hours / 24), 'day');
}

function changeLines(c: Changes): string[] {
  const lines: string[] = [];
  if (c.newFailures.length > 0) lines.push(`:red_circle: *${plural(c.newFailures.length, 'new failure')}*: ${names(c.newFailures)}`);
  if (c.fixed.length > 0) lines.push(`:white_check_mark: ${plural(c.fixed.length, 'fixed', 'fixed')}: ${names(c.fixed)}`);
  if (c.waived.length > 0) lines.push(`:shield: ${plural(c.waived.length, 'newly waived (accepted risk)', 'newly waived (accepted risk)')}: ${names(c.waived)}`);
  if (c.newTransforms.length > 0) lines.push(`:new: ${plural(c.newTransforms.length, 'new transform')}: ${names(c.newTransforms)}`);
  if (c.deletedTransforms.length > 0) lines.push(`:wastebasket: ${plural(c.deletedTransforms.length, 'transform')} deleted: ${names(c.deletedTransforms)}`);
  for (const k of c.keys) {
    const what = k.state === 'Disabled' ? '*disabled*' : k.deletionDate ? `*scheduled for deletion* on ${slackTime(k.deletionDate)}` : `*${literal(k.state)}*`;
    lines.push(`:key: Key \`${literal(k.arn)}\` ${what}; ${plural(k.transforms.length, 'transform')} encrypted with it: ${names(k.transforms, 300)}`);
  }
  return lines;
}

function inFlightLine(inFlight: Remediation[], now: Date): string | undefined {
  if (inFlight.length === 0) return undefined;
  const waiting = inFlight.filter((r) => r.status === 'pending_approval').sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  const running = inFlight.filter((r) => r.status !== 'pending_approval');
  const parts: string[] = [];
  if (running.length > 0) parts.push(`${running.length} running (${running.map((r) => literal(r.source.name)).slice(0, 5).join(', ')})`);
  if (waiting[0]) parts.push(`${plural(waiting.length, 'request')} waiting for approval, the oldest ${literal(waiting[0].source.name)} for ${age(waiting[0].requestedAt, now)}`);
  return `:hourglass_flowing_sand: Remediations: ${parts.join(' · ')}.`;
}

function unreadableLine(report: DigestReport): string | undefined {
  const parts: string[] = [];
  if (report.unreadable.length > 0) {
    const first = report.unreadable[0]!;
    const where = first.region === '-' ? first.accountId : `${first.accountId} · ${first.region}`;
    parts.push(`could not read ${plural(report.unreadable.length, 'account-region')} (${literal(where)}: ${literal(truncate(first.message, 300))}${report.unreadable.length > 1 ? ' …' : ''})`);
  }
  if (report.notScanned.length > 0) parts.push(`the scan of ${plural(report.notScanned.length, 'account')} did not finish (${report.notScanned.slice(0, 5).join(', ')}${report.notScanned.length > 5 ? ' …' : ''})`);
  return parts.length > 0 ? `:warning: Unreadable: ${parts.join('; ')}. Their transforms are left out of the totals and the changes.` : undefined;
}

export function renderDigest(report: DigestReport, options: DigestViewOptions): RenderedDigest {
  const { subscription: s, now } = options;
  const scope = `${plural(report.accounts, 'account')} · ${plural(report.accountRegions, 'account-region')}`;
  const cadence = describeCadence(s.cadence, s.timeZone);
  const transforms = Object.values(report.totals).reduce((a, b) => a + b, 0);
  const fallbackTotals = countsText(report.totals, false) || 'no transforms';

  if (nothingNew(report)) {
    // Nothing new: one line, so a quiet day costs the channel one glance.
    const text = `glue-encrypt digest (${cadence}): nothing changed since ${slackTime(report.changes!.since.at)}. ${totalsText(report.totals)} across ${scope}.`;
    return { message: { text: truncate(`glue-encrypt digest: nothing changed. ${fallbackTotals}.`, LIMITS.fallbackText), blocks: [mrkdwnSection(text)] }, replies: [], unlisted: [] };
  }

  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`glue-encrypt digest — ${scope}`, LIMITS.headerText) } },
    mrkdwnSection(`${totalsText(report.totals)}  (${plural(transforms, 'transform')}) · scanned ${slackTime(report.scannedAt)}`),
  ];
  const lines: string[] = [];
  if (report.changes) {
    lines.push(`*Since ${slackTime(report.changes.since.at)}:*`, ...changeLines(report.changes));
  } else {
    lines.push('*First digest of this subscription* (or its last one is past the snapshot retention): no changes to compare with yet.');
  }
  const unreadable = unreadableLine(report);
  if (unreadable) lines.push(unreadable);
  const inFlight = inFlightLine(options.inFlight, now);
  if (inFlight) lines.push(inFlight);
  const oldest = [...report.failures].filter((f) => f.since).sort((a, b) => a.since!.localeCompare(b.since!))[0];
  if (oldest) lines.push(`:calendar: Oldest open failure: *${literal(oldest.finding.name)}* (${oldest.finding.accountId} · ${oldest.finding.region}), failing since ${slackTime(oldest.since!)} (${age(oldest.since!, now)}).`);
  for (const text of packLines(lines)) blocks.push(mrkdwnSection(text));

  const listed = s.onlyFailures ? report.failures.map((f) => f.finding) : [...report.failures.map((f) => f.finding), ...report.others];
  const top = report.failures.slice(0, TOP_FAILURES).map((f) => f.finding);
  for (const f of top) blocks.push(...findingBlocks(f, { remediate: options.remediate, acceptRisk: options.acceptRisk }));
  const rest = listed.filter((f) => !top.includes(f));

  const replies: SlackMessage[] = [];
  let offset = 0;
  while (offset < rest.length && replies.length < MAX_REPLIES) {
    const page = rest.slice(offset, offset + PER_REPLY);
    replies.push({ text: `More of this digest: ${page.length} transforms`, blocks: page.map((f) => findingSection(f, options.remediate)) });
    offset += page.length;
  }
  const unlisted = rest.slice(offset);
  const closing: string[] = [];
  if (rest.length > 0) closing.push(`${plural(rest.length - unlisted.length, 'more transform')} in the thread${unlisted.length > 0 ? `, and all ${listed.length} in the CSV file there` : ''}.`);
  closing.push(`Digest ${s.id}: ${literal(cadence)}${s.onlyFailures ? ', failures only' : ''}. \`/glue-encrypt unsubscribe ${s.id}\` stops it.`);
  blocks.push(mrkdwnContext(closing.join(' ')));

  const summary = report.changes ? `${report.changes.newFailures.length} new failures, ${report.changes.fixed.length} fixed` : 'first digest';
  return {
    message: { text: truncate(`glue-encrypt digest: ${fallbackTotals} (${summary})`, LIMITS.fallbackText), blocks: blocks.slice(0, LIMITS.blocksPerMessage) },
    replies,
    unlisted: unlisted.length > 0 ? listed : [],
  };
}

/** Lines into as few sections as fit Slack's 3,000 characters each. */
function packLines(lines: string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of lines) {
    const piece = truncate(line, LIMITS.sectionText);
    if (current && current.length + 1 + piece.length > LIMITS.sectionText) {
      out.push(current);
      current = piece;
    } else current = current ? `${current}\n${piece}` : piece;
  }
  if (current) out.push(current);
  return out;
}

/** The scan could not even list the accounts to read: what the channel gets instead of its digest. */
export function renderScanFailed(s: Subscription, why: string): SlackMessage {
  const text =
    `:warning: *No glue-encrypt digest today (${literal(s.id)}):* the scheduled scan could not list the accounts to read.\n` +
    `${literal(why)}\n` +
    'The next digest will report every change since the last one this channel got. If it keeps failing, ask whoever deployed glue-encrypt to check the scan function\'s access to AWS Organizations (README: Organisation scan), then run `/glue-encrypt digest`.';
  return { text: truncate(`No glue-encrypt digest today: the scan could not list the accounts (${why})`, LIMITS.fallbackText), blocks: [mrkdwnSection(text)] };
}
