import type { Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/checks/types.js';
import { blockKitProblems } from '../../src/sandbox/slack.js';
import { escapeMrkdwn, truncate } from '../../src/slack/views/blocks.js';
import type { SlackMessage } from '../../src/slack/views/blocks.js';
import { parseRemediateValue, renderScan, shortTransformId } from '../../src/slack/views/findings.js';
import { blocksToText } from '../../src/slack/views/terminal.js';
import {
  ACCOUNT,
  OTHER_ACCOUNT,
  REGION,
  finding,
  passing,
  reason,
  scan,
  scopeError,
  transformIdFor,
} from './factories.js';

function sections(message: SlackMessage): SectionBlock[] {
  return message.blocks.filter((b): b is SectionBlock => b.type === 'section');
}

function sectionTexts(messages: SlackMessage[]): string[] {
  return messages.flatMap(sections).map((s) => s.text?.text ?? '');
}

/** Sections that show one finding: they start with its status in bold. */
function findingSections(messages: SlackMessage[]): SectionBlock[] {
  return messages.flatMap(sections).filter((s) => /^\*(FAIL|ERROR|WARN)\*/.test(s.text?.text ?? ''));
}

function headerText(message: SlackMessage): string {
  const header = message.blocks.find((b: KnownBlock) => b.type === 'header');
  return header && header.type === 'header' ? header.text.text : '';
}

function expectWithinLimits(messages: SlackMessage[]): void {
  for (const message of messages) {
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(blockKitProblems(message.blocks)).toEqual([]);
    for (const section of sections(message)) expect(section.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
  }
}

const customerDedupe = finding('customer-dedupe', [reason('USER_DATA_NOT_ENCRYPTED')]);
const ordersMatch = finding('orders-match', [reason('KMS_KEY_PENDING_DELETION'), reason('KMS_KEY_ROTATION_OFF')]);
const returnsMatch = finding('returns-match', [reason('USER_DATA_NOT_ENCRYPTED')]);
const vendorMatch = finding('vendor-match', [reason('SECURITY_CONFIGURATION_MISSING')]);
const supplierMatch = finding('supplier-match', [reason('KMS_KEY_LOOKUP_FAILED')]);

describe('renderScan: one account and region', () => {
  const result = scan([vendorMatch, customerDedupe, ...passing(41), supplierMatch, ordersMatch, returnsMatch]);
  const messages = renderScan(result, { remediate: true });
  const [first] = messages;

  it('fits in one message with the header and the totals', () => {
    expect(messages).toHaveLength(1);
    expect(headerText(messages[0]!)).toBe('Glue ML transforms — 123456789012 · eu-west-1 · 14:02 UTC');
    expect(sections(first!)[0]?.text?.text).toBe(
      '*3 FAIL* · *1 ERROR* · *1 WARN* · 41 PASS   (46 transforms, 2 keys, 1 security configuration)',
    );
    expect(first!.text).toBe('Glue ML transforms — 123456789012 · eu-west-1: 3 FAIL · 1 ERROR · 1 WARN · 41 PASS');
    expectWithinLimits(messages);
  });

  it('lists FAIL first (most severe first), then ERROR, then WARN', () => {
    const heads = findingSections(messages).map((s) => (s.text?.text ?? '').split('\n')[0]);
    expect(heads).toEqual([
      `*FAIL*  *orders-match*  (\`${shortTransformId(ordersMatch.transformId)}\`)`,
      `*FAIL*  *customer-dedupe*  (\`${shortTransformId(customerDedupe.transformId)}\`)`,
      `*FAIL*  *returns-match*  (\`${shortTransformId(returnsMatch.transformId)}\`)`,
      `*ERROR*  *supplier-match*  (\`${shortTransformId(supplierMatch.transformId)}\`)`,
      `*WARN*  *vendor-match*  (\`${shortTransformId(vendorMatch.transformId)}\`)`,
    ]);
  });

  it('states the reasons, controls and severity in plain words', () => {
    const text = findingSections(messages)[0]?.text?.text ?? '';
    expect(text).toContain('• Key alias/glue-ml is pending deletion (deletes 2026-12-09)');
    expect(text).toContain('• (WARN) Automatic rotation is off for key alias/glue-ml.');
    expect(text.split('\n').at(-1)).toMatch(/^AWS console: <https:\/\/eu-west-1\.console\.aws\.amazon\.com\/glue\/home\?region=eu-west-1#\/v2\/data-integration\/ml-transforms\/view\/tfm-[0-9a-f]+\|transform> · <https:\/\/eu-west-1\.console\.aws\.amazon\.com\/kms\/home\?region=eu-west-1#\/kms\/keys\|key>/);
    expect(text.split('\n').at(-2)).toBe('_NIST 800-53 SC-12 · AWS FSBP KMS.4 · severity high_');
    const single = findingSections(messages)[1]?.text?.text ?? '';
    expect(single.split('\n')[1]).toBe('User data is not encrypted (MlUserDataEncryption: DISABLED).');
  });

  it('puts a Remediate button on FAIL sections only, carrying account, region and transform ID', () => {
    const found = findingSections(messages);
    const buttons = found.map((s) => s.accessory as Button | undefined);
    expect(buttons.map((b) => b !== undefined)).toEqual([true, true, true, false, false]);
    const button = buttons[1]!;
    expect(button).toMatchObject({ type: 'button', action_id: 'remediate', style: 'primary', text: { text: 'Remediate' } });
    expect(JSON.parse(button.value!)).toEqual({ a: ACCOUNT, r: REGION, t: customerDedupe.transformId });
    expect(parseRemediateValue(button.value!)).toEqual({ a: ACCOUNT, r: REGION, t: customerDedupe.transformId });
    expect(button.value!.length).toBeLessThan(2000);
  });

  it('leaves the buttons out when remediation is off', () => {
    const plain = renderScan(result, { remediate: false });
    expect(findingSections(plain).some((s) => s.accessory !== undefined)).toBe(false);
  });

  it('condenses passing transforms into one line with their names', () => {
    const line = sectionTexts(messages).filter((t) => t.includes('passing'));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(/^…and 41 passing transforms: matcher-001, matcher-002, .*, matcher-041\.$/);
    expect(sectionTexts(messages).some((t) => t.includes('*PASS*'))).toBe(false);
  });

  it('reads as the sketch in a terminal', () => {
    const text = blocksToText(first!);
    expect(text).toContain(`FAIL  customer-dedupe  (${shortTransformId(customerDedupe.transformId)})    [Remediate]`);
    expect(text).toContain('\n  User data is not encrypted (MlUserDataEncryption: DISABLED).');
    expect(text).toContain('3 FAIL · 1 ERROR · 1 WARN · 41 PASS');
    expect(text).not.toContain('*');
  });
});

describe('renderScan: counts and wording', () => {
  it('says when everything passes', () => {
    const [message] = renderScan(scan(passing(3)), { remediate: true });
    expect(sectionTexts([message!])).toEqual([
      '3 PASS   (3 transforms, 2 keys, 1 security configuration)',
      'All 3 transforms pass: matcher-001, matcher-002, matcher-003.',
    ]);
  });

  it('says when there are no transforms', () => {
    const [message] = renderScan(scan([]), { remediate: true });
    expect(sectionTexts([message!])[0]).toMatch(/^No ML transforms in 123456789012 · eu-west-1\./);
    expect(message!.blocks.some((b) => b.type === 'divider')).toBe(false);
  });

  it('lists as many passing names as fit and counts the rest', () => {
    const long = Array.from({ length: 60 }, (_, i) => finding(`${'n'.repeat(80)}-${String(i).padStart(2, '0')}`));
    const messages = renderScan(scan([customerDedupe, ...long]), { remediate: true });
    const line = sectionTexts(messages).find((t) => t.startsWith('…and 60 passing')) ?? '';
    expect(line.length).toBeLessThanOrEqual(3000);
    const shown = (line.match(/n{80}-\d\d/g) ?? []).length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(60);
    expect(line).toMatch(new RegExp(`, and ${60 - shown} more\\.$`));
  });

  it('uses the title and keeps the header within 150 characters', () => {
    const [message] = renderScan(scan(passing(1)), { remediate: false, title: 'Daily posture '.repeat(20) });
    expect(headerText(message!).length).toBeLessThanOrEqual(150);
    expect(headerText(message!)).toMatch(/^Daily posture Daily posture/);
    expect(headerText(message!).endsWith('…')).toBe(true);
  });

  it('says plainly when the one transform asked for was not found', () => {
    const [message] = renderScan(scan([], { notFound: 'orders-match' }), { remediate: true });
    const texts = sectionTexts([message!]);
    expect(texts[0]).toBe(
      "I couldn't find a transform named or with ID *orders-match* in 123456789012 · eu-west-1. " +
        'Check the name or ID; `/glue-encrypt check` without a transform checks them all.',
    );
    expect(texts.some((t) => t.includes('No ML transforms'))).toBe(false);
    expect(message!.text).toContain('no transform orders-match');
  });

  it('does not rule out a not-found transform when some regions could not be read', () => {
    const result = scan([], {
      notFound: 'orders-match',
      targets: [{ accountId: ACCOUNT, region: REGION }, { accountId: ACCOUNT, region: 'ap-south-2' }],
      scopeErrors: [scopeError('ap-south-2')],
    });
    const texts = sectionTexts(renderScan(result, { remediate: true }));
    expect(texts[0]).toContain("Some places couldn't be read (see below), so it may be there.");
    expect(texts[1]).toContain('ap-south-2');
  });
});

describe('renderScan: several accounts and regions, scope errors', () => {
  const targets = [
    { accountId: ACCOUNT, region: REGION },
    { accountId: ACCOUNT, region: 'us-east-1' },
    { accountId: ACCOUNT, region: 'ap-south-2' },
    { accountId: OTHER_ACCOUNT, region: REGION },
    { accountId: OTHER_ACCOUNT, region: 'us-east-1' },
    { roleArn: 'arn:aws:iam::210987654321:role/glue-encrypt-read', region: 'ap-south-2' },
  ];
  const elsewhere = finding('orders-match', [reason('USER_DATA_NOT_ENCRYPTED')], { accountId: OTHER_ACCOUNT, region: 'us-east-1' });
  const result = scan([customerDedupe, elsewhere, ...passing(2)], {
    targets,
    scopeErrors: [
      scopeError('ap-south-2'),
      scopeError('us-east-1', {
        accountId: OTHER_ACCOUNT,
        operation: 'sts:AssumeRole',
        code: 'AccessDenied',
        message: 'The bot could not assume its role in this account. Deploy the read-only role (README: "Target accounts").',
      }),
      scopeError(REGION, {
        accountId: OTHER_ACCOUNT,
        operation: 'sts:AssumeRole',
        code: 'AccessDenied',
        message: 'The bot could not assume its role in this account. Deploy the read-only role (README: "Target accounts").',
      }),
    ],
  });
  const messages = renderScan(result, { remediate: true });

  it('names the accounts and regions in the header and on each finding', () => {
    expect(headerText(messages[0]!)).toBe(
      'Glue ML transforms — 123456789012, 210987654321 · eu-west-1, us-east-1, ap-south-2 · 14:02 UTC',
    );
    const heads = findingSections(messages).map((s) => (s.text?.text ?? '').split('\n')[0]);
    expect(heads[0]).toMatch(/\*customer-dedupe\*.*· {2}123456789012 · eu-west-1$/);
    expect(heads[1]).toMatch(/\*orders-match\*.*· {2}210987654321 · us-east-1$/);
    const value = parseRemediateValue((findingSections(messages)[1]?.accessory as Button).value ?? '');
    expect(value).toEqual({ a: OTHER_ACCOUNT, r: 'us-east-1', t: elsewhere.transformId });
  });

  it('shows what could not be read, grouped, what was still checked, and what to do', () => {
    const text = sectionTexts(messages).find((t) => t.startsWith("*I couldn't read")) ?? '';
    expect(text.split('\n')).toEqual([
      "*I couldn't read 3 of 6 account-regions.*",
      '• *123456789012 · ap-south-2* (glue:GetMLTransforms: AccessDeniedException): The bot\'s role may not call ' +
        'glue:GetMLTransforms there. Ask your AWS admin to deploy the read-only role in that account (README: "Target accounts").',
      '• *210987654321 · us-east-1, eu-west-1* (sts:AssumeRole: AccessDenied): The bot could not assume its role in ' +
        'this account. Deploy the read-only role (README: "Target accounts").',
      'The other 3 account-regions were checked.',
    ]);
    // Before the findings, so a reader knows the results are partial.
    const order = sectionTexts(messages);
    expect(order.indexOf(text)).toBeLessThan(order.findIndex((t) => t.startsWith('*FAIL*')));
  });

  it('caps a flood of scope errors and counts the rest', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      scopeError(`eu-west-${(i % 9) + 1}`, { accountId: String(100000000000 + i), message: `Account ${i}: ${'x'.repeat(150)}` }),
    );
    const flooded = renderScan(scan(passing(1), { scopeErrors: many }), { remediate: true });
    expectWithinLimits(flooded);
    const errorSections = sectionTexts(flooded).filter((t) => t.includes('(glue:GetMLTransforms: AccessDeniedException)'));
    expect(errorSections.length).toBeLessThanOrEqual(3);
    const listed = errorSections.join('\n').match(/^• /gm)?.length ?? 0;
    expect(sectionTexts(flooded).join('\n')).toContain(`…and ${400 - listed} more errors; for all of them, run \`glue-encrypt check --json\``);
  });
});

describe('renderScan: large scans', () => {
  const many: Finding[] = [];
  for (let i = 0; i < 2000; i += 1) {
    const region = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'sa-east-1'][i % 4]!;
    const name = `dedupe-${String(i).padStart(4, '0')}`;
    if (i % 3 === 0) many.push(finding(name, [reason('USER_DATA_NOT_ENCRYPTED')], { region }));
    else if (i % 3 === 1) many.push(finding(name, [reason('SECURITY_CONFIGURATION_MISSING')], { region }));
    else many.push(finding(name, [], { region }));
  }
  const targets = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'sa-east-1'].map((region) => ({ accountId: ACCOUNT, region }));
  const result = scan(many, { targets });
  const failCount = many.filter((f) => f.status === 'FAIL').length;
  const warnCount = many.filter((f) => f.status === 'WARN').length;
  const passCount = many.filter((f) => f.status === 'PASS').length;

  it('splits every finding across messages within the limits when allowed enough messages', () => {
    const messages = renderScan(result, { remediate: true, maxMessages: 100 });
    expect(messages.length).toBeGreaterThan(1);
    expectWithinLimits(messages);
    expect(findingSections(messages)).toHaveLength(failCount + warnCount);
    expect(sectionTexts([messages[0]!])[0]).toBe(
      `*${failCount} FAIL* · *${warnCount} WARN* · ${passCount} PASS   (2000 transforms, 2 keys, 1 security configuration)`,
    );
    messages.slice(1).forEach((message, i) => {
      expect(message.blocks[0]).toMatchObject({ type: 'context' });
      expect(blocksToText(message)).toContain(`continued (${i + 2} of ${messages.length})`);
    });
    expect(sectionTexts(messages).some((t) => t.includes('not listed here'))).toBe(false);
  });

  it('stops at maxMessages and says how many transforms were left out and where to see them', () => {
    const messages = renderScan(result, { remediate: true });
    expect(messages).toHaveLength(5);
    expectWithinLimits(messages);
    const listed = findingSections(messages).length;
    const closing = sections(messages[4]!).at(-1)?.text?.text ?? '';
    const left = 2000 - listed; // the passing line did not fit either
    expect(closing).toMatch(new RegExp(`^${left} transforms not listed here \\(\\d+ FAIL · \\d+ WARN · ${passCount} PASS\\)\\.`));
    expect(closing).toContain('`glue-encrypt check --json`');
    const [, fails, warns] = /\((\d+) FAIL · (\d+) WARN/.exec(closing) ?? [];
    expect(Number(fails) + Number(warns) + passCount).toBe(left);
    expect(sections(messages[0]!)[0]?.text?.text).toContain(`*${failCount} FAIL*`);
  });

  it('respects maxMessages: 1', () => {
    const messages = renderScan(result, { remediate: true, maxMessages: 1 });
    expect(messages).toHaveLength(1);
    expect(messages[0]!.blocks).toHaveLength(50);
    expect(sections(messages[0]!).at(-1)?.text?.text).toMatch(/transforms not listed here/);
  });

  it('shortens a very long section and keeps its controls line', () => {
    const verbose = finding('customer-dedupe', [
      reason('USER_DATA_NOT_ENCRYPTED', { message: `User data is not encrypted. ${'Details & more. '.repeat(400)}` }),
    ]);
    const [message] = renderScan(scan([verbose]), { remediate: true });
    const text = findingSections([message!])[0]?.text?.text ?? '';
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toContain('…\n_AWS FSBP Glue.3 · NIST 800-53 SC-28 · severity medium_');
    expect(text).not.toMatch(/&[a-z]{0,3}…/); // no entity cut in half
  });
});

