// /glue-encrypt history and /glue-encrypt status: the audit trail of one transform, and the
// remediations waiting for approval or running.
import type { KnownBlock } from '@slack/types';
import type { AuditEvent } from '../../audit/auditLog.js';
import type { Remediation } from '../../remediation/types.js';
import { LIMITS, escapeMrkdwn, literal, mrkdwnContext, mrkdwnSection, plural, slackTime, truncate, type SlackMessage } from './blocks.js';

function actor(a: string): string {
  return a === 'system' ? 'workflow' : `<@${a}>`;
}

export function renderHistory(transform: string, events: AuditEvent[]): SlackMessage {
  const name = literal(transform);
  if (events.length === 0) {
    return { text: `No audit events for ${name}`, blocks: [mrkdwnSection(`No audit events for *${name}* in the configured accounts and regions.`)] };
  }
  const lines = events.map((e) => {
    const step = e.step ? ` · ${e.step}` : '';
    const detail = e.detail ? ` — ${literal(e.detail)}` : '';
    return truncate(`${slackTime(e.at)} ${actor(e.actor)} *${escapeMrkdwn(e.type)}*${step} (${e.outcome})${detail}`, 600);
  });
  // Newest last; when the trail is longer than fits, keep the newest and say how many were left out.
  const blocks: KnownBlock[] = [mrkdwnSection(`*Audit trail of ${name}* · ${plural(events.length, 'event')}`)];
  let chunk: string[] = [];
  const sections: string[] = [];
  for (const line of lines) {
    const candidate = [...chunk, line].join('\n');
    if (candidate.length > LIMITS.sectionText) {
      sections.push(chunk.join('\n'));
      chunk = [line];
    } else chunk.push(line);
  }
  if (chunk.length > 0) sections.push(chunk.join('\n'));
  const room = LIMITS.blocksPerMessage - 2;
  const shown = sections.slice(-room);
  if (shown.length < sections.length) blocks.push(mrkdwnContext('Older events left out; the full trail is in the audit table.'));
  for (const s of shown) blocks.push(mrkdwnSection(s));
  return { text: `Audit trail of ${name}: ${events.length} events`, blocks };
}

export function renderStatus(remediations: Remediation[]): SlackMessage {
  if (remediations.length === 0) return { text: 'No remediations in flight', blocks: [mrkdwnSection('No remediations are waiting for approval or running.')] };
  const lines = remediations.map(
    (r) =>
      `• *${literal(r.source.name)}* (\`${r.source.transformId}\`) ${r.accountId} · ${r.region} — ${r.kind}, ${r.status.replace('_', ' ')}${
        r.status === 'running' ? ` at ${r.step}` : ''
      }, requested by <@${r.requestedBy}> ${slackTime(r.requestedAt)}`,
  );
  const blocks: KnownBlock[] = [mrkdwnSection(`*Remediations in flight* · ${remediations.length}`)];
  let chunk = '';
  for (const line of lines) {
    if ((chunk + '\n' + line).length > LIMITS.sectionText) {
      blocks.push(mrkdwnSection(chunk));
      chunk = line;
    } else chunk = chunk ? `${chunk}\n${line}` : line;
    if (blocks.length >= LIMITS.blocksPerMessage - 1) break;
  }
  if (chunk && blocks.length < LIMITS.blocksPerMessage) blocks.push(mrkdwnSection(chunk));
  return { text: `${remediations.length} remediations in flight`, blocks };
}
