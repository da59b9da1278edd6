// Renders a Slack message for a terminal, so `npm run demo` can show what the channel would.
// Plain text only: mrkdwn markers dropped, links shown by their label, entities decoded.

import { unescapeMrkdwn, withoutZeroWidthSpaces, type SlackMessage } from './blocks.js';

const RULE = '─'.repeat(60);

interface TextLike {
  type?: string;
  text?: string;
  alt_text?: string;
}

interface ElementLike {
  type?: string;
  text?: TextLike | string;
  alt_text?: string;
  placeholder?: TextLike;
}

interface BlockLike {
  type?: string;
  text?: TextLike;
  fields?: TextLike[];
  elements?: ElementLike[];
  accessory?: ElementLike;
  alt_text?: string;
  title?: TextLike;
}

/** Slack link syntax → readable text: <url|label> → label, <@U1> → @U1, <!here> → @here. */
function replaceLinks(text: string): string {
  return text.replace(/<([^<>]*)>/g, (_match, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? undefined : inner.slice(bar + 1);
    if (target.startsWith('@')) return label ? `@${label.replace(/^@/, '')}` : target;
    if (target.startsWith('#')) return label ? `#${label.replace(/^#/, '')}` : target;
    if (target.startsWith('!')) {
      if (label) return label;
      // <!subteam^S123> names a user group by ID; <!here>, <!channel> are special mentions.
      const [special, id] = target.slice(1).split('^');
      return `@${special === 'subteam' && id ? id : special}`;
    }
    return label ?? target;
  });
}

/** Drops *bold*, _italic_, ~strike~ and `code` markers where Slack would treat them as markup. */
function stripMarkers(text: string): string {
  let out = text.replace(/```\n?([\s\S]*?)\n?```/g, '$1');
  out = out.replace(/`([^`\n]+)`/g, '$1');
  for (const marker of ['*', '_', '~']) {
    const m = `\\${marker}`;
    // Markup only at word boundaries: customer_dedupe_v2 stays as it is.
    const pattern = new RegExp(`(^|[\\s(\\[{"'])${m}([^${m}\\n]+?)${m}(?=$|[\\s.,;:!?)\\]}"'])`, 'gm');
    out = out.replace(pattern, '$1$2');
  }
  return out;
}

function mrkdwnToText(text: string): string {
  return withoutZeroWidthSpaces(unescapeMrkdwn(stripMarkers(replaceLinks(text))));
}

function textOf(object: TextLike | string | undefined): string {
  if (object === undefined) return '';
  if (typeof object === 'string') return object;
  const raw = object.text ?? object.alt_text ?? '';
  return object.type === 'mrkdwn' ? mrkdwnToText(raw) : raw;
}

function elementText(element: ElementLike): string {
  switch (element.type) {
    case 'button':
    case 'workflow_button':
      return `[${textOf(element.text)}]`;
    case 'image':
      return element.alt_text ? `(${element.alt_text})` : '(image)';
    case 'mrkdwn':
    case 'plain_text':
      return textOf(element as TextLike);
    default:
      return element.placeholder ? `[${textOf(element.placeholder)} ▾]` : `[${element.type ?? 'element'}]`;
  }
}

function appendToFirstLine(text: string, suffix: string): string {
  if (!suffix) return text;
  const newline = text.indexOf('\n');
  if (newline === -1) return text ? `${text}    ${suffix}` : suffix;
  return `${text.slice(0, newline)}    ${suffix}${text.slice(newline)}`;
}

function blockText(block: BlockLike): string | undefined {
  switch (block.type) {
    case 'header': {
      const text = textOf(block.text);
      return `${text}\n${'='.repeat(Math.min(text.length, 60))}`;
    }
    case 'section': {
      // Continuation lines and fields indented, so each section reads as one item.
      const lines: string[] = [];
      if (block.text) {
        const [first = '', ...rest] = textOf(block.text).split('\n');
        lines.push(first, ...rest.map((line) => `  ${line}`));
      }
      for (const field of block.fields ?? []) lines.push(`  ${textOf(field).replace(/\n/g, '\n  ')}`);
      const body = lines.join('\n');
      return block.accessory ? appendToFirstLine(body, elementText(block.accessory)) : body;
    }
    case 'context':
      return (block.elements ?? []).map(elementText).join('  ');
    case 'actions':
      return (block.elements ?? []).map(elementText).join(' ');
    case 'divider':
      return RULE;
    case 'image':
      return `(image: ${block.alt_text ?? textOf(block.title)})`;
    case 'rich_text':
      return '(rich text)';
    default:
      return block.type ? `(${block.type} block)` : undefined;
  }
}

/** What a message would show, as plain text: one block a paragraph, buttons as [Label]. */
export function blocksToText(message: SlackMessage): string {
  if (message.blocks.length === 0) return mrkdwnToText(message.text);
  return message.blocks
    .map((block) => blockText(block as BlockLike))
    .filter((text): text is string => text !== undefined)
    .join('\n');
}
