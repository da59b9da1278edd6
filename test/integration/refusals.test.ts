// Every refusal is told and audited: damaged buttons, remediation not enabled, another
// workspace or grid, a request that no longer exists, a Revert/Retire of something that cannot
// be, a key change by someone else or too late, an approver group Slack would not list; and the
// key menu, whose options name keys of any length and notice when the keys changed. Through
// the real Slack Lambda handler with signed requests, and the worker behind it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_KEY_IDS, demoKeyPolicy } from '../../src/sandbox/fixtures.js';
import { signedSlashCommand } from '../../src/sandbox/slackRequest.js';
import { ACTIONS } from '../../src/slack/views/remediation.js';
import {
  ACCOUNT,
  ALICE,
  BOB,
  CAROL,
  DAVE,
  ORDERS,
  REGION,
  actionIds,
  approveAndSettle,
  blocksText,
  chooseKey,
  decideVia,
  eventsOfToday,
  glue,
  idValue,
  keyMenu,
  lastEphemeral,
  messageOf,
  messageTextOf,
  mustGet,
  named,
  ofRemediation,
  original,
  refusalsOfType,
  remediateValue,
  requestRemediation,
  startWorld,
  trail,
  type Request,
  type World,
} from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const OTHER_TEAM = 'T0OTHERCO';
const UNKNOWN_ID = '3f2b8c1e-9d4a-4e6b-8f1c-2a7d5e9b0c43';

async function expectStillPending(req: Request) {
  const r = await mustGet(w, req.id);
  expect(r.status).toBe('pending_approval');
  expect(r.decidedBy).toBeUndefined();
  expect(w.h.aws.executions()).toEqual([]);
  expect(original(w)?.definition.Name).toBe(ORDERS);
}

/** The transform's own trail holds nothing but the request: refusals that name no transform are kept apart. */
async function expectTrailOnlyRequested(req: Request) {
  expect(ofRemediation(await trail(w), req.id).map((e) => e.type)).toEqual(['remediate.requested']);
}

describe('a damaged or forged button value is refused, told and audited', () => {
  it.each([
    ['remediate', '{"a":"111111111111","r":"eu-west-1"}'],
    ['revert', '{}'],
    ['retire', 'not json'],
    ['approve', '{"id":"not-a-uuid"}'],
    ['reject', '[]'],
  ] as const)('%s with %j', async (action, value) => {
    const req = await requestRemediation(w, ALICE);
    const invocations = w.h.aws.invocations().length;

    await w.h.click(ACTIONS[action], value, { user: BOB, messageTs: req.ts });
    await w.h.settle();

    expect(lastEphemeral(w, BOB)).toContain('That button is not valid.');
    expect(w.h.aws.invocations()).toHaveLength(invocations);
    await expectStillPending(req);
    await expectTrailOnlyRequested(req);
    expect(await refusalsOfType(w, `${action}.refused`)).toEqual([
      expect.objectContaining({
        actor: BOB,
        teamId: w.h.slack.teamId,
        outcome: 'refused',
        channel: 'C0SECURITY',
        messageTs: req.ts,
        detail: `The button's payload did not pass validation (${JSON.stringify(value)}); nothing was done.`,
      }),
    ]);
  });

  it('a key choice in the old format (the key in the value) or with an index out of range', async () => {
    const req = await requestRemediation(w, ALICE);
    const forged = [JSON.stringify({ id: req.id, k: 'alias/glue-norotate' }), JSON.stringify({ id: req.id, i: 100 }), JSON.stringify({ id: req.id, i: -1 })];
    for (const value of forged) await chooseKey(w, req, ALICE, { text: 'alias/glue-norotate', value });
    await w.h.settle();

    expect(lastEphemeral(w, ALICE)).toContain('That button is not valid.');
    expect((await mustGet(w, req.id)).plan.keyLabel).toBe('alias/glue-ml');
    const refused = await refusalsOfType(w, 'choose_key.refused');
    expect(refused.map((e) => e.detail)).toEqual(forged.map((v) => expect.stringContaining(JSON.stringify(v).slice(1, 40))));
    expect(refused.every((e) => e.actor === ALICE)).toBe(true);
  });

  it('a forged value naming an existing request is filed under its transform, so its history shows the attempt', async () => {
    const req = await requestRemediation(w, ALICE);
    const value = JSON.stringify({ id: req.id, as: BOB });
    await w.h.click(ACTIONS.approve, value, { user: DAVE, messageTs: req.ts });
    await w.h.settle();

    expect(lastEphemeral(w, DAVE)).toContain('That button is not valid.');
    await expectStillPending(req);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'approve.refused')).toEqual([
      expect.objectContaining({ actor: DAVE, outcome: 'refused', accountId: ACCOUNT, region: REGION, transformName: ORDERS, detail: expect.stringContaining('did not pass validation') }),
    ]);
  });

  it('a long forged value is recorded cut short', async () => {
    await w.h.click(ACTIONS.approve, `{"id":"${'x'.repeat(5000)}"}`, { user: DAVE });
    const [event] = await refusalsOfType(w, 'approve.refused');
    expect(event?.detail?.length).toBeLessThan(300);
    expect(event?.detail).toContain('…');
  });
});

