// 5. Rendering: the whole scan as Slack messages, checked against Block Kit's limits.
import type { ScanResult } from '../src/inventory/types.js';
import { blockKitProblems } from '../src/sandbox/slack.js';
import { renderScan, type SlackMessage } from '../src/slack/views/findings.js';
import { row, type Section } from './report.js';
import { median, ms } from './stats.js';

const RUNS = 20;
const MAX_BLOCKS = 50;
const MAX_SECTION_TEXT = 3_000;

interface BlockLike {
  type?: string;
  text?: { text?: string };
  fields?: { text?: string }[];
}

function largestSectionText(messages: readonly SlackMessage[]): number {
  let largest = 0;
  for (const m of messages) {
    for (const b of m.blocks as BlockLike[]) {
      if (b.type !== 'section') continue;
      largest = Math.max(largest, b.text?.text?.length ?? 0, ...(b.fields ?? []).map((f) => f.text?.length ?? 0));
    }
  }
  return largest;
}

export function benchRender(result: ScanResult): Section {
  const times: number[] = [];
  let messages: SlackMessage[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    messages = renderScan(result, { remediate: true });
    times.push(performance.now() - started);
  }
  const problems = messages.flatMap((m, i) => blockKitProblems(m.blocks).map((p) => `message ${i + 1}: ${p}`));
  const maxBlocks = Math.max(...messages.map((m) => m.blocks.length));
  const largest = largestSectionText(messages);
  const longestFallback = Math.max(...messages.map((m) => m.text.length));
  const buttons = messages.reduce((n, m) => n + JSON.stringify(m.blocks).split('"type":"button"').length - 1, 0);
  return {
    name: `5. Rendering (${result.findings.length} findings, renderScan remediate: true)`,
    rows: [
      row('messages', String(messages.length)),
      row('blocks per message (max)', String(maxBlocks), `<= ${MAX_BLOCKS}`, maxBlocks <= MAX_BLOCKS),
      row('largest section text', `${largest} chars`, `<= ${MAX_SECTION_TEXT}`, largest <= MAX_SECTION_TEXT),
      row('blockKitProblems', problems.length === 0 ? 'none' : `${problems.length}`, 'none', problems.length === 0),
      row('render time, first', ms(times[0] ?? Number.NaN, 2)),
      row(`render time, median of ${RUNS}`, ms(median(times), 2)),
    ],
    notes: [
      `Blocks per message: ${messages.map((m) => m.blocks.length).join(', ')}; Remediate buttons: ${buttons}; longest fallback text ${longestFallback} chars.`,
      ...problems.slice(0, 5),
    ],
    data: {
      messages: messages.length,
      blocksPerMessage: messages.map((m) => m.blocks.length),
      largestSectionText: largest,
      longestFallback,
      buttons,
      problems,
      timesMs: times,
    },
  };
}
