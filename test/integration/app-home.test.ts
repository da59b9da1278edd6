// App Home through the real handlers: a signed app_home_opened event, the worker's views.publish,
// and what the Home tab shows before and after a scheduled scan; approving from the tab.
import type { KnownBlock } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { withoutZeroWidthSpaces } from '../../src/slack/views/blocks.js';
import { ACCOUNT, ALICE, BOB, ORDERS, blocksText, clickOnHome, mustGet, requestRemediation, startWorld, type World } from './helpers.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function home(world: World, user: string): Promise<{ read: string; blocks: KnownBlock[] }> {
  const res = await world.h.homeOpened(user);
  expect(res.statusCode).toBe(200);
  await world.h.settle();
  const tab = world.h.slack.homeTab(user);
  expect(tab?.view.type).toBe('home');
  const blocks = (tab?.view.blocks ?? []) as KnownBlock[];
  return { read: withoutZeroWidthSpaces(blocksText(blocks)), blocks };
}

async function digestNow(world: World): Promise<void> {
  await world.h.command('subscribe', { user: BOB });
  await world.h.digestsDue();
  await world.h.scheduledScan();
}

describe('App Home', () => {
  it('says no scan has run yet, then shows the posture per account and region from the newest scan', async () => {
    w = await startWorld();
    expect((await home(w, ALICE)).read).toContain('No scheduled scan has run yet');
    await digestNow(w);
    const { read } = await home(w, ALICE);
    expect(read).toContain('Last scan');
    expect(read).toMatch(new RegExp(`\\*${ACCOUNT}\\*\\neu-west-1: \\*\\d+ FAIL\\*`));
    expect(read).toMatch(/us-east-1: \*\d+ FAIL\*/);
    expect(read).toMatch(/<#C0SECURITY> daily at 09:00 UTC: last /);
  });

  it('shows an approver the requests waiting for them, with buttons that decide from the tab', async () => {
    w = await startWorld();
    const req = await requestRemediation(w, ALICE);
    const bob = await home(w, BOB);
    expect(bob.read).toContain('*Waiting for your approval* · 1');
    expect(bob.read).toContain(`*${ORDERS}* (${ACCOUNT} · eu-west-1) — remediate, requested by <@${ALICE}>`);
    const actions = bob.blocks.find((b) => b.type === 'actions');
    const approve = actions?.type === 'actions' ? actions.elements.find((e) => 'action_id' in e && e.action_id === 'approve') : undefined;
    expect(approve).toBeDefined();
    // The requester sees no buttons for her own request (four-eyes), and neither does a non-approver.
    expect((await home(w, ALICE)).read).not.toContain('Waiting for your approval');
    expect((await home(w, 'U0DAVE')).read).toContain('1 request waiting for an approver');

    // A click from the Home tab: a view container, no channel.
    const value = approve && 'value' in approve ? String(approve.value) : '';
    const res = await clickOnHome(w, BOB, { actionId: 'approve', value, blockId: actions?.block_id ?? 'b' });
    expect(res.statusCode).toBe(200);
    await w.h.settle();
    expect((await mustGet(w, req.id)).status).toBe('completed');
  });
});
