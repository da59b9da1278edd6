// Channel digests end to end: signed /glue-encrypt commands manage subscriptions; the scan state
// machine (the template's own definition, run by the sandbox) scans, stores snapshots and posts
// each due digest; a second digest reports what changed since the first.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateMLTransformCommand, GlueClient } from '@aws-sdk/client-glue';
import { DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { KnownBlock } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriptionStore } from '../../src/digests/subscriptionStore.js';
import { DEMO_KEY_IDS, newTransformInput } from '../../src/sandbox/fixtures.js';
import { SANDBOX_CHANNEL } from '../../src/sandbox/harness.js';
import type { PostedMessage } from '../../src/sandbox/slack.js';
import { withoutZeroWidthSpaces } from '../../src/slack/views/blocks.js';
import { ALICE, BOB, DAVE, ORDERS, REGION, blocksText, eventsOfToday, requestRemediation, startWorld, type World } from './helpers.js';

const PLATFORM = 'C0PLATFORM';
const RANDOM = 'C0RANDOM';
/** In GLUE_ENCRYPT_ACCOUNTS, but no read role was ever deployed there. */
const UNREADABLE_ACCOUNT = '333333333333';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

interface Ack {
  response_type?: string;
  text: string;
  blocks?: KnownBlock[];
}

async function say(world: World, text: string, user = BOB, channel = SANDBOX_CHANNEL): Promise<Ack> {
  const res = await world.h.command(text, { user, channel });
  expect(res.statusCode).toBe(200);
  const ack = JSON.parse(res.body) as Ack;
  return { ...ack, text: withoutZeroWidthSpaces(`${ack.text}\n${blocksText(ack.blocks ?? [])}`) };
}

function store(world: World): SubscriptionStore {
  return new SubscriptionStore(new DynamoDBClient({}), world.h.config.tables.state!);
}

const makeDue = (world: World, channelId: string) => world.h.digestsDue(channelId);

/** The top-level messages the bot posted in a channel (digests), with their text as read. */
function digestsIn(world: World, channelId: string): (PostedMessage & { read: string })[] {
  return world.h.slack
    .messagesIn(channelId)
    .filter((m) => !m.threadTs)
    .map((m) => ({ ...m, read: withoutZeroWidthSpaces(`${m.text ?? ''}\n${blocksText(m.blocks)}`) }));
}

async function createUnencryptedTransform(name: string): Promise<void> {
  const glue = new GlueClient({ region: REGION });
  await glue.send(
    new CreateMLTransformCommand(newTransformInput(name, { TransformEncryption: { MlUserDataEncryption: { MlUserDataEncryptionMode: 'DISABLED' } } })),
  );
  glue.destroy();
}

