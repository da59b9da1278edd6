// `npm run demo`: the main job on the embedded sandbox, no AWS or Slack account needed.
// A Slack-signed `/glue-encrypt check` goes through the real Lambda handler, the worker
// scans the seeded Glue/KMS stand-in, and the terminal shows what the channel would show.
import { CreateMLTransformCommand, GlueClient } from '@aws-sdk/client-glue';
import { DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { handleDriftEvent } from './handlers/drift.js';
import { cloudTrailEvent } from './sandbox/cloudTrail.js';
import { startHarness, SANDBOX_CHANNEL, type Harness } from './sandbox/harness.js';
import { DEMO_ACCOUNT_ID, DEMO_KEY_IDS, DEMO_REGION, DEMO_TRANSFORM_IDS, newTransformInput } from './sandbox/fixtures.js';
import { blocksToText } from './slack/views/terminal.js';
import { ACTIONS, requestIdOfDecisionBlock } from './slack/views/remediation.js';
import { WAIVER_ACTIONS, parseAcceptRiskValue } from './slack/views/waivers.js';

const bold = (s: string) => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);
const rule = (title: string) => console.log(`\n${bold(`── ${title} `.padEnd(78, '─'))}`);

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  │ ${l}`)
    .join('\n');
}

function showAck(body: string): void {
  if (!body) return;
  const ack = JSON.parse(body) as { text: string; blocks?: unknown[] };
  console.log(indent(blocksToText({ text: ack.text, blocks: (ack.blocks ?? []) as never })));
}

/** A message as a person reads it. */
const messageText = (m: { text?: string; blocks: Parameters<typeof blocksToText>[0]['blocks'] }): string => blocksToText({ text: m.text ?? '', blocks: m.blocks });

const DIGEST_CHANNEL = 'C0DIGESTS';

/** Prints messages of the channel from index `from` on, as they show now. */
function showChannel(h: Harness, from = 0, channel = SANDBOX_CHANNEL): number {
  const messages = h.slack.channelView(channel);
  for (const m of messages.slice(from)) {
    console.log(indent(messageText(m)));
    console.log('  │');
  }
  return messages.length;
}

/** The newest approval request in the channel: its message, id, and what its Approve button sends. */
function latestRemediationMessage(h: Harness): { ts: string; id: string; approve: string } {
  const messages = h.slack.channelView(SANDBOX_CHANNEL);
  for (const m of [...messages].reverse()) {
    const actions = m.blocks.find((b) => b.type === 'actions' && requestIdOfDecisionBlock(b.block_id) !== undefined);
    if (actions?.type !== 'actions') continue;
    const approve = actions.elements.find((e) => 'action_id' in e && e.action_id === ACTIONS.approve);
    const value = approve && 'value' in approve ? approve.value : undefined;
    if (value) return { ts: m.ts, id: requestIdOfDecisionBlock(actions.block_id)!, approve: value };
  }
  throw new Error('No approval request was posted');
}

export async function runDemo(): Promise<number> {
  const harness = await startHarness({ aws: { taskRunMs: 30 } });
  try {
    console.log(bold('glue-encrypt demo — everything below runs locally on the embedded sandbox.'));
    console.log(
      'Glue/KMS/STS/Lambda/Step Functions stand-ins, dynalite and a Slack Web API stand-in listen on loopback;\n' +
        'the bot reaches them only through AWS_ENDPOINT_URL_* and SLACK_API_URL.',
    );

    rule('@alice types: /glue-encrypt check');
    let res = await harness.command('check', { user: 'U0ALICE' });
    console.log(`HTTP ${res.statusCode} within Slack's 3 s — what only @alice sees:`);
    showAck(res.body);
    await harness.settle();
    rule('#security now shows');
    let seen = showChannel(harness);

    rule('@alice types: /glue-encrypt check --region eu-west-2x   (a typo)');
    res = await harness.command('check --region eu-west-2x', { user: 'U0ALICE' });
    showAck(res.body);

    rule('@alice presses Remediate on orders-match');
    const transformId = DEMO_TRANSFORM_IDS['orders-match'];
    await harness.click(ACTIONS.remediate, JSON.stringify({ a: '111111111111', r: 'eu-west-1', t: transformId }), { user: 'U0ALICE' });
    await harness.settle();
    seen = showChannel(harness, seen) - 1;
    const request = latestRemediationMessage(harness);

    rule('@alice tries to approve her own request');
    await harness.click(ACTIONS.approve, request.approve, { user: 'U0ALICE', messageTs: request.ts });
    for (const e of harness.slack.ephemerals({ user: 'U0ALICE' }).slice(-1)) console.log(indent(messageText(e)));

    rule('@bob (an approver) approves; the workflow runs to the end');
    await harness.click(ACTIONS.approve, request.approve, { user: 'U0BOB', messageTs: request.ts });
    await harness.settle();
    seen = showChannel(harness, seen) - 1;

    rule('@alice presses Revert; @carol (in the approver group) approves');
    await harness.click(ACTIONS.revert, JSON.stringify({ id: request.id }), { user: 'U0ALICE', messageTs: request.ts });
    await harness.settle();
    const revert = latestRemediationMessage(harness);
    await harness.click(ACTIONS.approve, revert.approve, { user: 'U0CAROL', messageTs: revert.ts });
    await harness.settle();
    showChannel(harness, seen + 1);

    rule('@alice types: /glue-encrypt history orders-match   (what only @alice sees)');
    res = await harness.command('history orders-match', { user: 'U0ALICE' });
    showAck(res.body);
    await harness.settle();
    for (const e of harness.slack.ephemerals({ user: 'U0ALICE' }).slice(-1)) console.log(indent(messageText(e)));

    const waiver = await showWaiver(harness);
    const digests = await showDigests(harness);
    const drift = await showDrift(harness);
    showHome(await homeTab(harness, 'U0BOB'));

    // The demo shows the main job: say so loudly if it did not happen.
    const outcome = (ts: string) => {
      const m = harness.slack.channelView(SANDBOX_CHANNEL).find((x) => x.ts === ts);
      return m ? messageText(m) : '';
    };
    const failures = [
      !/· completed/.test(outcome(request.ts)) && 'the remediation of orders-match did not complete',
      !/· completed/.test(outcome(revert.ts)) && 'the revert of orders-match did not complete',
      !/WAIVED\s+\*?vendor-match/.test(waiver.check) && 'the approved waiver of vendor-match did not show as WAIVED',
      !/new failures?: .*fraud-match-2027/.test(digests.second) && 'the second digest did not report the new unencrypted transform',
      !/disabled; 3 transforms encrypted with it/.test(digests.second) && 'the second digest did not report the disabled key',
      !/CreateMLTransform on transform shadow-match/.test(drift.transform) && 'no drift alert for the new unencrypted transform',
      !/ScheduleKeyDeletion on key/.test(drift.key) && 'no drift alert for the key scheduled for deletion',
    ].filter(Boolean);

    const calls = harness.aws.callCounts();
    rule('AWS calls the sandbox answered');
    console.log(
      Object.entries(calls)
        .sort()
        .map(([k, v]) => `  ${k.padEnd(40)} ${v}`)
        .join('\n'),
    );
    if (failures.length > 0) {
      console.error(`\nThe demo did not show what it should: ${failures.join('; ')}.`);
      return 1;
    }
    return 0;
  } finally {
    await harness.close();
  }
}