describe('escaping', () => {
  it('escapes names and messages so they cannot mention, link or format', () => {
    const nasty = finding('<!channel> & <https://evil.example|click>', [
      reason('USER_DATA_NOT_ENCRYPTED', { message: 'Name has <b>tags</b> & ampersands.' }),
    ]);
    const passingNasty = finding('a<b>c&d');
    const messages = renderScan(scan([nasty, passingNasty]), { remediate: true });
    // Every mrkdwn text and the fallback text (plain_text, e.g. the button's accessibility label, is not parsed).
    const mrkdwn = [...sectionTexts(messages), ...messages.map((m) => m.text)].join('\n');
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<https://evil');
    const text = findingSections(messages)[0]?.text?.text ?? '';
    expect(text).toContain('*&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;*');
    expect(text).toContain('Name has &lt;b&gt;tags&lt;/b&gt; &amp; ampersands.');
    expect(sectionTexts(messages).at(-1)).toBe('…and 1 passing transform: a&lt;b&gt;c&amp;d.');
    // The terminal shows the name as the person typed it.
    expect(blocksToText(messages[0]!)).toContain('<!channel> & <https://evil.example|click>');
    // The button still carries the real ID, not a display string.
    expect(parseRemediateValue((findingSections(messages)[0]?.accessory as Button).value ?? '')?.t).toBe(
      transformIdFor('<!channel> & <https://evil.example|click>'),
    );
  });

  it('escapes the not-found name', () => {
    const [message] = renderScan(scan([], { notFound: '<@U123>' }), { remediate: true });
    expect(sectionTexts([message!])[0]).toContain('*&lt;@U123&gt;*');
  });

  it('truncate never splits an entity', () => {
    const escaped = escapeMrkdwn('a&b');
    expect(truncate(escaped, 3)).toBe('a…');
    expect(truncate(escaped, 7)).toBe('a&amp;b');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('renderScan with accepted risks', () => {
  const waived = (f: Finding, notCovered: Finding['reasons'][number]['code'][] = []): Finding => ({
    ...f,
    status: notCovered.length > 0 ? 'FAIL' : 'WAIVED',
    waiver: { id: '7b0c2a8e-4a43-4a39-9b8b-6c1f3f1d2e11', reasonCodes: ['USER_DATA_NOT_ENCRYPTED'], justification: 'Retired <next> quarter.', ticket: 'SEC-1', requestedBy: 'U0ALICE', approvedBy: 'U0BOB', approvedAt: '2026-12-01T10:00:00.000Z', expiresAt: '2026-12-31T23:59:59.999Z', notCovered },
  });
  const actionsOf = (messages: SlackMessage[]) => messages.flatMap((m) => m.blocks.filter((b) => b.type === 'actions').flatMap((b) => (b.type === 'actions' ? b.elements : [])));

  it('puts Accept risk under each FAIL only, naming its transform and failing reasons', () => {
    const fail = finding('orders-match', [reason('USER_DATA_NOT_ENCRYPTED'), reason('SECURITY_CONFIGURATION_MISSING')]);
    const warn = finding('leads-match', [reason('SECURITY_CONFIGURATION_MISSING')]);
    const messages = renderScan(scan([fail, warn, waived(finding('vendor-match', [reason('USER_DATA_NOT_ENCRYPTED')]))]), { remediate: true, acceptRisk: true });
    expectWithinLimits(messages);
    const buttons = actionsOf(messages) as Button[];
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatchObject({ action_id: 'accept_risk', text: { text: 'Accept risk' } });
    expect(JSON.parse(buttons[0]!.value!)).toEqual({ a: ACCOUNT, r: REGION, t: fail.transformId, n: 'orders-match', c: ['USER_DATA_NOT_ENCRYPTED'] });
  });

  it('shows a waived transform as WAIVED with who accepted it, until when and why, escaped, with Remediate and no Accept risk', () => {
    const text = blocksToText(renderScan(scan([waived(finding('vendor-match', [reason('USER_DATA_NOT_ENCRYPTED')]))]), { remediate: true, acceptRisk: true })[0]!);
    expect(text).toContain('WAIVED  vendor-match');
    expect(text).toContain('Accepted risk until 2026-12-31 (asked by @U0ALICE, approved by @U0BOB, ticket SEC-1): “Retired <next> quarter.”');
    const section = findingSectionsWaived(renderScan(scan([waived(finding('vendor-match', [reason('USER_DATA_NOT_ENCRYPTED')]))]), { remediate: true, acceptRisk: true }));
    expect(section.text?.text).toContain('Retired &lt;next&gt; quarter.');
    expect(section.accessory).toMatchObject({ action_id: 'remediate' });
  });

  it('says which failing reason a waiver does not cover, and keeps the FAIL with its buttons', () => {
    const f = waived(finding('invoice-dedupe', [reason('USER_DATA_NOT_ENCRYPTED'), reason('KMS_KEY_PENDING_DELETION')]), ['KMS_KEY_PENDING_DELETION']);
    const messages = renderScan(scan([f]), { remediate: true, acceptRisk: true });
    expect(blocksToText(messages[0]!)).toContain('covers USER_DATA_NOT_ENCRYPTED, not KMS_KEY_PENDING_DELETION: still failing');
    expect(actionsOf(messages)).toHaveLength(1);
    expect(findingSections(messages)[0]?.accessory).toMatchObject({ action_id: 'remediate' });
  });

  it('drops Accept risk rather than a failure when they would not all fit, and says how to get it', () => {
    const failures = Array.from({ length: 150 }, (_, i) => finding(`fail-${String(i).padStart(3, '0')}`, [reason('USER_DATA_NOT_ENCRYPTED')]));
    const messages = renderScan(scan(failures), { remediate: true, acceptRisk: true });
    expectWithinLimits(messages);
    expect(findingSections(messages)).toHaveLength(150);
    expect(actionsOf(messages)).toEqual([]);
    expect(sectionTexts(messages)[0]).toContain('`/glue-encrypt check <transform>` shows it with its Accept risk button');
  });
});

function findingSectionsWaived(messages: SlackMessage[]): SectionBlock {
  const section = messages.flatMap(sections).find((s) => /^\*WAIVED\*/.test(s.text?.text ?? ''));
  if (!section) throw new Error('no WAIVED section');
  return section;
}
