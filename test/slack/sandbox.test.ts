import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { Logger, WebAPIPlatformError } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackSandbox } from '../../src/sandbox/slack.js';
import type { SlackSandbox } from '../../src/sandbox/slack.js';
import { renderScan } from '../../src/slack/views/findings.js';
import { renderNotice } from '../../src/slack/views/notice.js';
import { blocksToText } from '../../src/slack/views/terminal.js';
import { finding, passing, reason, scan } from './factories.js';

const SEC = 'C0SECURITY';
const PRIVATE = 'G0PRIVATE';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

let slack: SlackSandbox;
let web: WebClient;

// The failures below are on purpose; keep the WebClient's own logging out of the test output.
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** A client that gives up at once, so failure tests do not wait on retries. */
function client(token = slack.token, extra: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quiet, ...extra });
}

async function slackError(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
  try {
    await promise;
  } catch (err) {
    return err as WebAPIPlatformError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  slack = await startSlackSandbox({
    users: [
      { id: ALICE, name: 'alice', realName: 'Alice Example', email: 'alice@example.com' },
      { id: BOB, name: 'bob', isAdmin: true },
    ],
    channels: [
      { id: SEC, name: 'security' },
      { id: PRIVATE, name: 'ml-private', isPrivate: true, isMember: false },
    ],
    usergroups: { S0SECLEADS: [BOB] },
  });
  web = client();
});

afterAll(async () => {
  await slack.close();
});