describe('subscriptions', () => {
  it('subscribes a channel, lists and removes it, telling the channel and auditing each change', async () => {
    w = await startWorld();
    const ack = await say(w, 'subscribe daily 09:00 --tz europe/paris --only-failures');
    expect(ack.response_type).toBe('in_channel');
    expect(ack.text).toMatch(/<@U0BOB> subscribed this channel to a glue-encrypt digest \([0-9a-f]{6}\): daily at 09:00 Europe\/Paris · failures only/);
    const [s] = await store(w).forChannel(SANDBOX_CHANNEL);
    expect(s).toMatchObject({ createdBy: BOB, timeZone: 'Europe/Paris', onlyFailures: true, cadence: { kind: 'daily', time: '09:00' } });
    // The next 09:00 in Paris, in UTC: 08:00 in winter, 07:00 in summer.
    expect(s!.nextDueAt).toMatch(/T0[78]:00:00\.000Z$/);
    expect(Date.parse(s!.nextDueAt)).toBeGreaterThan(Date.now());

    const list = await say(w, 'subscriptions', ALICE);
    expect(list.response_type).toBe('ephemeral');
    expect(list.text).toContain(`\`${s!.id}\` daily at 09:00 Europe/Paris · failures only`);
    expect((await say(w, 'subscriptions', ALICE, RANDOM)).text).toContain('This channel has no glue-encrypt digests');

    const gone = await say(w, 'unsubscribe');
    expect(gone.response_type).toBe('in_channel');
    expect(gone.text).toContain(`<@U0BOB> stopped this channel's glue-encrypt digest ${s!.id}`);
    expect(await store(w).forChannel(SANDBOX_CHANNEL)).toEqual([]);

    const events = (await eventsOfToday(w)).filter((e) => e.type.startsWith('subscription.'));
    expect(events.map((e) => [e.type, e.actor, e.channel])).toEqual([
      ['subscription.created', BOB, SANDBOX_CHANNEL],
      ['subscription.removed', BOB, SANDBOX_CHANNEL],
    ]);
  });

  it.each([
    ['subscribe daily 25:00', /"25:00" is not a time of day/],
    ['subscribe --tz Mars/Olympus', /not a time zone/],
    ['subscribe --region ap-south-2', /ap-south-2 is not a region the scan reads \(eu-west-1, us-east-1\)/],
    ['subscribe --account 999999999999', /999999999999 is not an account the scan reads/],
    ['unsubscribe', /no digest subscriptions/],
  ])('answers %j with a usage error only the typist sees, and stores nothing', async (text, message) => {
    w = await startWorld();
    const ack = await say(w, text);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toMatch(message);
    expect(await store(w).forChannel(SANDBOX_CHANNEL)).toEqual([]);
  });

  it('lets only approvers change digests by default; a refusal is audited and changes nothing', async () => {
    w = await startWorld();
    const ack = await say(w, 'subscribe', DAVE);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('Only approvers may change the channel digests');
    expect(await store(w).forChannel(SANDBOX_CHANNEL)).toEqual([]);
    expect((await eventsOfToday(w)).filter((e) => e.type === 'subscription.refused').map((e) => e.actor)).toEqual([DAVE]);
    // A member of the approver group may.
    expect((await say(w, 'subscribe', 'U0CAROL')).response_type).toBe('in_channel');
    // With GLUE_ENCRYPT_SUBSCRIPTION_MANAGERS=anyone, anyone may.
    await w.close();
    w = await startWorld({ env: { GLUE_ENCRYPT_SUBSCRIPTION_MANAGERS: 'anyone' } });
    expect((await say(w, 'subscribe', DAVE)).response_type).toBe('in_channel');
  });

  it('refuses a second identical subscription', async () => {
    w = await startWorld();
    await say(w, 'subscribe weekly mon 08:00');
    const again = await say(w, 'subscribe weekly Monday 8:00');
    expect(again.text).toContain('This channel already has that digest');
    expect(await store(w).forChannel(SANDBOX_CHANNEL)).toHaveLength(1);
  });
});

