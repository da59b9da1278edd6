// A scan as Slack messages: summary first, then what needs attention, then the rest condensed.
// Pure: a ScanResult in, messages within Block Kit limits out.

import type { Button, KnownBlock } from '@slack/types';
import * as z from 'zod/mini';
import { ACCOUNT_PATTERN, REGION_PATTERN } from '../../config.js';
import type { Finding, Severity, Status } from '../../checks/types.js';
import { summarize } from '../../checks/evaluate.js';
import { severityRank, statusRank } from '../../checks/reasons.js';
import type { ScanResult, ScopeError } from '../../inventory/types.js';
import { parseButtonValue } from '../buttonValues.js';
import { escapeMrkdwn, literal, LIMITS, mrkdwnContext, mrkdwnSection, plural, truncate } from './blocks.js';
import type { SlackMessage } from './blocks.js';
import { consoleLinksLine } from './consoleLinks.js';
import { acceptRiskButton, findingWaiverText } from './waivers.js';

export type { SlackMessage } from './blocks.js';

export interface RenderScanOptions {
  /** Put a Remediate button on each FAIL section. */
  remediate: boolean;
  /** Put an Accept-risk button under each FAIL section (waivers need the state and audit tables). */
  acceptRisk?: boolean;
  /** Replaces "Glue ML transforms" at the start of the header (e.g. for digests). */
  title?: string;
  /** Most messages to produce (default 5); what does not fit is counted in a closing line. */
  maxMessages?: number;
  /** What does not fit will be in a CSV file in the first message's thread (the closing line says so); otherwise it points to the CLI. */
  fullListInThread?: boolean;
}

/** The messages, and how many findings they could not list. */
export interface RenderedScan {
  messages: SlackMessage[];
  unlisted: number;
}

export const REMEDIATE_ACTION_ID = 'remediate';

/** What the Remediate button carries: account, region, transform ID (short keys keep it small). */
export interface RemediateActionValue {
  a: string;
  r: string;
  t: string;
}

const remediateValueSchema = z.strictObject({
  a: z.string().check(z.regex(ACCOUNT_PATTERN)),
  r: z.string().check(z.regex(REGION_PATTERN)),
  t: z.string().check(z.minLength(1), z.maxLength(255)),
});

/** Reads a Remediate button's value back; undefined when it is not one of ours. */
export function parseRemediateValue(value: string): RemediateActionValue | undefined {
  return parseButtonValue(remediateValueSchema, value);
}

const DEFAULT_TITLE = 'Glue ML transforms';
const DEFAULT_MAX_MESSAGES = 5;
const CLI_HINT = 'run `glue-encrypt check --json` from the CLI';
/** Scope errors get at most this many sections; the rest are counted. */
const MAX_SCOPE_ERROR_SECTIONS = 3;


/** "tfm-7c1e0a3b…" for a full Glue ID; other strings unchanged. */
export function shortTransformId(transformId: string): string {
  return /^tfm-[0-9a-f]{9,}$/i.test(transformId) ? `${transformId.slice(0, 12)}…` : transformId;
}

function unique<T>(values: Iterable<T | undefined>): T[] {
  const seen: T[] = [];
  for (const value of values) if (value !== undefined && !seen.includes(value)) seen.push(value);
  return seen;
}

interface Scope {
  accounts: string[];
  regions: string[];
  /** Distinct account/region pairs asked for. */
  targetCount: number;
}

function scopeOf(result: ScanResult): Scope {
  const accounts = unique([
    ...result.targets.map((t) => t.accountId),
    ...result.findings.map((f) => f.accountId),
    ...result.scopeErrors.map((e) => e.accountId),
  ]);
  const regions = unique([
    ...result.targets.map((t) => t.region),
    ...result.findings.map((f) => f.region),
    ...result.scopeErrors.map((e) => e.region),
  ]);
  const targetCount = unique(result.targets.map((t) => `${t.accountId ?? ''}|${t.region}`)).length;
  return { accounts, regions, targetCount };
}

function scopeLabel(scope: Scope): string {
  const accounts =
    scope.accounts.length === 0
      ? 'this account'
      : scope.accounts.length <= 2
        ? scope.accounts.join(', ')
        : plural(scope.accounts.length, 'account');
  const regions =
    scope.regions.length === 0
      ? 'no regions'
      : scope.regions.length <= 3
        ? scope.regions.join(', ')
        : plural(scope.regions.length, 'region');
  return `${accounts} · ${regions}`;
}