/** The Accept-risk button of a transform in the channel's newest message offering one. */
function acceptRiskValue(h: Harness, name: string): string {
  for (const m of [...h.slack.channelView(SANDBOX_CHANNEL)].reverse()) {
    for (const b of m.blocks) {
      if (b.type !== 'actions') continue;
      const button = b.elements.find((e) => 'action_id' in e && e.action_id === WAIVER_ACTIONS.acceptRisk && 'value' in e && parseAcceptRiskValue(e.value)?.n === name);
      if (button && 'value' in button && button.value) return button.value;
    }
  }
  throw new Error(`No Accept risk button for ${name}`);
}

/** An accepted risk: the form (once refused), a refused self-approval, an approval, the check showing WAIVED. */
async function showWaiver(h: Harness): Promise<{ check: string }> {
  const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const form = (reason: string | null) => ({
    reason: { value: { type: 'plain_text_input', value: reason } },
    expiry: { value: { type: 'datepicker', selected_date: day(30) } },
    ticket: { value: { type: 'plain_text_input', value: 'SEC-4321' } },
  });
  rule('@alice presses Accept risk on vendor-match (from the first check); the form opens');
  await h.click(WAIVER_ACTIONS.acceptRisk, acceptRiskValue(h, 'vendor-match'), { user: 'U0ALICE' });
  const modal = h.slack.views().at(-1)!;
  console.log(indent(blocksToText({ text: '', blocks: ((modal.view.blocks ?? []) as never[]).slice(0, 1) })));
  console.log(indent('[Why is this risk accepted?]  [Until (end of day, UTC)]  [Ticket (optional)]'));

  rule(`@alice submits it without a reason: the form says so under the field, nothing is stored`);
  const refused = JSON.parse((await h.submitView('U0ALICE', form(null), modal.id)).body || '{}') as { errors?: Record<string, string> };
  console.log(indent(Object.entries(refused.errors ?? {}).map(([field, why]) => `${field}: ${why}`).join('\n')));

  rule(`@alice says why, until ${day(30)}, ticket SEC-4321: the request is posted for approval`);
  const before = h.slack.channelView(SANDBOX_CHANNEL).length;
  await h.submitView('U0ALICE', form('Vendor matching is replaced by the new MDM service next month; re-creating it now would stall the migration.'), modal.id);
  await h.settle();
  showChannel(h, before);
  const request = h.slack.channelView(SANDBOX_CHANNEL).at(-1)!;
  const approve = request.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e) => 'action_id' in e && e.action_id === WAIVER_ACTIONS.approve);
  const value = approve && 'value' in approve ? (approve.value ?? '') : '';

  rule('@alice tries to approve her own waiver');
  await h.click(WAIVER_ACTIONS.approve, value, { user: 'U0ALICE', messageTs: request.ts });
  for (const e of h.slack.ephemerals({ user: 'U0ALICE' }).slice(-1)) console.log(indent(messageText(e)));

  rule('@carol (in the approver group) approves it');
  await h.click(WAIVER_ACTIONS.approve, value, { user: 'U0CAROL', messageTs: request.ts });
  await h.settle();
  const now = h.slack.channelView(SANDBOX_CHANNEL);
  console.log(indent(messageText(now.find((m) => m.ts === request.ts)!)));
  for (const m of now.filter((x) => x.threadTs === request.ts)) console.log(indent(`↳ ${messageText(m)}`));

  rule('@alice types: /glue-encrypt check vendor-match');
  const seen = h.slack.channelView(SANDBOX_CHANNEL).length;
  await h.command('check vendor-match', { user: 'U0ALICE' });
  await h.settle();
  showChannel(h, seen);
  const check = h.slack.channelView(SANDBOX_CHANNEL).slice(seen).map(messageText).join('\n');
  return { check };
}

