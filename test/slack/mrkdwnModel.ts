// How Slack reads mrkdwn, as far as a test needs it: which spans it would format, link or
// turn into an emoji. Code spans format nothing inside; *, _ and ~ mark up only at a word
// boundary (customer_dedupe_v2 stays as it is); :name: becomes an emoji outside code.

export interface FormattedSpan {
  kind: 'bold' | 'italic' | 'strike' | 'emoji' | 'code' | 'control';
  content: string;
}

const MARKERS = { '*': 'bold', _: 'italic', '~': 'strike' } as const;

export function formattedSpans(text: string): FormattedSpan[] {
  const spans: FormattedSpan[] = [];
  for (const m of text.matchAll(/<([^<>]*)>/g)) spans.push({ kind: 'control', content: m[1]! });
  const codeless = text.replace(/```[\s\S]*?```|`[^`\n]+`/g, (c) => {
    spans.push({ kind: 'code', content: c.replace(/`/g, '') });
    return ' ';
  });
  for (const [marker, kind] of Object.entries(MARKERS)) {
    const m = `\\${marker}`;
    const pattern = new RegExp(`(?:^|[\\s(\\[{"'])${m}([^${m}\\s](?:[^${m}\\n]*?[^${m}\\s])?)${m}(?=$|[\\s.,;:!?)\\]}"'])`, 'gm');
    for (const found of codeless.matchAll(pattern)) spans.push({ kind, content: found[1]! });
  }
  for (const found of codeless.matchAll(/:([a-z0-9_+'-]+):/gi)) spans.push({ kind: 'emoji', content: found[1]! });
  return spans;
}
