// /glue-encrypt check end to end: Slack-signed HTTP API events through the real Lambda
// handler, the worker invoked asynchronously on the AWS sandbox, findings posted to the Slack
// stand-in. Everything a person in Slack would see or not see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../csv.js';
import { handleWorkerEvent } from '../../src/handlers/worker.js';
import { DEMO_ACCOUNT_ID, DEMO_TRANSFORM_IDS, DEMO_TRANSFORMS, seedScale } from '../../src/sandbox/fixtures.js';
import { SANDBOX_CHANNEL, SANDBOX_WORKER, startHarness, type Harness } from '../../src/sandbox/harness.js';
import { blockKitProblems, type ChannelMessage } from '../../src/sandbox/slack.js';
import { signedSlashCommand } from '../../src/sandbox/slackRequest.js';
import { countByStatus, expectedDemo } from './demo-expectations.js';

interface Ack {
  response_type?: string;
  text?: string;
  blocks?: unknown[];
}

interface Block {
  type: string;
  text?: { text?: string };
  accessory?: { type?: string; action_id?: string; value?: string };
}

/** Slack shows &lt; &gt; &amp; as the characters they escape. */
function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Every `text` string anywhere in a Block Kit structure, as Slack displays it. */
function texts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(texts);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (k === 'text' && typeof v === 'string' ? [unescape(v)] : texts(v)));
  }
  return [];
}

function parseAck(res: { statusCode: number; body: string }): Ack {
  expect(res.statusCode).toBe(200);
  return JSON.parse(res.body) as Ack;
}

/** What the person who typed the command sees in the ack: fallback text and blocks. */
function ackText(ack: Ack): string {
  return [ack.text ?? '', ...texts(ack.blocks ?? [])].join('\n');
}

function blocksOf(message: ChannelMessage): Block[] {
  return message.blocks as unknown as Block[];
}

function sectionTexts(message: ChannelMessage): string[] {
  return blocksOf(message)
    .filter((b) => b.type === 'section')
    .map((b) => b.text?.text ?? '');
}

function headerText(message: ChannelMessage): string {
  return blocksOf(message).find((b) => b.type === 'header')?.text?.text ?? '';
}

function messageText(message: ChannelMessage): string {
  return [message.text ?? '', ...texts(message.blocks)].join('\n');
}

/** Sends a command, waits for the worker, returns the ack and what appeared in the channel meanwhile. */
async function runCommand(h: Harness, text: string): Promise<{ ack: Ack; posted: ChannelMessage[] }> {
  const before = h.slack.channelView(SANDBOX_CHANNEL).length;
  const ack = parseAck(await h.command(text));
  await h.settle();
  return { ack, posted: h.slack.channelView(SANDBOX_CHANNEL).slice(before) };
}

