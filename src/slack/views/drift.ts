// A drift alert: what someone just did, who, and where the transforms it touches stand now,
// with Remediate where a fix applies. Later events of the same burst update the same message.
import type { KnownBlock } from '@slack/types';
import type { Assessment } from '../../drift/assess.js';
import type { AlertRecord } from '../../drift/alertStore.js';
import { LIMITS, literal, mrkdwnContext, mrkdwnSection, plural, slackTime, truncate, type SlackMessage } from './blocks.js';
import { findingBlocks } from './findings.js';

const SHOWN = 20;

function what(a: Assessment): string {
  const s = a.event.subject;
  if (s.kind === 'transform') return `transform ${literal(s.name ?? s.transformId ?? '')}`;
  if (s.kind === 'key') return `key \`${literal(s.key)}\``;
  return `security configuration ${literal(s.name)}`;
}

export function renderDriftAlert(a: Assessment, burst: AlertRecord, remediate: boolean, acceptRisk = false): SlackMessage {
  const e = a.event;
  const failing = a.affected.filter((f) => f.status === 'FAIL').length;
  const icon = failing > 0 ? ':rotating_light:' : ':large_green_circle:';
  const head = `${icon} *${literal(e.eventName)}* on ${what(a)} in ${e.accountId} · ${e.region}, by ${literal(e.actor.display)} (${slackTime(e.eventTime)})`;
  const lines: string[] = [head];
  if (a.unreadable) lines.push(`:warning: I could not read ${e.accountId} · ${e.region} to see what it changed: ${literal(a.unreadable.message)}`);
  else if (a.affected.length === 0) lines.push(e.subject.kind === 'transform' ? 'The transform no longer exists.' : 'No transform uses it now.');
  else lines.push(`${plural(a.affected.length, 'transform')} ${e.subject.kind === 'transform' ? 'now' : a.affected.length === 1 ? 'uses it; now' : 'use it; now'}: ${failing} failing.`);
  const blocks: KnownBlock[] = [mrkdwnSection(lines.join('\n'))];
  const ordered = [...a.affected].sort((x, y) => (x.status === 'FAIL' ? 0 : 1) - (y.status === 'FAIL' ? 0 : 1));
  for (const f of ordered.slice(0, SHOWN)) blocks.push(...findingBlocks(f, { remediate, acceptRisk }));
  const more = ordered.length - Math.min(ordered.length, SHOWN);
  const burstLine = burst.events > 1 ? `${plural(burst.events, 'event')} about it since ${slackTime(burst.firstAt)} (${burst.actors.map(literal).join(', ')}); this alert shows the latest.` : '';
  const context = [more > 0 ? `…and ${plural(more, 'more transform')}: /glue-encrypt check --region ${e.region} lists them.` : '', burstLine].filter(Boolean).join(' ');
  if (context) blocks.push(mrkdwnContext(context));
  return {
    text: truncate(`glue-encrypt drift: ${e.eventName} by ${e.actor.display} in ${e.accountId} · ${e.region}, ${failing} failing`, LIMITS.fallbackText),
    blocks: blocks.slice(0, LIMITS.blocksPerMessage),
  };
}