function utcTime(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

/** "3 FAIL · 1 WARN · 41 PASS", zero counts left out; `bold` stars the statuses that need action. */
export function countsText(counts: Record<Status, number>, bold: boolean): string {
  const parts = (Object.keys(counts) as Status[])
    .sort(byStatusFirst)
    .filter((status) => counts[status] > 0)
    .map((status) => {
      const text = `${counts[status]} ${status}`;
      return bold && status !== 'PASS' ? `*${text}*` : text;
    });
  return parts.join(' · ');
}

/** Worst status first. */
const byStatusFirst = (a: Status, b: Status): number => statusRank(b) - statusRank(a);

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareReasons(a, b) ||
    a.accountId.localeCompare(b.accountId) ||
    a.region.localeCompare(b.region) ||
    a.name.localeCompare(b.name) ||
    a.transformId.localeCompare(b.transformId)
  );
}

/** Worst status first, then highest severity. */
function compareReasons(a: { status: Status; severity: Severity }, b: { status: Status; severity: Severity }): number {
  return byStatusFirst(a.status, b.status) || severityRank(b.severity) - severityRank(a.severity);
}

/** Which of account and region to show on each finding: those that vary across the scan. */
interface ShowWhere {
  accounts: boolean;
  regions: boolean;
}

function findingText(finding: Finding, show: ShowWhere): string {
  const name = literal(finding.name);
  // A name containing "*" would break the bold markers; show it plain then.
  const shownName = finding.name.includes('*') ? name : `*${name}*`;
  let head = `*${finding.status}*  ${shownName}  (\`${escapeMrkdwn(shortTransformId(finding.transformId))}\`)`;
  const where = [show.accounts ? finding.accountId : undefined, show.regions ? finding.region : undefined];
  const shownWhere = where.filter((part): part is string => part !== undefined).map(escapeMrkdwn);
  if (shownWhere.length > 0) head += `  ·  ${shownWhere.join(' · ')}`;

  const reasons = [...finding.reasons].sort(compareReasons);
  const mixed = unique(reasons.map((r) => r.status)).length > 1;
  const lines = reasons.map((reason) => {
    const label = mixed && reason.status !== finding.status ? `(${reason.status}) ` : '';
    return `${reasons.length > 1 ? '• ' : ''}${label}${literal(reason.message)}`;
  });
  if (lines.length === 0) lines.push('No details were recorded for this finding.');

  const controls = unique(reasons.flatMap((r) => r.controls));
  const links = consoleLinksLine({
    region: finding.region,
    transformId: finding.transformId,
    key: finding.encryption.kmsKeyId,
    securityConfiguration: finding.encryption.securityConfigurationName,
  });
  // The waiver line is kept whole with the footer: who accepted the risk is never cut off.
  const waiver = finding.waiver ? `${findingWaiverText(finding.waiver)}\n` : '';
  const footer = `${waiver}_${[...controls.map(literal), `severity ${finding.severity.toLowerCase()}`].join(' · ')}_${links ? `\n${links}` : ''}`;

  // Keep the head and footer whole; shorten the reasons if the section would be too long.
  const budget = LIMITS.sectionText - head.length - footer.length - 2;
  const body = truncate(lines.join('\n'), Math.max(budget, 1));
  return truncate(`${head}\n${body}\n${footer}`, LIMITS.sectionText);
}

/** One finding as a section, account and region shown, with its Remediate button when `remediate`. */
export function findingSection(finding: Finding, remediate: boolean): KnownBlock {
  return findingBlocks(finding, { remediate }, { accounts: true, regions: true })[0]!;
}

/**
 * A finding's section, and under a FAIL one its Accept-risk button when `acceptRisk`. A WAIVED one
 * keeps Remediate: an accepted risk may still be fixed, which is better than waiting out the waiver.
 */
export function findingBlocks(finding: Finding, options: { remediate: boolean; acceptRisk?: boolean }, show: ShowWhere = { accounts: true, regions: true }): KnownBlock[] {
  const fixable = finding.status === 'FAIL' || finding.status === 'WAIVED';
  const button = options.remediate && fixable ? remediateButton(finding) : undefined;
  const blocks: KnownBlock[] = [mrkdwnSection(findingText(finding, show), button)];
  const accept = options.acceptRisk && finding.status === 'FAIL' ? acceptRiskButton(finding) : undefined;
  if (accept) blocks.push({ type: 'actions', elements: [accept] });
  return blocks;
}

function remediateButton(finding: Finding): Button | undefined {
  const value = JSON.stringify({
    a: finding.accountId,
    r: finding.region,
    t: finding.transformId,
  } satisfies RemediateActionValue);
  if (value.length > LIMITS.buttonValue) return undefined; // cannot happen with real IDs; never post an invalid button
  return {
    type: 'button',
    action_id: REMEDIATE_ACTION_ID,
    text: { type: 'plain_text', text: 'Remediate' },
    style: 'primary',
    value,
    accessibility_label: truncate(`Remediate ${finding.name}`, LIMITS.buttonText),
  };
}

