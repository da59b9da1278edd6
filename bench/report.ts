// The shape every benchmark section returns, the summary table, and bench/results.json.
import { writeFileSync } from 'node:fs';

/** One line of the summary table. `pass` is undefined for figures that have no target. */
export interface Row {
  figure: string;
  value: string;
  target?: string;
  pass?: boolean;
}

export interface Section {
  name: string;
  rows: Row[];
  /** Notes printed under the section (method, caveats). */
  notes: string[];
  /** Everything measured, for results.json. */
  data: Record<string, unknown>;
}

export function row(figure: string, value: string, target?: string, pass?: boolean): Row {
  return { figure, value, ...(target !== undefined ? { target } : {}), ...(pass !== undefined ? { pass } : {}) };
}

function verdict(r: Row): string {
  if (r.pass === undefined) return '';
  return r.pass ? 'PASS' : 'MISS';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Fixed-width table of every row, grouped by section. */
export function formatTable(sections: readonly Section[]): string {
  const header: Row = { figure: 'Figure', value: 'Value', target: 'Target' };
  const rows = sections.flatMap((s) => s.rows);
  const widths = {
    figure: Math.max(header.figure.length, ...rows.map((r) => r.figure.length)),
    value: Math.max(header.value.length, ...rows.map((r) => r.value.length)),
    target: Math.max(6, ...rows.map((r) => (r.target ?? '').length)),
  };
  const line = (r: Row, result: string): string =>
    `| ${pad(r.figure, widths.figure)} | ${pad(r.value, widths.value)} | ${pad(r.target ?? '', widths.target)} | ${pad(result, 6)} |`;
  const rule = `|${'-'.repeat(widths.figure + 2)}|${'-'.repeat(widths.value + 2)}|${'-'.repeat(widths.target + 2)}|--------|`;
  const out = [line(header, 'Result'), rule];
  for (const s of sections) {
    out.push(line({ figure: `**${s.name}**`, value: '' }, ''));
    for (const r of s.rows) out.push(line(r, verdict(r)));
  }
  return out.join('\n');
}

export function printSection(s: Section): void {
  console.log(`\n== ${s.name} ==`);
  for (const r of s.rows) {
    const target = r.target ? `  (target ${r.target}: ${verdict(r)})` : '';
    console.log(`  ${r.figure}: ${r.value}${target}`);
  }
  // Notes that start indented are continuation lines (lists) and get no bullet.
  for (const n of s.notes) console.log(n.startsWith(' ') ? `  ${n}` : `  - ${n}`);
}

export function writeResults(path: string, payload: Record<string, unknown>): void {
  writeFileSync(path, `${JSON.stringify(payload, null, 2)}\n`);
}

export function misses(sections: readonly Section[]): Row[] {
  return sections.flatMap((s) => s.rows.filter((r) => r.pass === false));
}