describe('when remediation is not enabled', () => {
  it('every remediation button is refused, told and audited, and nothing is handed to the worker', async () => {
    await w.close();
    w = await startWorld({ env: { GLUE_ENCRYPT_STATE_MACHINE_ARN: '' } });
    expect(w.h.config.remediation.stateMachineArn).toBeUndefined();

    await w.h.click(ACTIONS.remediate, remediateValue(), { user: ALICE });
    await w.h.click(ACTIONS.approve, idValue(UNKNOWN_ID), { user: BOB });
    await w.h.settle();

    expect(lastEphemeral(w, ALICE)).toContain('Remediation is not enabled in this installation');
    expect(lastEphemeral(w, BOB)).toContain('Remediation is not enabled in this installation');
    expect(w.h.aws.invocations()).toEqual([]);
    const notEnabled = expect.stringContaining('Remediation is not enabled in this installation');
    expect(await refusalsOfType(w, 'remediate.refused')).toEqual([expect.objectContaining({ actor: ALICE, detail: notEnabled })]);
    expect(await refusalsOfType(w, 'approve.refused')).toEqual([expect.objectContaining({ actor: BOB, detail: notEnabled })]);
  });
});

describe('another workspace or grid', () => {
  const notice = 'This glue-encrypt installation serves another Slack workspace; nothing was done.';

  it('a button click is refused in the HTTP body and, since Slack ignores that for clicks, through response_url; and audited', async () => {
    const req = await requestRemediation(w, ALICE);
    const res = await w.h.click(ACTIONS.approve, idValue(req.id), { user: BOB, messageTs: req.ts, teamId: OTHER_TEAM });
    await w.h.settle();

    expect(res.body).toContain(notice);
    expect(lastEphemeral(w, BOB)).toContain(notice);
    await expectStillPending(req);
    // The button named the request: the attempt is in its transform's history.
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'approve.refused')).toEqual([
      expect.objectContaining({
        actor: BOB,
        teamId: OTHER_TEAM,
        outcome: 'refused',
        channel: 'C0SECURITY',
        transformName: ORDERS,
        detail: `Workspace ${OTHER_TEAM} is not this installation's (${w.h.slack.teamId}); nothing was done.`,
      }),
    ]);
  });

  it('a key choice from another workspace is refused and audited, and the plan keeps its key', async () => {
    const req = await requestRemediation(w, ALICE);
    const option = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    await chooseKey(w, req, ALICE, option, OTHER_TEAM);
    await w.h.settle();

    expect(lastEphemeral(w, ALICE)).toContain(notice);
    expect((await mustGet(w, req.id)).plan.keyLabel).toBe('alias/glue-ml');
    expect(await refusalsOfType(w, 'choose_key.refused')).toEqual([expect.objectContaining({ actor: ALICE, teamId: OTHER_TEAM })]);
  });

  it('a slash command is refused in its HTTP body (which Slack shows) and audited', async () => {
    const res = await w.h.slackHandler(
      signedSlashCommand(
        { text: 'check', userId: 'U0MALLORY', teamId: OTHER_TEAM, channelId: 'C0ELSEWHERE', responseUrl: w.h.slack.mintResponseUrl({ channel: 'C0ELSEWHERE', user: 'U0MALLORY' }) },
        { signingSecret: w.h.signingSecret },
      ),
    );
    await w.h.settle();

    expect(res.body).toContain(notice);
    expect(w.h.aws.invocations()).toEqual([]);
    expect(await refusalsOfType(w, 'command.refused')).toEqual([
      expect.objectContaining({ actor: 'U0MALLORY', teamId: OTHER_TEAM, channel: 'C0ELSEWHERE', detail: expect.stringContaining(OTHER_TEAM) }),
    ]);
  });

  it('a click from outside the installation’s grid is refused and audited', async () => {
    await w.close();
    w = await startWorld({ env: { SLACK_ENTERPRISE_ID: 'E0GRID' } });
    await w.h.click(ACTIONS.remediate, remediateValue(), { user: ALICE });
    await w.h.settle();

    expect(lastEphemeral(w, ALICE)).toContain(notice);
    expect(w.h.aws.invocations()).toEqual([]);
    expect(await refusalsOfType(w, 'remediate.refused')).toEqual([
      expect.objectContaining({ actor: ALICE, detail: "Grid (none) is not this installation's (E0GRID); nothing was done." }),
    ]);
  });
});