/** "…and 41 passing transforms: a, b, c." with as many names as fit in one section. */
function passingText(passing: readonly Finding[], othersListed: boolean): string {
  const lead = othersListed
    ? `…and ${plural(passing.length, 'passing transform')}`
    : passing.length === 1
      ? 'The transform passes'
      : `All ${passing.length} transforms pass`;
  const names = passing.map((f) => literal(f.name)).sort((a, b) => a.localeCompare(b));
  const reserve = `, and ${names.length} more.`.length;
  let text = `${lead}: `;
  let shown = 0;
  for (const name of names) {
    const piece = shown === 0 ? name : `, ${name}`;
    const isLast = shown === names.length - 1;
    if (text.length + piece.length > LIMITS.sectionText - (isLast ? 1 : reserve)) break;
    text += piece;
    shown += 1;
  }
  if (shown === names.length) return `${text}.`;
  if (shown === 0) return `${lead}.`;
  return `${text}, and ${names.length - shown} more.`;
}

interface ScopeErrorGroup {
  accountId?: string;
  regions: string[];
  error: ScopeError;
}

function groupScopeErrors(errors: readonly ScopeError[]): ScopeErrorGroup[] {
  const groups = new Map<string, ScopeErrorGroup>();
  for (const error of errors) {
    const key = JSON.stringify([error.accountId ?? '', error.operation, error.code, error.message]);
    const group = groups.get(key);
    if (group) {
      if (!group.regions.includes(error.region)) group.regions.push(error.region);
    } else {
      groups.set(key, {
        ...(error.accountId !== undefined ? { accountId: error.accountId } : {}),
        regions: [error.region],
        error,
      });
    }
  }
  return [...groups.values()];
}

function scopeErrorSections(result: ScanResult, scope: Scope): KnownBlock[] {
  if (result.scopeErrors.length === 0) return [];
  const failed = unique(result.scopeErrors.map((e) => `${e.accountId ?? ''}|${e.region}`)).length;
  const noun = scope.accounts.length <= 1 ? 'region' : 'account-region';
  const total = Math.max(scope.targetCount, failed);
  const heading = `*I couldn't read ${total > failed ? `${failed} of ${plural(total, noun)}` : plural(failed, noun)}.*`;
  const closing =
    total > failed
      ? `The other ${plural(total - failed, noun)} ${total - failed === 1 ? 'was' : 'were'} checked.`
      : 'These results may be incomplete.';

  const lines = groupScopeErrors(result.scopeErrors).map((group) => {
    const where = group.accountId ? `${group.accountId} · ${group.regions.join(', ')}` : group.regions.join(', ');
    const { operation, code, message } = group.error;
    return truncate(
      `• *${escapeMrkdwn(where)}* (${escapeMrkdwn(operation)}: ${literal(code)}): ${literal(message)}`,
      LIMITS.sectionText - heading.length - 1,
    );
  });

  // Pack lines into sections: heading on the first, closing on the last.
  const sections: string[] = [];
  let current = heading;
  let index = 0;
  for (; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (current.length + 1 + line.length <= LIMITS.sectionText) {
      current += `\n${line}`;
      continue;
    }
    if (sections.length + 1 >= MAX_SCOPE_ERROR_SECTIONS) break;
    sections.push(current);
    current = line;
  }
  const skipped = lines.length - index;
  const tail = skipped > 0 ? `…and ${plural(skipped, 'more error')}; for all of them, ${CLI_HINT}.\n${closing}` : closing;
  if (current.length + 1 + tail.length <= LIMITS.sectionText) {
    current += `\n${tail}`;
    sections.push(current);
  } else {
    sections.push(current);
    if (sections.length < MAX_SCOPE_ERROR_SECTIONS) {
      sections.push(tail);
    } else {
      const last = sections.pop() ?? '';
      sections.push(truncate(last, LIMITS.sectionText - tail.length - 2) + `\n${tail}`);
    }
  }
  return sections.map((text) => mrkdwnSection(text));
}

interface Item {
  blocks: KnownBlock[];
  /** The findings this block shows; counted in the closing line if it does not fit. */
  findings: readonly Finding[];
}

/**
 * Renders a scan as one or more messages (at most `maxMessages`), each within Slack's limits.
 * The first message carries the header and the totals; later ones a "continued" line.
 */
export function renderScan(result: ScanResult, options: RenderScanOptions): SlackMessage[] {
  return renderScanPages(result, options).messages;
}