/** A subscription, two scheduled digests and what changed between them; returns what the second said. */
async function showDigests(h: Harness): Promise<{ second: string }> {
  rule('@bob types in #digests: /glue-encrypt subscribe daily 09:00 --tz Europe/Paris');
  const res = await h.command('subscribe daily 09:00 --tz Europe/Paris', { user: 'U0BOB', channel: DIGEST_CHANNEL });
  showAck(res.body);

  rule('09:00 in Paris: the schedule starts the scan state machine; #digests gets its first digest');
  await h.digestsDue(DIGEST_CHANNEL);
  await h.scheduledScan();
  const seen = showChannel(h, 0, DIGEST_CHANNEL);

  rule('During the day: someone creates an unencrypted transform, and the key alias/glue-ml is disabled');
  const glue = new GlueClient({ region: DEMO_REGION });
  await glue.send(
    new CreateMLTransformCommand(newTransformInput('fraud-match-2027')),
  );
  glue.destroy();
  console.log('  glue:CreateMLTransform fraud-match-2027 (no TransformEncryption: user data not encrypted)');
  const kms = new KMSClient({ region: DEMO_REGION });
  await kms.send(new DisableKeyCommand({ KeyId: DEMO_KEY_IDS.glueMl }));
  kms.destroy();
  console.log(`  kms:DisableKey ${DEMO_KEY_IDS.glueMl} (alias/glue-ml)`);

  rule('09:00 the next day: the second digest says what changed');
  await h.digestsDue(DIGEST_CHANNEL);
  await h.scheduledScan();
  const messages = h.slack.channelView(DIGEST_CHANNEL);
  showChannel(h, seen, DIGEST_CHANNEL);
  const second = messages.filter((m) => !m.threadTs).at(-1);
  return { second: second ? messageText(second) : '' };
}

/** Drift: two CloudTrail events (a new unencrypted transform, a key scheduled for deletion) and the alerts they raise. */
async function showDrift(h: Harness): Promise<{ transform: string; key: string }> {
  const before = h.slack.channelView(DIGEST_CHANNEL).length;
  const scope = { account: DEMO_ACCOUNT_ID, region: DEMO_REGION };
  rule('Drift: mallory creates shadow-match without encryption; EventBridge delivers the CloudTrail event');
  const glue = new GlueClient({ region: DEMO_REGION });
  const created = await glue.send(new CreateMLTransformCommand(newTransformInput('shadow-match')));
  glue.destroy();
  await handleDriftEvent(cloudTrailEvent('glue', 'CreateMLTransform', { ...scope, requestParameters: { name: 'shadow-match' }, responseElements: { transformId: created.TransformId } }), h.config);

  rule('Drift: mallory schedules the deletion of the key alias/glue-norotate (7 days)');
  const kms = new KMSClient({ region: DEMO_REGION });
  const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO_KEY_IDS.glueNoRotate, PendingWindowInDays: 7 }));
  kms.destroy();
  await handleDriftEvent(
    cloudTrailEvent('kms', 'ScheduleKeyDeletion', { ...scope, requestParameters: { keyId: DEMO_KEY_IDS.glueNoRotate, pendingWindowInDays: 7 }, responseElements: { keyId: scheduled.KeyId, keyState: scheduled.KeyState } }),
    h.config,
  );
  console.log('  #digests (it follows this account and region) now shows:');
  showChannel(h, before, DIGEST_CHANNEL);
  const alerts = h.slack.channelView(DIGEST_CHANNEL).slice(before).map(messageText);
  return { transform: alerts.find((t) => t.includes('CreateMLTransform')) ?? '', key: alerts.find((t) => t.includes('ScheduleKeyDeletion')) ?? '' };
}

async function homeTab(h: Harness, user: string): Promise<string> {
  rule(`@bob opens the app's Home tab`);
  await h.homeOpened(user);
  await h.settle();
  const tab = h.slack.homeTab(user);
  return tab ? blocksToText({ text: '', blocks: (tab.view.blocks ?? []) as never }) : '';
}

function showHome(text: string): void {
  console.log(indent(text));
}