describe('a decision on a request that no longer exists', () => {
  it('is refused, told and audited with the id', async () => {
    await decideVia(w, 'approve', { id: UNKNOWN_ID, ts: '1' }, BOB);
    expect(lastEphemeral(w, BOB)).toContain('This request no longer exists.');
    expect(await refusalsOfType(w, 'approve.refused')).toEqual([
      expect.objectContaining({ actor: BOB, teamId: w.h.slack.teamId, remediationId: UNKNOWN_ID, detail: `This request no longer exists. (${UNKNOWN_ID})` }),
    ]);
  });
});

describe('a Revert or Retire of something that is not a completed remediation', () => {
  it('of a request still waiting for approval: refused, told, and audited on the transform', async () => {
    const req = await requestRemediation(w, ALICE);
    await w.h.click(ACTIONS.revert, idValue(req.id), { user: DAVE, messageTs: req.ts });
    await w.h.settle();

    expect(lastEphemeral(w, DAVE)).toContain('Only a completed remediation can be reverted or retired.');
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'revert.refused')).toEqual([
      expect.objectContaining({
        actor: DAVE,
        teamId: w.h.slack.teamId,
        outcome: 'refused',
        accountId: ACCOUNT,
        region: REGION,
        transformName: ORDERS,
        detail: `Remediation ${req.id} is a remediate that is pending approval: only a completed remediation can be reverted or retired.`,
      }),
    ]);
  });

  it('of a remediation that does not exist: refused and audited with the id', async () => {
    await w.h.click(ACTIONS.retire, idValue(UNKNOWN_ID), { user: DAVE });
    await w.h.settle();
    expect(lastEphemeral(w, DAVE)).toContain('I cannot retire that.');
    expect(await refusalsOfType(w, 'retire.refused')).toEqual([
      expect.objectContaining({ actor: DAVE, remediationId: UNKNOWN_ID, detail: expect.stringContaining(`Remediation ${UNKNOWN_ID} does not exist`) }),
    ]);
  });
});

describe('changing the key of a request', () => {
  it('by someone other than the requester: refused, told, audited on the transform, and the plan keeps its key', async () => {
    const req = await requestRemediation(w, ALICE);
    const option = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    await chooseKey(w, req, DAVE, option);
    await w.h.settle();

    expect(lastEphemeral(w, DAVE)).toContain('Only the requester can change the key.');
    const r = await mustGet(w, req.id);
    expect(r.plan.keyLabel).toBe('alias/glue-ml');
    expect(r.version).toBe(1);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.choose_key.refused')).toEqual([
      expect.objectContaining({ actor: DAVE, outcome: 'refused', detail: `Only the requester (${ALICE}) can change the key.` }),
    ]);
  });

  it('once the request is no longer waiting for approval: refused, told and audited', async () => {
    const req = await requestRemediation(w, ALICE);
    const option = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    await decideVia(w, 'reject', req, ALICE);
    await chooseKey(w, req, ALICE, option);
    await w.h.settle();

    expect(lastEphemeral(w, ALICE)).toContain('The key cannot be changed now.');
    expect((await mustGet(w, req.id)).plan.keyLabel).toBe('alias/glue-ml');
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.choose_key.refused')).toEqual([
      expect.objectContaining({ actor: ALICE, detail: 'The request is rejected, no longer waiting for approval.' }),
    ]);
  });

  it('decided while the key was being checked: the requester is told nothing was changed, and it is audited', async () => {
    const req = await requestRemediation(w, ALICE);
    const option = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    // The worker has read the request and is listing the keys (slowly) when the requester withdraws it.
    w.h.aws.setLatency(300);
    const listed = w.h.aws.callCounts()['kms:ListAliases'] ?? 0;
    await chooseKey(w, req, ALICE, option);
    for (let i = 0; i < 200 && (w.h.aws.callCounts()['kms:ListAliases'] ?? 0) === listed; i++) await new Promise((r) => setTimeout(r, 5));
    await decideVia(w, 'reject', req, ALICE);
    w.h.aws.setLatency(0);
    await w.h.settle();

    const told = lastEphemeral(w, ALICE);
    expect(told).toContain('The key was not changed.');
    expect(told).toContain('The request was decided or changed while alias/glue-norotate was being checked (it is now rejected); nothing was changed.');
    const r = await mustGet(w, req.id);
    expect(r).toMatchObject({ status: 'rejected', plan: { keyLabel: 'alias/glue-ml' } });
    expect(await messageTextOf(w, req.id)).toContain(`Rejected by <@${ALICE}>`);
    const events = ofRemediation(await trail(w), req.id).map((e) => e.type);
    expect(events).toContain('remediate.choose_key.refused');
    expect(events).not.toContain('remediate.key_changed');
  });

  it('when the keys cannot be listed: the requester is told, and nothing changes', async () => {
    const req = await requestRemediation(w, ALICE);
    const option = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    w.h.aws.failNext('kms:ListAliases', { code: 'AccessDeniedException', message: 'not allowed to kms:ListAliases' });
    await chooseKey(w, req, ALICE, option);
    await w.h.settle();

    const told = lastEphemeral(w, ALICE);
    expect(told).toContain('The key was not changed.');
    expect(told).toContain('not allowed to kms:ListAliases');
    expect((await mustGet(w, req.id)).plan.keyLabel).toBe('alias/glue-ml');
  });
});

