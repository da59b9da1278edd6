// Drift alerts with real handlers: CloudTrail-shaped events (the documented "AWS API Call via
// CloudTrail" envelope) into the drift function; it re-reads the sandbox's Glue and KMS and
// posts to the channels that follow the account and region.
import { CreateMLTransformCommand, GlueClient } from '@aws-sdk/client-glue';
import { KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { handleDriftEvent } from '../../src/handlers/drift.js';
import { cloudTrailEvent } from '../../src/sandbox/cloudTrail.js';
import { DEMO_KEY_ARNS, DEMO_KEY_IDS, newTransformInput } from '../../src/sandbox/fixtures.js';
import { SANDBOX_CHANNEL } from '../../src/sandbox/harness.js';
import { withoutZeroWidthSpaces } from '../../src/slack/views/blocks.js';
import { ACCOUNT, BOB, REGION, blocksText, eventsOfToday, startWorld, type World } from './helpers.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

interface EventOptions {
  account?: string;
  actorArn?: string;
  requestParameters?: Record<string, unknown>;
  responseElements?: Record<string, unknown> | null;
  errorCode?: string;
}

/** An EventBridge event of a CloudTrail management event, as the docs show them. */
const cloudTrail = (source: 'glue' | 'kms', eventName: string, o: EventOptions = {}) => cloudTrailEvent(source, eventName, { account: ACCOUNT, region: REGION, ...o });

async function follow(world: World): Promise<void> {
  const res = await world.h.command('subscribe', { user: BOB });
  expect(res.statusCode).toBe(200);
}

function alertsIn(world: World) {
  return world.h.slack
    .channelView(SANDBOX_CHANNEL)
    .map((m) => ({ ...m, read: withoutZeroWidthSpaces(`${m.text ?? ''}\n${blocksText(m.blocks)}`) }))
    .filter((m) => m.read.includes('glue-encrypt drift'));
}

/** As a person would: kms:ScheduleKeyDeletion through the API, 7 days. */
async function scheduleDeletion(): Promise<void> {
  const kms = new KMSClient({ region: REGION });
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO_KEY_IDS.glueMl, PendingWindowInDays: 7 }));
  kms.destroy();
}

describe('drift alerts', () => {
  it('alerts once for a new unencrypted transform, naming who created it, with Remediate', async () => {
    w = await startWorld();
    await follow(w);
    const glue = new GlueClient({ region: REGION });
    const created = await glue.send(new CreateMLTransformCommand(newTransformInput('shadow-match')));
    glue.destroy();
    const outcome = await handleDriftEvent(
      cloudTrail('glue', 'CreateMLTransform', { requestParameters: { name: 'shadow-match' }, responseElements: { transformId: created.TransformId } }),
      w.h.config,
    );
    expect(outcome).toMatchObject({ outcome: 'alerted', channels: [SANDBOX_CHANNEL] });
    const [alert, ...more] = alertsIn(w);
    expect(more).toHaveLength(0);
    expect(alert!.read).toContain('CreateMLTransform by mallory (role Admin)');
    expect(alert!.read).toMatch(/\*FAIL\*\s+\*shadow-match\*/);
    expect(JSON.stringify(alert!.blocks)).toContain('"action_id":"remediate"');
    const audited = (await eventsOfToday(w)).filter((e) => e.type === 'drift.alerted');
    expect(audited).toHaveLength(1);
    expect(JSON.parse(audited[0]!.detail!)).toMatchObject({ eventName: 'CreateMLTransform', by: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/mallory` });
  });

  it('alerts for a key scheduled for deletion with every transform that uses it', async () => {
    w = await startWorld();
    await follow(w);
    await scheduleDeletion();
    await handleDriftEvent(
      cloudTrail('kms', 'ScheduleKeyDeletion', {
        requestParameters: { keyId: DEMO_KEY_IDS.glueMl, pendingWindowInDays: 7 },
        responseElements: { keyId: DEMO_KEY_ARNS.glueMl, keyState: 'PendingDeletion', deletionDate: 'Dec 9, 2026, 12:00:00 AM' },
      }),
      w.h.config,
    );
    const [alert] = alertsIn(w);
    expect(alert!.read).toContain(`*ScheduleKeyDeletion* on key \`${DEMO_KEY_ARNS.glueMl}\``);
    expect(alert!.read).toContain('3 transforms use it; now: 3 failing.');
    for (const name of ['customer-dedupe', 'claims-dedupe', 'leads-match']) expect(alert!.read).toContain(name);
  });

  it('turns a burst of 20 events about one key into one alert, updated', async () => {
    w = await startWorld();
    await follow(w);
    await scheduleDeletion();
    const event = () => cloudTrail('kms', 'DisableKeyRotation', { requestParameters: { keyId: DEMO_KEY_IDS.glueMl } });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => handleDriftEvent(event(), w!.h.config)));
    expect(outcomes.filter((o) => o.outcome === 'alerted')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'updated')).toHaveLength(19);
    expect(w.h.slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.args).includes('glue-encrypt drift'))).toHaveLength(1);
    const [alert, ...more] = alertsIn(w);
    expect(more).toHaveLength(0);
    expect(alert!.edits).toBeGreaterThan(0);
    expect(alert!.read).toContain('20 events about it since');
  });

  it("does not alert on the bot's own re-create", async () => {
    w = await startWorld();
    await follow(w);
    const outcome = await handleDriftEvent(
      cloudTrail('glue', 'CreateMLTransform', {
        actorArn: `arn:aws:sts::${ACCOUNT}:assumed-role/glue-encrypt-remediate/glue-encrypt`,
        requestParameters: { name: 'orders-match' },
        responseElements: { transformId: 'tfm-0123456789abcdef0123456789abcdef01234567' },
      }),
      w.h.config,
    );
    expect(outcome.outcome).toBe('own');
    expect(alertsIn(w)).toHaveLength(0);
  });

  it('refuses an event from an account outside the organisation or the configuration', async () => {
    w = await startWorld();
    await follow(w);
    const outcome = await handleDriftEvent(cloudTrail('kms', 'DisableKey', { account: '444455556666', requestParameters: { keyId: DEMO_KEY_IDS.glueMl } }), w.h.config);
    expect(outcome).toMatchObject({ outcome: 'refused' });
    expect(alertsIn(w)).toHaveLength(0);
    expect((await eventsOfToday(w)).filter((e) => e.type === 'drift.alerted')).toHaveLength(0);
  });

  it('ignores what is not a watched CloudTrail event, and calls AWS refused', async () => {
    w = await startWorld();
    await follow(w);
    expect(await handleDriftEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, w.h.config)).toMatchObject({ outcome: 'ignored' });
    const refused = cloudTrail('kms', 'DisableKey', { requestParameters: { keyId: DEMO_KEY_IDS.glueMl }, errorCode: 'AccessDenied' });
    expect(await handleDriftEvent(refused, w.h.config)).toMatchObject({ outcome: 'ignored' });
    expect(alertsIn(w)).toHaveLength(0);
  });

  it('says a deleted transform is gone', async () => {
    w = await startWorld();
    await follow(w);
    await handleDriftEvent(cloudTrail('glue', 'DeleteMLTransform', { requestParameters: { transformId: 'tfm-0123456789abcdef0123456789abcdef01234567' } }), w.h.config);
    const [alert] = alertsIn(w);
    expect(alert!.read).toContain('*DeleteMLTransform* on transform tfm-0123456789abcdef0123456789abcdef01234567');
    expect(alert!.read).toContain('The transform no longer exists.');
  });
});