function expectWithinBlockKitLimits(messages: readonly ChannelMessage[]): void {
  expect(messages.length).toBeGreaterThan(0);
  for (const m of messages) {
    expect(m.blocks.length).toBeGreaterThan(0);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(blockKitProblems(m.blocks)).toEqual([]);
    expect((m.text ?? '').length).toBeGreaterThan(0);
    expect((m.text ?? '').length).toBeLessThanOrEqual(4000);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

// ---------------------------------------------------------------------------------------------
// Requests that must start nothing: a fresh sandbox, so "nothing happened" means nothing at all.

describe('requests that start nothing', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** After any stray async work has finished: no worker invoked, nothing posted anywhere in Slack. */
  async function expectNothingStarted(): Promise<void> {
    await h.settle();
    expect(h.aws.invocations()).toEqual([]);
    expect(h.slack.calls('chat.postMessage')).toEqual([]);
    expect(h.slack.calls()).toEqual([]);
  }

  const now = () => Math.floor(Date.now() / 1000);

  it('refuses a request signed with the wrong secret with 401', async () => {
    const res = await h.command('check', { sign: { signingSecret: 'not-the-signing-secret' } });
    expect(res.statusCode).toBe(401);
    await expectNothingStarted();
  });

  it('refuses a correctly signed request whose timestamp is more than 5 minutes old with 401', async () => {
    const res = await h.command('check', { sign: { timestamp: now() - 5 * 60 - 30 } });
    expect(res.statusCode).toBe(401);
    await expectNothingStarted();
  });

  it('refuses a correctly signed request dated more than 5 minutes ahead with 401 (replays with a forged clock)', async () => {
    const res = await h.command('check', { sign: { timestamp: now() + 5 * 60 + 30 } });
    expect(res.statusCode).toBe(401);
    await expectNothingStarted();
  });

  it('accepts a correctly signed request from a minute ago', async () => {
    const res = await h.command('help', { sign: { timestamp: now() - 60 } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a request without signature headers with 401', async () => {
    const res = await h.command('check', { sign: { unsigned: true } });
    expect(res.statusCode).toBe(401);
    await expectNothingStarted();
  });

  it('refuses a signed request without its timestamp header with 401', async () => {
    const event = signedSlashCommand({ text: 'check', teamId: h.slack.teamId }, { signingSecret: h.signingSecret });
    delete (event.headers as Record<string, string | undefined>)['x-slack-request-timestamp'];
    expect(event.headers).toHaveProperty('x-slack-signature');
    const res = await h.slackHandler(event);
    expect(res.statusCode).toBe(401);
    await expectNothingStarted();
  });

  it('refuses a request whose body was altered after signing with 401', async () => {
    const event = signedSlashCommand({ text: 'help', teamId: h.slack.teamId }, { signingSecret: h.signingSecret });
    const tampered = Buffer.from(event.body ?? '', 'base64').toString('utf8').replace('text=help', 'text=check');
    const res = await h.slackHandler({ ...event, body: Buffer.from(tampered, 'utf8').toString('base64') });
    expect(res.statusCode).toBe(401);
    await expectNothingStarted();
  });

  it.each([
    ['check --region nowhere', '"nowhere" is not an AWS region'],
    ['check --account 12', '"12" is not an AWS account ID'],
    ['frobnicate', 'I don\'t know the command "frobnicate"'],
    ['check --bogus', 'has no option "--bogus"'],
  ])('answers `%s` with an ephemeral usage message naming the problem, and dispatches nothing', async (text, problem) => {
    const ack = parseAck(await h.command(text));
    expect(ack.response_type).toBe('ephemeral');
    expect(ackText(ack)).toContain(problem);
    // The usage follows the problem, so the person sees how to write it instead.
    expect(ackText(ack)).toContain('/glue-encrypt check [<transform id or name>]');
    await expectNothingStarted();
  });

  it('answers `help` with the ephemeral help', async () => {
    const ack = parseAck(await h.command('help'));
    expect(ack.response_type).toBe('ephemeral');
    const text = ackText(ack);
    expect(text).toContain('encryption at rest');
    for (const usage of ['check [<transform id or name>]', 'history <transform id or name>', '--region', '--account']) {
      expect(text).toContain(usage);
    }
    await expectNothingStarted();
  });

  it('refuses a command from another Slack workspace and dispatches nothing', async () => {
    expect(h.slack.teamId).not.toBe('T0OTHERTEAM');
    const res = await h.slackHandler(
      signedSlashCommand(
        {
          text: 'check',
          teamId: 'T0OTHERTEAM',
          channelId: SANDBOX_CHANNEL,
          userId: 'U0MALLORY',
          responseUrl: h.slack.mintResponseUrl({ channel: SANDBOX_CHANNEL, user: 'U0MALLORY' }),
        },
        { signingSecret: h.signingSecret },
      ),
    );
    const ack = parseAck(res);
    expect(ack.response_type).toBe('ephemeral');
    expect(ackText(ack)).toContain('another Slack workspace');
    expect(ackText(ack)).not.toContain('Checking');
    await expectNothingStarted();
  });

  it('refuses a malformed worker payload and posts nothing', async () => {
    await expect(handleWorkerEvent({ kind: 'check', request: { regions: ['bad'] } }, h.config)).resolves.toMatchObject({ ok: false });
    // Even with a reachable requester, a job that did not pass validation answers nobody.
    const responseUrl = h.slack.mintResponseUrl({ channel: SANDBOX_CHANNEL, user: 'U0ALICE' });
    await expect(
      handleWorkerEvent(
        { kind: 'check', request: { regions: ['bad'] }, channelId: SANDBOX_CHANNEL, userId: 'U0ALICE', responseUrl },
        h.config,
      ),
    ).resolves.toMatchObject({ ok: false });
    expect(h.aws.callCounts()).toEqual({});
    await expectNothingStarted();
  });
});

// ---------------------------------------------------------------------------------------------
// A check on the demo estate.

describe('/glue-encrypt check on the demo estate', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    // A transform with a non-ASCII name, in a region no other test scans.
    h.aws.state.addTransform({ accountId: DEMO_ACCOUNT_ID, region: 'eu-central-1' }, { Name: 'kündigungs-abgleich', Role: 'arn:aws:iam::111111111111:role/GlueMLRole' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const run = (text: string) => runCommand(h, text);

  it('acks at once with an ephemeral notice, without waiting for the scan', async () => {
    const gate = deferred();
    h.aws.registerFunction(SANDBOX_WORKER, async (event) => {
      await gate.promise;
      return handleWorkerEvent(event, h.config);
    });
    try {
      const before = h.slack.channelView(SANDBOX_CHANNEL).length;
      const ack = parseAck(await h.command('check'));
      // Answered while the worker has not even started: Slack's 3 seconds never depend on AWS.
      expect(h.aws.invocations().at(-1)?.status).toBe('running');
      expect(h.slack.channelView(SANDBOX_CHANNEL)).toHaveLength(before);
      expect(ack.response_type).toBe('ephemeral');
      expect(ackText(ack)).toContain('Checking all ML transforms in this account · eu-west-1, us-east-1');
      expect(ackText(ack)).toContain('results will appear in this channel');

      gate.resolve();
      await h.settle();
      expect(h.aws.invocations().at(-1)?.status).toBe('succeeded');
      expect(h.slack.channelView(SANDBOX_CHANNEL).length).toBeGreaterThan(before);
    } finally {
      gate.resolve();
      h.aws.registerFunction(SANDBOX_WORKER, (event) => handleWorkerEvent(event, h.config));
    }
  });

  it('posts the findings to the channel: right counts, every problem in its own section, passing ones condensed', async () => {
    const expected = expectedDemo(h.config.policy);
    const counts = countByStatus(expected);
    // The demo estate covers every verdict; otherwise this test would prove little.
    expect(counts.FAIL).toBeGreaterThan(0);
    expect(counts.WARN).toBeGreaterThan(0);
    expect(counts.PASS).toBeGreaterThan(0);

    const { posted } = await run('check');
    expectWithinBlockKitLimits(posted);
    expect(posted).toHaveLength(1);
    const [message] = posted as [ChannelMessage];
    expect(message.via).toBe('chat.postMessage');

    const summary = `${counts.FAIL} FAIL · ${counts.WARN} WARN · ${counts.PASS} PASS`;
    expect(message.text).toContain(summary);
    expect(headerText(message)).toContain(DEMO_ACCOUNT_ID);
    expect(headerText(message)).toContain('eu-west-1, us-east-1');
    const sections = sectionTexts(message);
    expect(sections[0]).toContain(`*${counts.FAIL} FAIL* · *${counts.WARN} WARN* · ${counts.PASS} PASS`);
    expect(sections[0]).toContain(`(${DEMO_TRANSFORMS.length} transforms,`);

    const sectionIndex = (t: { name: string }) => sections.findIndex((s) => s.includes(`*${t.name}*`));
    for (const t of expected.filter((e) => e.status !== 'PASS')) {
      const own = sections.filter((s) => s.includes(`*${t.name}*`));
      expect(own, `${t.name} gets exactly one section`).toHaveLength(1);
      expect(own[0]?.startsWith(`*${t.status}*`), `${t.name} is shown as ${t.status}`).toBe(true);
      // Two regions were checked, so each finding's first line says which.
      expect(own[0]?.split('\n')[0]).toContain(t.region);
    }
    // FAILs first, then WARNs, then the passing ones in one line.
    const failIndexes = expected.filter((e) => e.status === 'FAIL').map(sectionIndex);
    const warnIndexes = expected.filter((e) => e.status === 'WARN').map(sectionIndex);
    expect(Math.max(...failIndexes)).toBeLessThan(Math.min(...warnIndexes));

    const passing = expected.filter((e) => e.status === 'PASS');
    for (const t of passing) expect(sectionIndex(t), `${t.name} has no section of its own`).toBe(-1);
    const condensed = sections.filter((s) => s.includes(`${passing.length} passing transform`));
    expect(condensed).toHaveLength(1);
    for (const t of passing) expect(condensed[0]).toContain(t.name);
    expect(sections.indexOf(condensed[0] ?? '')).toBeGreaterThan(Math.max(...warnIndexes));
  });

  it('puts a Remediate button on each FAIL that names that transform', async () => {
    const expected = expectedDemo(h.config.policy);
    const { posted } = await run('check');
    const blocks = posted.flatMap(blocksOf);
    for (const t of expected) {
      const block = blocks.find((b) => b.type === 'section' && (b.text?.text ?? '').includes(`*${t.name}*`));
      if (t.status !== 'FAIL') {
        expect(block?.accessory, `${t.name} (${t.status}) has no button`).toBeUndefined();
        continue;
      }
      expect(block?.accessory).toMatchObject({ type: 'button', action_id: 'remediate' });
      expect(JSON.parse(block?.accessory?.value ?? '{}')).toEqual({ a: DEMO_ACCOUNT_ID, r: t.region, t: t.transformId });
    }
  });

  it('invokes the worker asynchronously (InvocationType Event) with the parsed request and the requester', async () => {
    const before = h.aws.invocations().length;
    await run('check --region us-east-1');
    const invocations = h.aws.invocations().slice(before);
    expect(invocations).toHaveLength(1);
    expect(invocations[0]).toMatchObject({
      functionName: SANDBOX_WORKER,
      invocationType: 'Event',
      status: 'succeeded',
      result: { ok: true },
      event: {
        kind: 'check',
        request: { regions: ['us-east-1'] },
        channelId: SANDBOX_CHANNEL,
        userId: 'U0ALICE',
        teamId: h.slack.teamId,
      },
    });
    const event = invocations[0]?.event as { responseUrl?: string };
    expect(event.responseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/response\//);
  });

  it('refuses a region the bot is not set up for at once, to the one who typed it, and scans nothing', async () => {
    const before = h.aws.invocations().length;
    const { ack, posted } = await run('check --region eu-central-1');
    expect(ack.response_type).toBe('ephemeral');
    expect(ackText(ack)).toContain('`eu-central-1` is not a region this installation checks (eu-west-1, us-east-1); nothing was checked.');
    expect(ackText(ack)).toContain('GLUE_ENCRYPT_REGIONS');
    expect(posted).toHaveLength(0);
    expect(h.aws.invocations()).toHaveLength(before);
  });

  it('refuses an account the bot does not read at once, to the one who typed it, and scans nothing', async () => {
    const before = h.aws.invocations().length;
    const { ack, posted } = await run('check --account 999999999999');
    expect(ack.response_type).toBe('ephemeral');
    expect(ackText(ack)).toContain(`\`999999999999\` is not an account this installation reads (${DEMO_ACCOUNT_ID}); nothing was checked.`);
    expect(ackText(ack)).toContain('GLUE_ENCRYPT_ACCOUNTS');
    expect(posted).toHaveLength(0);
    expect(h.aws.invocations()).toHaveLength(before);
  });

  it("checks the bot's own account when a command names it", async () => {
    const { ack, posted } = await run(`check --account ${DEMO_ACCOUNT_ID}`);
    expect(ack.response_type).toBe('ephemeral');
    expect(ackText(ack)).toContain('Checking all ML transforms');
    expect(posted.length).toBeGreaterThan(0);
  });

  it('checks a single transform by ID: only that one is reported', async () => {
    const id = DEMO_TRANSFORM_IDS['orders-match'];
    const { ack, posted } = await run(`check ${id}`);
    expect(ackText(ack)).toContain(`Checking transform ${id}`);
    expect(posted).toHaveLength(1);
    const text = messageText(posted[0]!);
    expect(posted[0]!.text).toContain('1 FAIL');
    expect(text).toContain('(1 transform,');
    expect(text).toContain('*orders-match*');
    for (const other of DEMO_TRANSFORMS.filter((t) => t.name !== 'orders-match')) expect(text).not.toContain(`*${other.name}*`);
    expect(text).not.toContain('us-orders-match');
  });

  it('checks a single transform by name: only that one is reported', async () => {
    const { posted } = await run('check invoice-dedupe');
    expect(posted).toHaveLength(1);
    const sections = sectionTexts(posted[0]!);
    expect(sections[0]).toContain('(1 transform,');
    const findings = sections.filter((s) => /^\*(FAIL|WARN|ERROR)\*/.test(s));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain('*invoice-dedupe*');
    expect(findings[0]).toContain('Disabled');
  });

  it('says plainly when the transform asked for does not exist', async () => {
    const { posted } = await run('check no-such-transform');
    expect(posted).toHaveLength(1);
    const text = messageText(posted[0]!);
    expect(text).toContain("I couldn't find a transform named or with ID *no-such-transform*");
    for (const t of DEMO_TRANSFORMS) expect(text).not.toContain(`*${t.name}*`);

    const byId = await run('check tfm-00000000000000000000000000000000deadbeef');
    expect(messageText(byId.posted[0]!)).toContain("I couldn't find a transform named or with ID *tfm-00000000000000000000000000000000deadbeef*");
  });

  it('still delivers the results through response_url when the bot is not in the channel', async () => {
    h.slack.failNext('chat.postMessage', 'not_in_channel');
    const ephemeralsBefore = h.slack.ephemerals().length;
    const { posted } = await run('check --region us-east-1');
    expect(h.slack.calls('chat.postMessage').at(-1)).toMatchObject({ ok: false, error: 'not_in_channel' });
    expect(posted).toHaveLength(1);
    expect(posted[0]!.via).toBe('response_url');
    expect(h.slack.calls('response_url').at(-1)?.args).toMatchObject({ response_type: 'in_channel' });
    expectWithinBlockKitLimits(posted);
    const sections = sectionTexts(posted[0]!);
    expect(sections.some((s) => s.startsWith('*FAIL*') && s.includes('*us-orders-match*'))).toBe(true);
    // The person got the findings, not an apology.
    expect(h.slack.ephemerals().slice(ephemeralsBefore)).toEqual([]);
  });

  // Regression: the parser and the worker's job schema once used different region patterns, so
  // eusc-de-east-1 was acked ("results will appear…"), refused by the worker, and never answered.
  it('answers a check of a region the command accepts (eusc-de-east-1) but the installation does not check, instead of going silent', async () => {
    const before = h.aws.invocations().length;
    const { ack, posted } = await run('check --region eusc-de-east-1');
    expect(ackText(ack)).toContain('`eusc-de-east-1` is not a region this installation checks');
    expect(h.aws.invocations()).toHaveLength(before);
    expect(posted).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------
// A configured findings channel.

describe('with a findings channel configured', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { GLUE_ENCRYPT_FINDINGS_CHANNEL: 'C0FINDINGS' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('posts the same findings to the findings channel as to the channel the command came from', async () => {
    const ack = parseAck(await h.command('check'));
    expect(ack.response_type).toBe('ephemeral');
    await h.settle();
    const here = h.slack.channelView(SANDBOX_CHANNEL);
    const there = h.slack.channelView('C0FINDINGS');
    expectWithinBlockKitLimits(here);
    expectWithinBlockKitLimits(there);
    expect(there.map((m) => ({ text: m.text, blocks: m.blocks }))).toEqual(here.map((m) => ({ text: m.text, blocks: m.blocks })));
    const counts = countByStatus(expectedDemo(h.config.policy));
    expect(there[0]?.text).toContain(`${counts.FAIL} FAIL · ${counts.WARN} WARN · ${counts.PASS} PASS`);
  });

  it('keeps narrowed checks (one transform, a region) out of the findings channel', async () => {
    const before = h.slack.channelView('C0FINDINGS').length;
    await h.command('check orders-match');
    await h.command('check --region us-east-1');
    await h.settle();
    expect(h.slack.channelView('C0FINDINGS')).toHaveLength(before);
    expect(h.slack.channelView(SANDBOX_CHANNEL).length).toBeGreaterThanOrEqual(2);
  });

  it('posts once when the command comes from the findings channel itself', async () => {
    const before = h.slack.calls('chat.postMessage').length;
    await h.command('check --region us-east-1', { channel: 'C0FINDINGS' });
    await h.settle();
    const posts = h.slack.calls('chat.postMessage').slice(before);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args.channel).toBe('C0FINDINGS');
  });
});

// ---------------------------------------------------------------------------------------------
// An estate too large for one message.

describe('a check of a large estate', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ seed: 'none' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('posts at most 5 valid messages, threaded under the first, listing every FAIL and counting what is left out', async () => {
    const seeded = seedScale(h.aws.state, {
      accounts: [DEMO_ACCOUNT_ID],
      regions: ['eu-west-1', 'us-east-1'],
      transforms: 2000,
      keys: 8,
      securityConfigurations: 2,
    });
    await h.command('check');
    await h.settle();
    const messages = h.slack.channelView(SANDBOX_CHANNEL);

    expectWithinBlockKitLimits(messages);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.length).toBeLessThanOrEqual(5);
    const [first, ...replies] = messages as [ChannelMessage, ...ChannelMessage[]];
    expect(first.threadTs).toBeUndefined();
    for (const reply of replies) expect(reply.threadTs).toBe(first.ts);
    expect(first.text).toContain(`${seeded.unencryptedTransforms} FAIL`);

    const sections = messages.flatMap(sectionTexts);
    const listed = sections.filter((s) => /^\*(FAIL|WARN)\*/.test(s));
    // The failures are what needs action: every one of them is shown, before any warning.
    expect(listed.filter((s) => s.startsWith('*FAIL*'))).toHaveLength(seeded.unencryptedTransforms);
    expect(listed.findIndex((s) => s.startsWith('*WARN*'))).toBeGreaterThanOrEqual(seeded.unencryptedTransforms);
    const notListed = sections.map((s) => /^(\d+) transforms not listed here/.exec(s)).find((m) => m !== null);
    expect(notListed, 'a closing line counts what did not fit').toBeDefined();
    expect(listed.length + Number(notListed?.[1])).toBe(seeded.transforms);

    // Everything, listed or not, is in a CSV file in the first message's thread.
    expect(sections.find((s) => /not listed here/.test(s))).toContain('Every finding is in the CSV file in the thread of the first message.');
    const files = h.slack.sharedFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ channel: h.slack.channelView(SANDBOX_CHANNEL)[0]!.channel, threadTs: first.ts, filename: expect.stringMatching(/^glue-encrypt-findings-\d{4}-\d{2}-\d{2}\.csv$/) });
    const rows = parseCsv(files[0]!.content);
    expect(rows[0]).toEqual(['account_id', 'region', 'transform_id', 'name', 'status', 'severity', 'reason_codes', 'reasons', 'controls', 'kms_key', 'security_configuration', 'label_count']);
    expect(rows).toHaveLength(seeded.transforms + 1);
    expect(rows.filter((r) => r[4] === 'FAIL')).toHaveLength(seeded.unencryptedTransforms);
    expect(new Set(rows.slice(1).map((r) => r[2])).size).toBe(seeded.transforms);
  });

  it('tells the requester how to get the full list when the app lacks files:write, and still posts the messages', async () => {
    h.slack.revokeScope('files:write');
    const before = h.slack.channelView(SANDBOX_CHANNEL).length;
    await h.command('check');
    await h.settle();
    expect(h.slack.channelView(SANDBOX_CHANNEL).length).toBeGreaterThan(before);
    expect(h.slack.sharedFiles()).toHaveLength(1); // only the first check's
    const told = h.slack.ephemerals().map((e) => JSON.stringify(e.blocks)).find((b) => b.includes('could not attach the CSV'));
    expect(told).toContain('missing');
    expect(told).toContain('files:write scope');
  });
});

describe('a check of a large estate in a channel the bot is not in', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ seed: 'none' });
    seedScale(h.aws.state, { accounts: [DEMO_ACCOUNT_ID], regions: ['eu-west-1', 'us-east-1'], transforms: 2000, keys: 8, securityConfigurations: 2 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('delivers through response_url pointing to the CLI (there is no thread to attach a file to), within its five uses', async () => {
    h.slack.failNext('chat.postMessage', 'not_in_channel');
    await h.command('check');
    await h.settle();
    const viaUrl = h.slack.calls('response_url').filter((c) => c.args.response_type === 'in_channel');
    expect(viaUrl.length).toBeGreaterThan(1);
    expect(viaUrl.length).toBeLessThanOrEqual(5);
    expect(h.slack.calls('response_url').every((c) => c.ok)).toBe(true);
    const closing = JSON.stringify(viaUrl.at(-1)!.args.blocks);
    expect(closing).toContain('not listed here');
    expect(closing).toContain('glue-encrypt check --json');
    expect(closing).not.toContain('CSV');
    expect(h.slack.sharedFiles()).toEqual([]);
  });
});

describe('/glue-encrypt check with a non-ASCII transform name', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { GLUE_ENCRYPT_REGIONS: 'eu-west-1,us-east-1,eu-central-1' } });
    h.aws.state.addTransform({ accountId: DEMO_ACCOUNT_ID, region: 'eu-central-1' }, { Name: 'kündigungs-abgleich', Role: 'arn:aws:iam::111111111111:role/GlueMLRole' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const run = (text: string) => runCommand(h, text);

  it('carries a UTF-8 transform name through the base64 body intact', async () => {
    const { ack, posted } = await run('check "kündigungs-abgleich" --region eu-central-1');
    expect(ackText(ack)).toContain('Checking transform kündigungs-abgleich in');
    expect(posted).toHaveLength(1);
    expect(sectionTexts(posted[0]!).some((s) => s.startsWith('*FAIL*') && s.includes('*kündigungs-abgleich*'))).toBe(true);
    expect(messageText(posted[0]!)).not.toContain("couldn't find");
  });

  it('accepts a plain-text (not base64) body too', async () => {
    const before = h.slack.channelView(SANDBOX_CHANNEL).length;
    const ack = parseAck(await h.command('check "kündigungs-abgleich" --region eu-central-1', { sign: { plainBody: true } }));
    expect(ackText(ack)).toContain('Checking transform kündigungs-abgleich in');
    await h.settle();
    const posted = h.slack.channelView(SANDBOX_CHANNEL).slice(before);
    expect(posted).toHaveLength(1);
    expect(sectionTexts(posted[0]!).some((s) => s.includes('*kündigungs-abgleich*'))).toBe(true);
  });

});