describe('digests', () => {
  it('posts the due digests to their channels only, and the next one reports what changed', async () => {
    w = await startWorld();
    await say(w, 'subscribe daily 09:00');
    await say(w, 'subscribe daily 09:00 --region us-east-1 --only-failures', BOB, PLATFORM);

    // Nothing due yet: the schedule's run scans nothing and posts nothing.
    await w.h.scheduledScan();
    expect(digestsIn(w, SANDBOX_CHANNEL)).toHaveLength(0);
    expect(w.h.aws.invocations().filter((i) => JSON.stringify(i.event).includes('"step":"targets"'))).toHaveLength(0);

    await makeDue(w, SANDBOX_CHANNEL);
    await makeDue(w, PLATFORM);
    await w.h.scheduledScan();
    const [first] = digestsIn(w, SANDBOX_CHANNEL);
    expect(first!.read).toContain('glue-encrypt digest');
    expect(first!.read).toContain('First digest of this subscription');
    expect(first!.read).toMatch(/\*\d+ FAIL\*/);
    // The worst failures carry their Remediate buttons.
    expect(JSON.stringify(first!.blocks)).toContain('"action_id":"remediate"');
    const [platformFirst] = digestsIn(w, PLATFORM);
    expect(platformFirst!.read).not.toContain('eu-west-1');
    expect(digestsIn(w, RANDOM)).toHaveLength(0);
    const next = (await store(w).forChannel(SANDBOX_CHANNEL))[0]!;
    expect(Date.parse(next.nextDueAt)).toBeGreaterThan(Date.now());
    expect(next.lastRunId).toBeDefined();

    // Between the two: someone creates an unencrypted transform, and the glue-ml key is disabled.
    await createUnencryptedTransform('fraud-match-new');
    const kms = new KMSClient({ region: REGION });
    await kms.send(new DisableKeyCommand({ KeyId: DEMO_KEY_IDS.glueMl }));
    kms.destroy();

    await makeDue(w, SANDBOX_CHANNEL);
    await makeDue(w, PLATFORM);
    await w.h.scheduledScan();
    const second = digestsIn(w, SANDBOX_CHANNEL)[1]!;
    expect(second.read).toMatch(/Since .*:/);
    expect(second.read).toMatch(/new failures?\*: .*fraud-match-new/);
    expect(second.read).toMatch(/:new: 1 new transform: fraud-match-new/);
    expect(second.read).toMatch(/Key `arn:aws:kms:eu-west-1:111111111111:key\/b18bf606-2b84-427d-880d-985b50b67678` \*disabled\*; 3 transforms encrypted with it/);
    // The platform channel follows us-east-1 only, where nothing changed: one line says so.
    const platformSecond = digestsIn(w, PLATFORM)[1]!;
    expect(platformSecond.blocks).toHaveLength(1);
    expect(platformSecond.read).toMatch(/nothing changed since/);
    expect(digestsIn(w, RANDOM)).toHaveLength(0);

    const posted = (await eventsOfToday(w)).filter((e) => e.type === 'digest.posted');
    expect(posted.map((e) => e.channel).sort()).toEqual([PLATFORM, PLATFORM, SANDBOX_CHANNEL, SANDBOX_CHANNEL]);
  });

  it('reports an account it could not read as unreadable and the others as usual', async () => {
    w = await startWorld({ env: { GLUE_ENCRYPT_ACCOUNTS: UNREADABLE_ACCOUNT } });
    // No read role there: AWS refuses the AssumeRole.
    w.h.aws.state.denyAssumeRole(UNREADABLE_ACCOUNT);
    await say(w, 'subscribe');
    await makeDue(w, SANDBOX_CHANNEL);
    await w.h.scheduledScan();
    const [digest] = digestsIn(w, SANDBOX_CHANNEL);
    expect(digest!.read).toMatch(new RegExp(`Unreadable: could not read 2 account-regions \\(${UNREADABLE_ACCOUNT} · eu-west-1: `));
    expect(digest!.read).toMatch(/\*\d+ FAIL\*/);
    expect(digest!.read).toContain('2 accounts');
  });

  it('posts the channel digest at once on /glue-encrypt digest, keeping the schedule', async () => {
    w = await startWorld();
    await say(w, 'subscribe weekly mon 09:00');
    const before = (await store(w).forChannel(SANDBOX_CHANNEL))[0]!;
    const ack = await say(w, 'digest', ALICE);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain("Scanning for this channel's digest");
    await w.h.settle();
    expect(digestsIn(w, SANDBOX_CHANNEL)).toHaveLength(1);
    const after = (await store(w).forChannel(SANDBOX_CHANNEL))[0]!;
    expect(after.nextDueAt).toBe(before.nextDueAt);
    expect(after.lastRunId).toBeDefined();
  });

  it('waits out a 429 and posts at most one message a second to a channel', async () => {
    w = await startWorld({ env: { GLUE_ENCRYPT_CHANNEL_INTERVAL_MS: '1000' } });
    await say(w, 'subscribe');
    await makeDue(w, SANDBOX_CHANNEL);
    w.h.slack.rateLimitNext('chat.postMessage', 1);
    await w.h.scheduledScan();
    const calls = w.h.slack.calls('chat.postMessage');
    expect(calls[0]!.status).toBe(429);
    const posts = w.h.slack.messagesIn(SANDBOX_CHANNEL);
    // The digest and its thread reply (the demo estate has more transforms than the message lists).
    expect(posts.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < posts.length; i++) expect(posts[i]!.postedAt.getTime() - posts[i - 1]!.postedAt.getTime()).toBeGreaterThanOrEqual(990);
    expect(posts[1]!.threadTs).toBe(posts[0]!.ts);
  });

  it('keeps the baseline when Slack refuses the digest, and says why in the list', async () => {
    w = await startWorld();
    await say(w, 'subscribe');
    await makeDue(w, SANDBOX_CHANNEL);
    w.h.slack.failNext('chat.postMessage', 'not_in_channel');
    await w.h.scheduledScan();
    const [s] = await store(w).forChannel(SANDBOX_CHANNEL);
    expect(s!.lastError).toBe('not_in_channel');
    expect(s!.lastRunId).toBeUndefined();
    expect((await say(w, 'subscriptions')).text).toContain(':warning: last attempt failed (not_in_channel)');
    expect((await eventsOfToday(w)).filter((e) => e.type === 'digest.failed').map((e) => e.outcome)).toEqual(['failed']);
  });

  it('lists remediations waiting for approval, with their age', async () => {
    w = await startWorld();
    await requestRemediation(w);
    await say(w, 'subscribe', BOB, PLATFORM);
    await makeDue(w, PLATFORM);
    await w.h.scheduledScan();
    const [digest] = digestsIn(w, PLATFORM);
    expect(digest!.read).toContain(`Remediations: 1 request waiting for approval, the oldest ${ORDERS} for 0 hours.`);
  });
});