export function renderScanPages(result: ScanResult, options: RenderScanOptions): RenderedScan {
  if (!options.acceptRisk) return renderPages(result, options, false);
  // Accept risk takes a block of its own under each failure. When that would push failures out of
  // the messages, every failure listed wins: the buttons go, and the totals say where to get them.
  const withButtons = renderPages(result, options, false);
  if (withButtons.unlisted === 0) return withButtons; // everything fits: no second rendering
  const without = renderPages(result, { ...options, acceptRisk: false }, true);
  return withButtons.unlisted > without.unlisted ? without : withButtons;
}

function renderPages(result: ScanResult, options: RenderScanOptions, acceptRiskOmitted: boolean): RenderedScan {
  const title = options.title ?? DEFAULT_TITLE;
  const maxMessages = Math.max(1, Math.floor(options.maxMessages ?? DEFAULT_MAX_MESSAGES));
  const scope = scopeOf(result);
  const where = scopeLabel(scope);
  const showWhere: ShowWhere = { accounts: scope.accounts.length > 1, regions: scope.regions.length > 1 };
  const counts = summarize(result.findings);
  const { stats } = result;

  const first: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${title} — ${where} · ${utcTime(result.finishedAt)}`, LIMITS.headerText) },
    },
  ];

  const totals = `(${plural(result.findings.length, 'transform')}, ${plural(stats.keys, 'key')}, ${plural(stats.securityConfigurations, 'security configuration')})`;
  let fallback: string;
  if (result.notFound !== undefined) {
    const name = literal(result.notFound);
    const hint =
      result.scopeErrors.length > 0
        ? " Some places couldn't be read (see below), so it may be there."
        : ' Check the name or ID; `/glue-encrypt check` without a transform checks them all.';
    first.push(mrkdwnSection(`I couldn't find a transform named or with ID *${name}* in ${escapeMrkdwn(where)}.${hint}`));
    fallback = `${title}: no transform ${name} in ${where}`;
  } else if (result.findings.length === 0) {
    first.push(mrkdwnSection(`No ML transforms in ${escapeMrkdwn(where)}.   ${totals}`));
    fallback = `${title}: no ML transforms in ${where}`;
  } else {
    const hint = acceptRiskOmitted && counts.FAIL > 0 ? '\nTo accept the risk of one failing transform, `/glue-encrypt check <transform>` shows it with its Accept risk button.' : '';
    first.push(mrkdwnSection(`${countsText(counts, true)}   ${totals}${hint}`));
    fallback = `${title} — ${where}: ${countsText(counts, false)}`;
  }
  first.push(...scopeErrorSections(result, scope));
  if (result.waiverError) first.push(mrkdwnSection(`:warning: ${literal(result.waiverError)}`));

  const attention = result.findings.filter((f) => f.status !== 'PASS').sort(compareFindings);
  const passing = result.findings.filter((f) => f.status === 'PASS');
  const items: Item[] = attention.map((finding) => ({ blocks: findingBlocks(finding, options, showWhere), findings: [finding] }));
  if (passing.length > 0) {
    items.push({ blocks: [mrkdwnSection(passingText(passing, attention.length > 0))], findings: passing });
  }
  if (items.length > 0) first.push({ type: 'divider' });

  // Pack the items into pages of at most 50 blocks, keeping room on the last allowed page
  // for the line that counts what was left out.
  const pages: KnownBlock[][] = [first];
  let index = 0;
  while (index < items.length) {
    const page = pages[pages.length - 1] ?? first;
    const lastAllowed = pages.length >= maxMessages;
    const item = items[index];
    const need = (item?.blocks.length ?? 1) + (lastAllowed && items.length - index > 1 ? 1 : 0);
    if (item && LIMITS.blocksPerMessage - page.length >= need) {
      page.push(...item.blocks);
      index += 1;
      continue;
    }
    if (lastAllowed) break;
    pages.push([mrkdwnContext('…')]); // text set below
  }

  const left = items.slice(index).flatMap((item) => item.findings);
  if (left.length > 0) {
    // The packing loop keeps at least one free block on the last page for this line.
    const page = pages[pages.length - 1] ?? first;
    page.push(
      mrkdwnSection(
        `${plural(left.length, 'transform')} not listed here (${countsText(summarize(left), false)}). ` +
          (options.fullListInThread ? 'Every finding is in the CSV file in the thread of the first message.' : `For everything, ${CLI_HINT}.`),
      ),
    );
  }

  const messages = pages.map((blocks, i) => {
    if (i === 0) return { text: truncate(fallback, LIMITS.fallbackText), blocks };
    const continued = `${escapeMrkdwn(title)} — ${escapeMrkdwn(where)} · continued (${i + 1} of ${pages.length})`;
    blocks[0] = mrkdwnContext(continued);
    return { text: truncate(continued, LIMITS.fallbackText), blocks };
  });
  return { messages, unlisted: left.length };
}
