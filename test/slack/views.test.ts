import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { blockKitProblems } from '../../src/sandbox/slack.js';
import { COMMANDS, OPTIONS } from '../../src/slack/commands.js';
import { renderHelp, renderUsageError } from '../../src/slack/views/help.js';
import { renderFailure, renderNotice } from '../../src/slack/views/notice.js';
import { blocksToText } from '../../src/slack/views/terminal.js';
import { withoutZeroWidthSpaces } from '../../src/slack/views/blocks.js';

describe('renderHelp', () => {
  const help = renderHelp();
  const text = blocksToText(help);

  it('lists every command and option the parser accepts, and examples', () => {
    for (const spec of Object.values(COMMANDS)) expect(text).toContain(`/glue-encrypt ${spec.usage}`);
    for (const name of Object.keys(OPTIONS)) expect(text).toContain(`--${name} `);
    expect(text).toContain('/glue-encrypt check "customer dedupe v2" --region eu-west-1');
    expect(help.text).toMatch(/^\/glue-encrypt: check AWS Glue ML transforms/);
    expect(blockKitProblems(help.blocks)).toEqual([]);
  });

  it('escapes the angle brackets of the usage for Slack', () => {
    const raw = JSON.stringify(help.blocks);
    expect(raw).toContain('&lt;transform id or name&gt;');
    expect(raw).not.toContain('<transform id or name>');
  });
});

describe('renderUsageError', () => {
  it('shows the problem first, escaped, then the usage', () => {
    const message = renderUsageError('I don\'t know the command "<!here>". Commands: check, history, status, help.');
    const first = message.blocks[0];
    expect(first).toMatchObject({ type: 'section' });
    expect(first?.type === 'section' ? first.text?.text : '').toBe(
      ':warning: I don\'t know the command "&lt;!here&gt;". Commands: check, history, status, help.',
    );
    expect(message.text).not.toContain('<!here>');
    expect(blocksToText(message)).toContain('/glue-encrypt check [<transform id or name>]');
  });
});

describe('renderNotice and renderFailure', () => {
  it('renders a notice as one section, escaped', () => {
    const message = renderNotice('Checking transform a<b> in 123456789012 · eu-west-1… results will appear in this channel.');
    expect(message.blocks).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', verbatim: true, text: 'Checking transform a&lt;b&gt; in 123456789012 · eu-west-1… results will appear in this channel.' },
      },
    ]);
    expect(message.text).toBe(message.blocks[0]?.type === 'section' ? message.blocks[0].text?.text : '');
  });

  it('renders a failure as what, why and what to do', () => {
    const message = renderFailure(
      'I checked, but could not post the findings in this channel.',
      'Slack said: not_in_channel.',
      'Invite the bot to the channel (/invite @glue-encrypt) and run the check again.',
    );
    expect(blocksToText(message)).toBe(
      ':warning: I checked, but could not post the findings in this channel.\n' +
        '  Slack said: not_in_channel.\n' +
        '  Invite the bot to the channel (/invite @glue-encrypt) and run the check again.',
    );
    expect(withoutZeroWidthSpaces(message.text)).toBe('I checked, but could not post the findings in this channel. Slack said: not_in_channel.');
  });

  it('keeps a very long notice within the section limit', () => {
    const message = renderNotice('x'.repeat(5000));
    const block = message.blocks[0];
    expect(block?.type === 'section' ? block.text?.text.length : 0).toBe(3000);
  });
});

describe('blocksToText', () => {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Approval needed' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          '<@U0ALICE|alice> asks to encrypt *customer_dedupe_v2* (`tfm-7c1e…`) in ~old~ <#C0SEC|security>.\n' +
          'See <https://example.com/runbook|the runbook> or <https://example.com/raw>; 2 * 3 &lt; 7 &amp; _done_.',
      },
      accessory: { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' } },
    },
    { type: 'section', fields: [{ type: 'mrkdwn', text: '*Requested by*' }, { type: 'plain_text', text: 'alice' }] },
    { type: 'divider' },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Approvers: <!subteam^S0SEC|@security-leads> · <!here>' }] },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, style: 'primary' },
        { type: 'button', action_id: 'reject', text: { type: 'plain_text', text: 'Reject' }, style: 'danger' },
      ],
    },
  ];

  it('renders headers, sections, fields, dividers, context and buttons as plain text', () => {
    expect(blocksToText({ text: 'fallback', blocks })).toBe(
      [
        'Approval needed',
        '===============',
        '@alice asks to encrypt customer_dedupe_v2 (tfm-7c1e…) in old #security.    [Approve]',
        '  See the runbook or https://example.com/raw; 2 * 3 < 7 & done.',
        '  Requested by',
        '  alice',
        '─'.repeat(60),
        'Approvers: @security-leads · @here',
        '[Approve] [Reject]',
      ].join('\n'),
    );
  });

  it('falls back to the text when there are no blocks', () => {
    expect(blocksToText({ text: '*Done*: &lt;3 <https://x.example|link>', blocks: [] })).toBe('Done: <3 link');
  });
});