describe('Slack sandbox with the real WebClient', () => {
  const result = scan([
    finding('customer-dedupe', [reason('USER_DATA_NOT_ENCRYPTED')]),
    finding('vendor-match', [reason('SECURITY_CONFIGURATION_MISSING')]),
    ...passing(5),
  ]);
  const [message] = renderScan(result, { remediate: true });

  it('posts a rendered scan and records exactly what was sent', async () => {
    const posted = await web.chat.postMessage({ channel: SEC, text: message!.text, blocks: message!.blocks });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe(SEC);
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message?.blocks).toEqual(message!.blocks);

    const call = slack.calls('chat.postMessage').at(-1);
    expect(call?.args.blocks).toEqual(message!.blocks);
    expect(call?.args.text).toBe(message!.text);
    expect(call?.args).not.toHaveProperty('token');
    const stored = slack.messagesIn('#security').find((m) => m.ts === posted.ts);
    expect(stored).toMatchObject({ channel: SEC, text: message!.text, blocks: message!.blocks, user: slack.botUserId });
    expect(blocksToText({ text: stored!.text ?? '', blocks: stored!.blocks })).toContain('[Remediate]');
  });

  it('gives every message a unique, increasing ts', async () => {
    const tss: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const posted = await web.chat.postMessage({ channel: SEC, text: `progress ${i}` });
      tss.push(posted.ts!);
    }
    expect(new Set(tss).size).toBe(5);
    expect([...tss].sort((a, b) => Number(a) - Number(b))).toEqual(tss);
  });

  it('updates a message: the channel shows the new content, messagesIn the original', async () => {
    const posted = await web.chat.postMessage({ channel: SEC, ...renderNotice('Step 1 of 5: exporting labels…') });
    const updated = renderNotice('Step 2 of 5: renaming the original…');
    const answer = await web.chat.update({ channel: SEC, ts: posted.ts!, ...updated });
    expect(answer).toMatchObject({ ok: true, channel: SEC, ts: posted.ts });

    const now = slack.channelView(SEC).find((m) => m.ts === posted.ts);
    expect(now).toMatchObject({ text: updated.text, blocks: updated.blocks, edits: 1 });
    expect(slack.messagesIn(SEC).find((m) => m.ts === posted.ts)?.text).toBe('Step 1 of 5: exporting labels…');

    // Text only: the blocks stay, like Slack.
    await web.chat.update({ channel: SEC, ts: posted.ts!, text: 'Step 3 of 5' });
    expect(slack.channelView(SEC).find((m) => m.ts === posted.ts)).toMatchObject({ text: 'Step 3 of 5', blocks: updated.blocks, edits: 2 });
  });

  it('keeps thread replies apart from the messages they answer', async () => {
    const parent = await web.chat.postMessage({ channel: SEC, text: 'findings (1 of 2)' });
    await web.chat.postMessage({ channel: SEC, text: 'findings (2 of 2)', thread_ts: parent.ts! });
    const reply = slack.channelView(SEC).at(-1);
    expect(reply).toMatchObject({ text: 'findings (2 of 2)', threadTs: parent.ts });
  });

  it('rejects a wrong token with invalid_auth and a missing one with not_authed', async () => {
    const wrong = await slackError(client('xoxb-wrong').chat.postMessage({ channel: SEC, text: 'hi' }));
    expect(wrong.code).toBe(ErrorCode.PlatformError);
    expect(wrong.data.error).toBe('invalid_auth');
    expect(wrong.message).toContain('invalid_auth');

    const missing = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(await missing.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('answers unknown methods with unknown_method', async () => {
    const err = await slackError(web.apiCall('chat.frobnicate', { channel: SEC }));
    expect(err.data.error).toBe('unknown_method');
  });

  it('surfaces an injected failure, then recovers', async () => {
    slack.failNext('chat.postMessage', 'channel_not_found', 2);
    for (let i = 0; i < 2; i += 1) {
      const err = await slackError(web.chat.postMessage({ channel: SEC, text: 'hi' }));
      expect(err.data.error).toBe('channel_not_found');
    }
    await expect(web.chat.postMessage({ channel: SEC, text: 'hi' })).resolves.toMatchObject({ ok: true });
    expect(slack.calls('chat.postMessage').slice(-3).map((c) => c.error ?? 'ok')).toEqual([
      'channel_not_found',
      'channel_not_found',
      'ok',
    ]);
  });

  it('rate limits with 429 and Retry-After, which the WebClient honours', async () => {
    slack.rateLimitNext('chat.update', 7);
    const rejecting = client(slack.token, { rejectRateLimitedCalls: true });
    const err = await slackError(rejecting.chat.update({ channel: SEC, ts: '1.000100', text: 'x' }));
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect((err as unknown as { retryAfter: number }).retryAfter).toBe(7);

    slack.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    const retrying = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, logger: quiet });
    await expect(retrying.chat.postMessage({ channel: SEC, text: 'after the wait' })).resolves.toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(slack.calls('chat.postMessage').slice(-2).map((c) => c.status)).toEqual([429, 200]);
  });

  it('refuses blocks Slack would refuse, in its words', async () => {
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' as const }));
    const err = await slackError(web.chat.postMessage({ channel: SEC, text: 'x', blocks: tooMany }));
    expect(err.data.error).toBe('invalid_blocks');
    expect(err.data.response_metadata?.messages).toContain('[ERROR] must have no more than 50 items [json-pointer:/blocks]');

    const long = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'x'.repeat(3001) } }];
    const err2 = await slackError(web.chat.postMessage({ channel: SEC, text: 'x', blocks: long }));
    expect(err2.data.response_metadata?.messages).toEqual([
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);

    const empty = await slackError(web.chat.postMessage({ channel: SEC, text: '' }));
    expect(empty.data.error).toBe('no_text');
  });

  it('knows channels: unknown, not a member, and conversations.info', async () => {
    expect((await slackError(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).data.error).toBe('channel_not_found');
    expect((await slackError(web.chat.postMessage({ channel: PRIVATE, text: 'x' }))).data.error).toBe('not_in_channel');
    const info = await web.conversations.info({ channel: PRIVATE });
    expect(info.channel).toMatchObject({ id: PRIVATE, name: 'ml-private', is_private: true, is_member: false });
  });

  it('answers auth.test, users.info and usergroups.users.list', async () => {
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true, user_id: slack.botUserId, team_id: slack.teamId, bot_id: slack.botId });
    const alice = await web.users.info({ user: ALICE });
    expect(alice.user).toMatchObject({ id: ALICE, name: 'alice', real_name: 'Alice Example', profile: { email: 'alice@example.com' } });
    expect((await slackError(web.users.info({ user: 'U0NOBODY' }))).data.error).toBe('user_not_found');

    expect((await web.usergroups.users.list({ usergroup: 'S0SECLEADS' })).users).toEqual([BOB]);
    slack.setUsergroup('S0SECLEADS', [BOB, ALICE]);
    expect((await web.usergroups.users.list({ usergroup: 'S0SECLEADS' })).users).toEqual([BOB, ALICE]);
    expect((await slackError(web.usergroups.users.list({ usergroup: 'S0NOPE' }))).data.error).toBe('no_such_subteam');
  });

  it('posts ephemeral messages to one person', async () => {
    const help = renderNotice('Only you can see this.');
    const answer = await web.chat.postEphemeral({ channel: SEC, user: ALICE, ...help });
    expect(answer.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(slack.ephemerals({ user: ALICE }).at(-1)).toMatchObject({ channel: SEC, text: help.text, blocks: help.blocks });
    expect(slack.channelView(SEC).some((m) => m.text === help.text)).toBe(false);
  });

  it('opens and updates modals', async () => {
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Reject remediation' },
      blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'Why?' } }],
    };
    const opened = await web.views.open({ trigger_id: slack.mintTriggerId(), view });
    expect(opened.view).toMatchObject({ type: 'modal', title: view.title });
    const id = opened.view!.id!;
    const updated = await web.views.update({
      view_id: id,
      hash: opened.view!.hash!,
      view: { ...view, title: { type: 'plain_text', text: 'Rejected' } },
    });
    expect(updated.view?.title?.text).toBe('Rejected');
    expect(slack.views().find((v) => v.id === id)?.view).toMatchObject({ title: { text: 'Rejected' } });
    const stale = await slackError(web.views.update({ view_id: id, hash: opened.view!.hash!, view }));
    expect(stale.data.error).toBe('hash_conflict');
  });

  it('opens a modal only with a trigger it issued, once, within 3 seconds, as Slack does', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Accept risk' }, blocks: [] };
    expect((await slackError(web.views.open({ trigger_id: '12345.98765.abcd', view }))).data.error).toBe('invalid_trigger_id');
    const trigger = slack.mintTriggerId();
    await web.views.open({ trigger_id: trigger, view });
    expect((await slackError(web.views.open({ trigger_id: trigger, view }))).data.error).toBe('exchanged_trigger_id');
    const old = slack.mintTriggerId(new Date(Date.now() - 3_001));
    expect((await slackError(web.views.open({ trigger_id: old, view }))).data.error).toBe('expired_trigger_id');
    expect(slack.views().filter((v) => v.view.title && (v.view.title as { text: string }).text === 'Accept risk')).toHaveLength(1);
  });

  it('accepts JSON bodies with a bearer token, as Slack does', async () => {
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${slack.token}` },
      body: JSON.stringify({ channel: SEC, text: 'json', blocks: message!.blocks }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: SEC });
    expect(slack.channelView(SEC).at(-1)).toMatchObject({ text: 'json', blocks: message!.blocks });
  });
});

describe('files.uploadV2 (getUploadURLExternal, the upload, completeUploadExternal)', () => {
  it('shares the uploaded bytes in the thread, as the real WebClient sends them', async () => {
    const parent = await web.chat.postMessage({ channel: SEC, text: 'findings' });
    const content = 'a,b\r\n"x, y",2\r\n';
    const out = await web.files.uploadV2({ channel_id: SEC, thread_ts: parent.ts!, filename: 'f.csv', title: 'Findings', content, initial_comment: 'All of them.' });
    expect(out.ok).toBe(true);
    const shared = slack.sharedFiles().at(-1)!;
    expect(shared).toMatchObject({ channel: SEC, threadTs: parent.ts, filename: 'f.csv', title: 'Findings', content, initialComment: 'All of them.' });
    expect(slack.calls('files.getUploadURLExternal').at(-1)!.args).toMatchObject({ filename: 'f.csv', length: String(Buffer.byteLength(content)) });
  });

  it('refuses a channel the bot is not in, and a thread that does not exist', async () => {
    expect((await slackError(client().files.uploadV2({ channel_id: PRIVATE, filename: 'f.csv', content: 'x' }))).data.error).toBe('not_in_channel');
    expect((await slackError(client().files.uploadV2({ channel_id: SEC, thread_ts: '1.000001', filename: 'f.csv', content: 'x' }))).data.error).toBe('invalid_thread_ts');
  });

  it('refuses to complete a file that was never uploaded', async () => {
    const { file_id } = await web.files.getUploadURLExternal({ filename: 'f.csv', length: 3 });
    expect((await slackError(client().files.completeUploadExternal({ files: [{ id: file_id! }], channel_id: SEC }))).data.error).toBe('file_not_found');
  });

  it('answers missing_scope without files:write', async () => {
    const restricted = await startSlackSandbox({ channels: [{ id: SEC, name: 'security' }] });
    try {
      restricted.revokeScope('files:write');
      const c = new WebClient(restricted.token, { slackApiUrl: restricted.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
      const err = await slackError(c.files.uploadV2({ channel_id: SEC, filename: 'f.csv', content: 'x' }));
      expect(err.data.error).toBe('missing_scope');
      expect(restricted.sharedFiles()).toEqual([]);
    } finally {
      await restricted.close();
    }
  });
});

describe('response_url', () => {
  const post = (url: string, body: unknown) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('posts in channel, ephemerally, and replaces the original; five uses at most', async () => {
    const commandUrl = slack.mintResponseUrl({ channel: '#security', user: ALICE });
    expect(commandUrl.startsWith(`${slack.url}/response/`)).toBe(true);

    const inChannel = renderNotice('Checking 2 regions… results will appear here.');
    expect((await post(commandUrl, { response_type: 'in_channel', ...inChannel })).status).toBe(200);
    const shown = slack.channelView(SEC).at(-1);
    expect(shown).toMatchObject({ text: inChannel.text, blocks: inChannel.blocks, via: 'response_url' });

    expect((await post(commandUrl, { text: 'just for you' })).status).toBe(200);
    expect(slack.ephemerals({ channel: SEC, user: ALICE }).at(-1)).toMatchObject({ text: 'just for you', via: 'response_url' });

    const clickUrl = slack.mintResponseUrl({ channel: SEC, user: BOB, messageTs: shown!.ts });
    expect((await post(clickUrl, { replace_original: true, text: 'Approved by @bob at 14:07' })).status).toBe(200);
    expect(slack.channelView(SEC).find((m) => m.ts === shown!.ts)).toMatchObject({ text: 'Approved by @bob at 14:07', edits: 1 });

    for (let i = 0; i < 3; i += 1) expect((await post(commandUrl, { text: `use ${i + 3}` })).status).toBe(200);
    const sixth = await post(commandUrl, { text: 'one too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
    expect(slack.calls('response_url').at(-1)).toMatchObject({ ok: false, error: 'used_url', args: { text: 'one too many' } });
  });

  it('refuses an unknown response_url and invalid blocks', async () => {
    expect((await post(`${slack.url}/response/R000000nope`, { text: 'x' })).status).toBe(404);
    const url = slack.mintResponseUrl({ channel: SEC, user: ALICE });
    const res = await post(url, { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
  });
});

describe('waitFor', () => {
  it('resolves when a later call makes the predicate true', async () => {
    const waiting = slack.waitFor((s) => s.channelView(SEC).find((m) => m.text === 'done, eventually'));
    setTimeout(() => void web.chat.postMessage({ channel: SEC, text: 'done, eventually' }), 50);
    await expect(waiting).resolves.toMatchObject({ text: 'done, eventually', channel: SEC });
  });

  it('rejects after the timeout, naming the last calls', async () => {
    await expect(slack.waitFor((s) => s.calls('chat.delete').length > 0, 100)).rejects.toThrow(
      /condition not met within 100 ms\. Last calls: .*chat\.postMessage/,
    );
  });
});

describe('permissive sandbox (no users or channels configured)', () => {
  it('accepts any channel and well-formed user, with a custom token', async () => {
    const open = await startSlackSandbox({ token: 'xoxb-123-456-abc' });
    try {
      const c = new WebClient('xoxb-123-456-abc', { slackApiUrl: open.apiUrl, retryConfig: { retries: 0 } });
      const posted = await c.chat.postMessage({ channel: 'C0ANY', text: 'hello' });
      expect(open.messagesIn('C0ANY').map((m) => m.ts)).toEqual([posted.ts]);
      await expect(c.users.info({ user: 'U0SOMEONE' })).resolves.toMatchObject({ user: { id: 'U0SOMEONE' } });
      expect(open.calls().map((call) => call.method)).toEqual(['chat.postMessage', 'users.info']);
    } finally {
      await open.close();
    }
  });
});