describe('the approver group cannot be read', () => {
  it('a group member is refused with that reason, not "not an approver"; audited; and may approve once Slack answers', async () => {
    const req = await requestRemediation(w, ALICE);
    w.h.slack.failNext('usergroups.users.list', 'missing_scope');
    await decideVia(w, 'approve', req, CAROL);
    await w.h.settle();

    const told = lastEphemeral(w, CAROL);
    expect(told).toContain('You cannot approve this request.');
    expect(told).toContain('The approver group could not be read (Slack said missing_scope); nothing was changed.');
    expect(told).not.toContain('not one of the configured approvers');
    await expectStillPending(req);
    expect(actionIds((await messageOf(w, req.id)).blocks)).toEqual([ACTIONS.chooseKey, ACTIONS.approve, ACTIONS.reject]);
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.approve.refused')).toEqual([
      expect.objectContaining({ actor: CAROL, outcome: 'refused', detail: 'The approver group could not be read (Slack said missing_scope); nothing was changed.' }),
    ]);

    expect((await approveAndSettle(w, req, CAROL)).status).toBe('completed');
  });
});

describe('the key menu', () => {
  const scope = { accountId: ACCOUNT, region: REGION };
  const LONG_KEY_ID = 'c0ffee00-1111-4222-8333-444455556666';
  // 114 characters: with the request id, more than the 150 an option value holds.
  const LONG_ALIAS = `alias/${'team-data-platform-glue-ml-'.repeat(4)}`;

  it('an alias of 114 characters can be chosen: the plan, its security configuration and the re-created transform use its key', async () => {
    expect(LONG_ALIAS).toHaveLength(114);
    // A key set up for Glue as alias/glue-ml is: its policy admits CloudWatch Logs.
    const key = w.h.aws.state.addKey(scope, {
      keyId: LONG_KEY_ID,
      description: 'Data platform Glue ML',
      rotationEnabled: true,
      aliases: [LONG_ALIAS],
      policy: demoKeyPolicy(scope.accountId, scope.region),
    });
    const req = await requestRemediation(w, ALICE);
    const menu = await keyMenu(w, req);
    const option = menu.find((o) => LONG_ALIAS.startsWith(o.text.replace(/…$/, '')))!;
    expect(option).toBeDefined();
    for (const o of menu) {
      expect(o.value.length).toBeLessThanOrEqual(150);
      expect(JSON.parse(o.value)).toEqual({ id: req.id, i: expect.any(Number) });
    }

    await chooseKey(w, req, ALICE, option);
    await w.h.settle();

    const r = await mustGet(w, req.id);
    expect(r.plan).toMatchObject({ keyLabel: LONG_ALIAS, keyArn: key.arn, securityConfigurationName: 'glue-encrypt-c0ffee00', problems: [] });
    const text = await messageTextOf(w, req.id);
    expect(text).toContain(LONG_ALIAS);
    expect(text).toContain('glue-encrypt-c0ffee00');
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.key_changed')).toEqual([
      expect.objectContaining({ actor: ALICE, teamId: w.h.slack.teamId, after: `SSE-KMS ${key.arn}` }),
    ]);

    const done = await approveAndSettle(w, req, BOB);
    expect(done.status).toBe('completed');
    const twin = named(w, ORDERS)!;
    expect(twin.definition.TransformEncryption).toMatchObject({
      MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: key.arn },
      TaskRunSecurityConfigurationName: 'glue-encrypt-c0ffee00',
    });
    expect(glue(w).securityConfigurations.get('glue-encrypt-c0ffee00')?.EncryptionConfiguration?.S3Encryption).toEqual([
      expect.objectContaining({ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: key.arn }),
    ]);
  });

  it('keeps a configured security configuration when the key changes', async () => {
    await w.close();
    w = await startWorld({ env: { GLUE_ENCRYPT_SECURITY_CONFIGURATION: 'team-glue-kms' } });
    const req = await requestRemediation(w, ALICE);
    expect((await mustGet(w, req.id)).plan.securityConfigurationName).toBe('team-glue-kms');
    await chooseKey(w, req, ALICE, (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!);
    await w.h.settle();
    expect((await mustGet(w, req.id)).plan).toMatchObject({ keyLabel: 'alias/glue-norotate', securityConfigurationName: 'team-glue-kms' });
  });

  it('when the keys changed since the menu was shown: nothing changes, the requester is told, the menu is refreshed', async () => {
    const req = await requestRemediation(w, ALICE);
    const stale = (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!;
    // A new alias sorts first: every option of the old menu now points one key further.
    w.h.aws.state.addAlias(scope, 'alias/aaa-first', glue(w).aliases.get('alias/glue-ml')!.targetKeyId!);

    await chooseKey(w, req, ALICE, stale);
    await w.h.settle();

    const told = lastEphemeral(w, ALICE);
    expect(told).toContain('The key was not changed.');
    expect(told).toContain('pick the key again');
    expect((await mustGet(w, req.id)).plan.keyLabel).toBe('alias/glue-ml');
    expect(ofRemediation(await trail(w), req.id).filter((e) => e.type === 'remediate.choose_key.refused')).toEqual([
      expect.objectContaining({ actor: ALICE, detail: expect.stringContaining('no longer matches') }),
    ]);
    const fresh = await keyMenu(w, req);
    expect(fresh.map((o) => o.text)).toContain('alias/aaa-first');
    expect(blocksText((await messageOf(w, req.id)).blocks)).toContain('Waiting for approval');

    // The refreshed menu works.
    await chooseKey(w, req, ALICE, fresh.find((o) => o.text === 'alias/glue-norotate')!);
    await w.h.settle();
    expect((await mustGet(w, req.id)).plan.keyLabel).toBe('alias/glue-norotate');
  });

  it('re-checks whether the plan would change nothing: another key lifts that problem, the current key brings it back', async () => {
    // orders-match as if already on alias/glue-ml with the security configuration the bot names for it.
    const glueMl = glue(w).keys.get(DEMO_KEY_IDS.glueMl)!;
    const configuration = `glue-encrypt-${DEMO_KEY_IDS.glueMl.slice(0, 8)}`;
    original(w)!.definition.TransformEncryption = {
      MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: glueMl.arn },
      TaskRunSecurityConfigurationName: configuration,
    };
    const req = await requestRemediation(w, ALICE);
    const noOp = expect.stringContaining('would change nothing but its ID');
    expect((await mustGet(w, req.id)).plan.problems).toEqual([noOp]);

    await chooseKey(w, req, ALICE, (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-norotate')!);
    await w.h.settle();
    expect((await mustGet(w, req.id)).plan).toMatchObject({ keyLabel: 'alias/glue-norotate', problems: [] });
    expect(actionIds((await messageOf(w, req.id)).blocks)).toContain(ACTIONS.approve);

    await chooseKey(w, req, ALICE, (await keyMenu(w, req)).find((o) => o.text === 'alias/glue-ml')!);
    await w.h.settle();
    expect((await mustGet(w, req.id)).plan).toMatchObject({ keyLabel: 'alias/glue-ml', securityConfigurationName: configuration, problems: [noOp] });
    expect(actionIds((await messageOf(w, req.id)).blocks)).not.toContain(ACTIONS.approve);
  });

  it('an option past the end of the key list is refused and the requester told', async () => {
    const req = await requestRemediation(w, ALICE);
    await chooseKey(w, req, ALICE, { text: 'alias/gone', value: JSON.stringify({ id: req.id, i: 99 }) });
    await w.h.settle();
    expect(lastEphemeral(w, ALICE)).toContain('The key was not changed.');
    expect((await mustGet(w, req.id)).plan.keyLabel).toBe('alias/glue-ml');
    expect((await eventsOfToday(w)).filter((e) => e.type === 'remediate.choose_key.refused')).toHaveLength(1);
  });
});
