// The signing secret on Lambda lives in SSM; when someone regenerates it in Slack and stores
// the new one, a running function must not refuse every command until its container dies.
// One harness, steps in order: the function's cache of the secret lives as long as the module.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SANDBOX_CHANNEL, SANDBOX_SIGNING_SECRET_PARAM, startHarness, type Harness } from '../../src/sandbox/harness.js';
import { signedSlashCommand } from '../../src/sandbox/slackRequest.js';
import { SECRET_CACHE_SECONDS } from '../../src/slack/secrets.js';

let h: Harness;
const started = Date.now();
beforeAll(async () => {
  h = await startHarness({ signingSecretInSsm: true });
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await h.close();
});

const help = (signingSecret: string) =>
  h.slackHandler(signedSlashCommand({ text: 'help', userId: 'U0ALICE', channelId: SANDBOX_CHANNEL, teamId: h.slack.teamId }, { signingSecret }));
const ssmReads = () => h.aws.callCounts()['ssm:GetParameter'] ?? 0;
/** The clock `n` cache ages (plus a second) after the function started. */
const afterCacheAges = (n: number) => vi.useFakeTimers({ toFake: ['Date'], now: started + n * (SECRET_CACHE_SECONDS + 1) * 1000 });
const rotated = randomBytes(16).toString('hex');

describe('the signing secret kept in SSM', () => {
  it('is read from SSM at start, and answers requests signed with it', async () => {
    expect(ssmReads()).toBe(1);
    expect((await help(h.signingSecret)).statusCode).toBe(200);
  });

  it('is not read again for forged signatures within the cache age, and once past it, however many come', async () => {
    for (let i = 0; i < 3; i++) expect((await help('forged')).statusCode).toBe(401);
    expect(ssmReads()).toBe(1);
    afterCacheAges(1);
    for (let i = 0; i < 5; i++) expect((await help('forged')).statusCode).toBe(401);
    expect(ssmReads()).toBe(2);
    expect((await help(h.signingSecret)).statusCode).toBe(200);
  });

  it('once rotated, is picked up on the first request signed with the new one after the cache age; the old one is refused from then on', async () => {
    h.aws.parameters.put(h.aws.state.defaultAccountId, h.aws.state.defaultRegion, SANDBOX_SIGNING_SECRET_PARAM, rotated);
    afterCacheAges(1);
    expect((await help(rotated)).statusCode).toBe(401); // checked less than a cache age ago
    expect(ssmReads()).toBe(2);
    afterCacheAges(2);
    expect((await help(rotated)).statusCode).toBe(200);
    expect(ssmReads()).toBe(3);
    expect((await help(h.signingSecret)).statusCode).toBe(401);
  });
});