describe('organisation scan', () => {
  it('reads every active account of the organisation (a Distributed Map past 40), skips suspended ones, reports an unreadable one', async () => {
    w = await startWorld({ env: { GLUE_ENCRYPT_ORGANIZATION_SCAN: 'true' } });
    const org = w.h.aws.organization;
    org.create();
    const members = org.addAccounts(44);
    org.addAccount({ id: '999999999999', state: 'SUSPENDED' });
    const locked = members[7]!.Id!;
    w.h.aws.state.denyAssumeRole(locked);
    await say(w, 'subscribe --region eu-west-1');
    await makeDue(w, SANDBOX_CHANNEL);
    await w.h.scheduledScan();

    const [digest] = digestsIn(w, SANDBOX_CHANNEL);
    // The management account and its 44 members; the suspended one is not among them.
    expect(digest!.read).toContain('45 accounts');
    expect(digest!.read).toMatch(new RegExp(`Unreadable: could not read 1 account-region \\(${locked} · eu-west-1: `));
    expect(digest!.read).not.toContain('999999999999');
    expect(digest!.read).toMatch(/\*\d+ FAIL\*/);
  });

  it('tells the channel when the accounts cannot be listed, instead of a silent gap', async () => {
    w = await startWorld({ env: { GLUE_ENCRYPT_ORGANIZATION_SCAN: 'true' } });
    // No organization: AWSOrganizationsNotInUseException.
    await say(w, 'subscribe');
    await makeDue(w, SANDBOX_CHANNEL);
    await w.h.scheduledScan();
    const [notice] = digestsIn(w, SANDBOX_CHANNEL);
    expect(notice!.read).toContain('the scheduled scan could not list the accounts to read');
    expect(notice!.read).toContain('AWSOrganizationsNotInUseException');
    const [s] = await store(w).forChannel(SANDBOX_CHANNEL);
    expect(s!.lastError).toBe('scan_failed');
    expect(s!.lastRunId).toBeUndefined();
  });
});

