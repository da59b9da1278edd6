import { describe, expect, it } from 'vitest';
import { COMMANDS, isTransformId, parseCommand } from '../../src/slack/commands.js';

const ID = 'tfm-7c1e0a3b9d2f4e6a8c1b3d5f7e9a0c2b4d6f8e1a';
const regions = (n: number) => Array.from({ length: n }, (_, i) => `eu-west-${i + 1}`).join(',');
const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i)).join(',');

describe('parseCommand: valid commands', () => {
  it.each([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['help check', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['check', { kind: 'check' }],
    ['  check  ', { kind: 'check' }],
    ['check customer-dedupe', { kind: 'check', transform: 'customer-dedupe' }],
    [`check ${ID}`, { kind: 'check', transform: ID }],
    ['check "customer dedupe v2"', { kind: 'check', transform: 'customer dedupe v2' }],
    ['check \u201ccustomer dedupe v2\u201d', { kind: 'check', transform: 'customer dedupe v2' }],
    ['check "--odd-name"', { kind: 'check', transform: '--odd-name' }],
    ['check orders&amp;returns', { kind: 'check', transform: 'orders&returns' }],
    ['check --region eu-west-1', { kind: 'check', regions: ['eu-west-1'] }],
    ['check --region=eu-west-1', { kind: 'check', regions: ['eu-west-1'] }],
    [
      'check --region eu-west-1,us-gov-west-1,cn-north-1,ap-southeast-7',
      { kind: 'check', regions: ['eu-west-1', 'us-gov-west-1', 'cn-north-1', 'ap-southeast-7'] },
    ],
    ['check --region eu-west-1, us-east-1', { kind: 'check', regions: ['eu-west-1', 'us-east-1'] }],
    ['check --region EU-West-1', { kind: 'check', regions: ['eu-west-1'] }],
    [
      'check --region eu-west-1 --region us-east-1,eu-west-1',
      { kind: 'check', regions: ['eu-west-1', 'us-east-1'] },
    ],
    ['check --account 123456789012', { kind: 'check', accounts: ['123456789012'] }],
    [
      'check --account=123456789012,210987654321',
      { kind: 'check', accounts: ['123456789012', '210987654321'] },
    ],
    [
      'check --account 123456789012 --region eu-west-1 orders-match',
      { kind: 'check', transform: 'orders-match', regions: ['eu-west-1'], accounts: ['123456789012'] },
    ],
    [
      `check ${ID} --REGION us-east-1`,
      { kind: 'check', transform: ID, regions: ['us-east-1'] },
    ],
    ['history customer-dedupe', { kind: 'history', transform: 'customer-dedupe' }],
    ['history "customer dedupe v2"', { kind: 'history', transform: 'customer dedupe v2' }],
    [`History ${ID}`, { kind: 'history', transform: ID }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it('accepts 20 regions and 20 accounts', () => {
    const parsed = parseCommand(`check --region ${regions(20)} --account ${accounts(20)}`);
    expect(parsed.kind).toBe('check');
    if (parsed.kind !== 'check') return;
    expect(parsed.regions).toHaveLength(20);
    expect(parsed.accounts).toHaveLength(20);
  });

  it('accepts a 255-character name', () => {
    expect(parseCommand(`check ${'n'.repeat(255)}`)).toEqual({ kind: 'check', transform: 'n'.repeat(255) });
  });
});

describe('parseCommand: invalid commands', () => {
  it.each([
    ['frobnicate', /^I don't know the command "frobnicate"\. Commands: check, history, status, subscribe, unsubscribe, subscriptions, digest, report, waivers, help\.$/],
    ['"check"', /I don't know the command "check"/],
    ['check --foo', /^`check` has no option "--foo"\. Options: --region, --account\.$/],
    ['check --foo=bar', /has no option "--foo"/],
    ['check --region', /^--region needs a value, e.g\. --region r1\[,r2\.\.\.\]\.$/],
    ['check --region --account 123456789012', /--region needs a value/],
    ['check --region=', /--region needs a value/],
    ['check --region ,', /--region needs a value/],
    ['check --account', /--account needs a value/],
    ['check --region eu-west', /^"eu-west" is not an AWS region \(expected something like eu-west-1\)\.$/],
    ['check --region us-east-1,mars-1', /"mars-1" is not an AWS region/],
    ['check --region eu_west_1', /"eu_west_1" is not an AWS region/],
    ['check --account 12345', /^"12345" is not an AWS account ID \(12 digits\)\.$/],
    ['check --account 1234567890123', /"1234567890123" is not an AWS account ID/],
    ['check --account 12345678901a', /"12345678901a" is not an AWS account ID/],
    ['check customer dedupe', /^`check` takes one transform ID or name, not 2\. .*check "customer dedupe"$/],
    [`check --region ${regions(21)}`, /^Too many regions \(21\); name at most 20/],
    [`check --account ${accounts(21)}`, /^Too many accounts \(21\); name at most 20/],
    [`check --region ${regions(15)} --region ${regions(21)}`, /Too many regions \(21\)/],
    ['check "customer dedupe', /^A double quote is not closed\.$/],
    [`check ${'n'.repeat(256)}`, /at most 255 characters/],
    ['check "bad\u0007name"', /control characters/],
    ['history', /^`history` needs a transform ID or name: history <transform id or name>$/],
    ['history customer dedupe', /`history` takes one transform ID or name, not 2/],
    ['history customer-dedupe --region eu-west-1', /^`history` has no option "--region"\. It takes no options\.$/],
    ['status now', /^`status` takes no arguments\.$/],
    ['status --region eu-west-1', /`status` has no option "--region"/],
  ])('%j', (text, message) => {
    const parsed = parseCommand(text);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.error).toMatch(message);
  });

  it('shortens a very long unknown word in its message', () => {
    const parsed = parseCommand('x'.repeat(500));
    expect(parsed).toMatchObject({ kind: 'invalid' });
    // The word is cut to 60 characters in the message; the rest of it is the list of commands.
    if (parsed.kind === 'invalid') {
      expect(parsed.error).toContain(`"${'x'.repeat(57)}..."`);
      expect(parsed.error).not.toContain('x'.repeat(58));
    }
  });
});

describe('command table', () => {
  it('has a usage line that starts with each subcommand', () => {
    for (const [name, spec] of Object.entries(COMMANDS)) expect(spec.usage.startsWith(name)).toBe(true);
  });

  it('tells transform IDs from names', () => {
    expect(isTransformId(ID)).toBe(true);
    expect(isTransformId('tfm-orders')).toBe(false);
    expect(isTransformId('customer-dedupe')).toBe(false);
  });
});

describe('parseCommand: digests', () => {
  it.each([
    ['subscribe', { kind: 'subscribe', cadence: { kind: 'daily', time: '09:00' }, timeZone: 'UTC', onlyFailures: false }],
    ['subscribe daily 7:30 --tz europe/paris', { kind: 'subscribe', cadence: { kind: 'daily', time: '07:30' }, timeZone: 'Europe/Paris', onlyFailures: false }],
    [
      'subscribe weekly mon 08:00 --only-failures --account 123456789012 --region EU-WEST-1',
      { kind: 'subscribe', cadence: { kind: 'weekly', day: 'mon', time: '08:00' }, timeZone: 'UTC', onlyFailures: true, accounts: ['123456789012'], regions: ['eu-west-1'] },
    ],
    ['unsubscribe', { kind: 'unsubscribe' }],
    ['unsubscribe A1B2C3', { kind: 'unsubscribe', id: 'a1b2c3' }],
    ['subscriptions', { kind: 'subscriptions' }],
    ['digest', { kind: 'digest' }],
  ])('%j', (text, parsed) => {
    expect(parseCommand(text)).toEqual(parsed);
  });

  it.each([
    ['subscribe daily 25:00', /"25:00" is not a time of day/],
    ['subscribe weekly someday 09:00', /"someday" is not a day of the week/],
    ['subscribe --tz Mars/Olympus', /"Mars\/Olympus" is not a time zone/],
    ['subscribe --tz UTC --tz Europe/Paris', /--tz is given twice/],
    ['subscribe --only-failures=yes', /--only-failures takes no value/],
    ['subscribe --region nowhere', /"nowhere" is not an AWS region/],
    ['subscribe daily 09:00 extra words', /takes one schedule|`daily` takes one time/],
    ['unsubscribe everything', /"everything" is not a subscription id/],
    ['digest now', /`digest` takes no arguments/],
  ])('refuses %j', (text, message) => {
    const parsed = parseCommand(text);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.error).toMatch(message);
  });
});
