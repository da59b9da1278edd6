import { describe, expect, it } from 'vitest';
import { code, literal, mention, mrkdwn, Mrkdwn, withoutZeroWidthSpaces, unescapeMrkdwn } from '../../src/slack/views/blocks.js';
import { renderFailure } from '../../src/slack/views/notice.js';
import { parseCommand } from '../../src/slack/commands.js';
import { formattedSpans } from './mrkdwnModel.js';

const HOSTILE = '<!channel> & <https://x|y> <@U0EVIL> *b* _i_ ~s~ `c` :fire:';
/** What a reader sees: entities decoded, the invisible spaces gone. */
const seen = (text: string) => withoutZeroWidthSpaces(unescapeMrkdwn(text));

describe('the model of how Slack formats mrkdwn', () => {
  it('formats markers at word boundaries, emoji codes and controls, and nothing inside code', () => {
    expect(formattedSpans('*b* _i_ ~s~ :fire: <!channel>').map((s) => `${s.kind}:${s.content}`).sort()).toEqual(
      ['bold:b', 'control:!channel', 'emoji:fire', 'italic:i', 'strike:s'].sort(),
    );
    expect(formattedSpans('customer_dedupe_v2 a*b*c').filter((s) => s.kind !== 'code')).toEqual([]);
    expect(formattedSpans('`*b* :fire:`').map((s) => s.kind)).toEqual(['code']);
  });
});

describe('literal text in mrkdwn', () => {
  it('shows a hostile name as written, with no mention, link, formatting or emoji', () => {
    const text = `*Name:* ${literal(HOSTILE)}`;
    expect(formattedSpans(text)).toEqual([{ kind: 'bold', content: 'Name:' }]);
    expect(seen(text)).toBe(`*Name:* ${HOSTILE.replaceAll('`', '\u02CB')}`);
  });

  it('leaves ordinary names, ARNs, paths and times exactly as they were (nothing hidden to copy)', () => {
    for (const plain of ['customer_dedupe_v2', 'orders-match 09:32', 'arn:aws:kms:eu-west-1:111111111111:key/k-1', 's3://bucket/glue_encrypt/x', 'a*b~c']) {
      expect(literal(plain)).toBe(plain);
    }
  });

  it('a name copied from a message into a command still matches: the parser drops the zero-width spaces', () => {
    const parsed = parseCommand(`check ${literal('_legacy_ dedupe')}`.replace(/ dedupe/, '-dedupe'));
    expect(parsed).toMatchObject({ kind: 'check', transform: '_legacy_-dedupe' });
  });

  it('breaks an emoji code right after a backtick too', () => {
    expect(formattedSpans(literal('`:fire:`')).filter((s) => s.kind === 'emoji')).toEqual([]);
  });

  it('keeps code as code unless a backtick would end it early', () => {
    expect(code('s3://bucket/glue_encrypt/a*b')).toBe('`s3://bucket/glue_encrypt/a*b`');
    expect(formattedSpans(code('x` *b* `y')).filter((s) => s.kind !== 'code')).toEqual([]);
    expect(code('<!channel>')).toBe('`&lt;!channel&gt;`');
  });

  it('a template keeps its own markup and the mentions it is given; its values are literal', () => {
    const built = mrkdwn`*${HOSTILE}* asked by ${mention('U0ALICE')}`;
    expect(built).toBeInstanceOf(Mrkdwn);
    const spans = formattedSpans(built.text);
    expect(spans.filter((s) => s.kind === 'control').map((s) => s.content)).toEqual(['@U0ALICE']);
    expect(spans.filter((s) => s.kind === 'emoji' || s.kind === 'italic' || s.kind === 'strike')).toEqual([]);
    expect(mention('<!channel>').text).toBe('&lt;!channel&gt;');
  });

  it("a failure's cause that quotes a name cannot mention or format; the bot's own mention stays", () => {
    const message = renderFailure('I could not prepare the plan.', `Transform ${HOSTILE} changed <@U0ALICE>`, 'Try again.');
    const section = (message.blocks[0] as { text: { text: string } }).text.text;
    for (const text of [message.text, section]) {
      const spans = formattedSpans(text);
      expect(spans.filter((s) => s.kind === 'control')).toEqual([]);
      expect(spans.filter((s) => s.kind === 'emoji' && s.content === 'fire')).toEqual([]);
      expect(spans.filter((s) => s.kind === 'italic' || s.kind === 'strike')).toEqual([]);
    }
    const withMention = renderFailure('Only the requester can change the key.', mrkdwn`${mention('U0ALICE')} made this request.`, 'Ask them.');
    expect(withMention.text).toContain('<@U0ALICE> made this request.');
  });
});
