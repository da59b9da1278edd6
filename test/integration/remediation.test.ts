// Remediation end to end through the real Slack Lambda handler (signed requests), the worker
// and the Step Functions stand-in, against the Glue/KMS/DynamoDB/Slack sandbox.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TAG_REMEDIATION, TAG_SOURCE, TAG_SUPERSEDED_BY } from '../../src/remediation/snapshot.js';
import { DEMO_KEY_ARNS, DEMO_KEY_IDS, DEMO_TRANSFORM_IDS } from '../../src/sandbox/fixtures.js';
import { ACTIONS, requestIdOfDecisionBlock } from '../../src/slack/views/remediation.js';
import {
  ACCOUNT,
  ALICE,
  BOB,
  CAROL,
  LABEL_BUCKET,
  ORDERS,
  ORDERS_ID,
  ORDERS_TAGS,
  REGION,
  actionIds,
  approveAndSettle,
  blocksText,
  channel,
  glue,
  lastEphemeral,
  messageOf,
  messageTextOf,
  mustGet,
  named,
  ofRemediation,
  original,
  remediateOrders,
  requestFollowUp,
  requestRemediation,
  startWorld,
  taggedWith,
  trail,
  transformCount,
  yyyymmdd,
  type World,
  exported,
} from './helpers.js';

const SECURITY_CONFIGURATION = `glue-encrypt-${DEMO_KEY_IDS.glueMl.slice(0, 8)}`;

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

describe('remediate orders-match: the happy path', () => {
  it('posts a plan for approval that says what will happen', async () => {
    const res = await w.h.click(ACTIONS.remediate, JSON.stringify({ a: ACCOUNT, r: REGION, t: ORDERS_ID }), { user: ALICE });
    expect(res.statusCode).toBe(200);
    await w.h.settle();
    expect(lastEphemeral(w, ALICE)).toContain('Preparing the remediation plan');

    const requests = w.h.slack.channelView('C0SECURITY');
    expect(requests).toHaveLength(1);
    const message = requests[0]!;
    const text = blocksText(message.blocks);
    const actions = message.blocks.find((b) => b.type === 'actions');
    const id = actions?.type === 'actions' ? requestIdOfDecisionBlock(actions.block_id) ?? '' : '';
    const r = await mustGet(w, id);

    expect(text).toContain(`<@${ALICE}> asks to encrypt *${ORDERS}* (\`${ORDERS_ID}\`) in ${ACCOUNT} · ${REGION}`);
    expect(text).toContain('export 312 labels');
    expect(text).toContain(`\`s3://${LABEL_BUCKET}/glue-encrypt/${ACCOUNT}/${REGION}/${ORDERS_ID}/${id}/\``);
    expect(text).toContain(`rename original to \`${ORDERS}-unencrypted-${yyyymmdd(r.requestedAt)}\``);
    expect(text).toContain('SSE-KMS (alias/glue-ml)');
    expect(text).toContain(`security configuration \`${SECURITY_CONFIGURATION}\``);
    expect(text).toContain('verify 312 labels');
    expect(text).toContain('Jobs that use it: `backfill-dedupe`');
    expect(text).toContain('Waiting for approval');
    expect(actionIds(message.blocks)).toEqual([ACTIONS.chooseKey, ACTIONS.approve, ACTIONS.reject]);

    expect(r).toMatchObject({ status: 'pending_approval', kind: 'remediate', requestedBy: ALICE, plan: { keyArn: DEMO_KEY_ARNS.glueMl, problems: [] } });
    // Nothing has changed in Glue yet.
    expect(original(w)?.definition.Name).toBe(ORDERS);
    expect(w.h.aws.callCounts()['states:StartExecution']).toBeUndefined();
  });

  it('re-creates the transform encrypted, keeps the original renamed, and says so in Slack and the audit trail', async () => {
    const before = original(w)!;
    const originalLabels = [...before.labels];
    const count = transformCount(w);
    const req = await requestRemediation(w);
    const r = await approveAndSettle(w, req, BOB);

    expect(r.status).toBe('completed');
    expect(w.h.aws.executions()).toHaveLength(1);

    // The encrypted twin holds the name, the key, the security configuration and every label.
    const twin = named(w, ORDERS)!;
    expect(twin.definition.TransformId).not.toBe(ORDERS_ID);
    expect(twin.definition.TransformId).toBe(r.progress.twinId);
    expect(twin.definition.TransformEncryption).toEqual({
      MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: DEMO_KEY_ARNS.glueMl },
      TaskRunSecurityConfigurationName: SECURITY_CONFIGURATION,
    });
    expect(glue(w).securityConfigurations.get(SECURITY_CONFIGURATION)?.EncryptionConfiguration?.S3Encryption).toEqual([
      { S3EncryptionMode: 'SSE-KMS', KmsKeyArn: DEMO_KEY_ARNS.glueMl },
    ]);
    expect(twin.labels).toHaveLength(312);
    expect(twin.labels).toEqual(originalLabels);
    // Same settings as the original (DPU-sized, so no workers on the copy).
    const { Description, Role, GlueVersion, MaxCapacity, Timeout, MaxRetries, Parameters, InputRecordTables } = before.definition;
    expect(twin.definition).toMatchObject({ Description, Role, GlueVersion, MaxCapacity, Timeout, MaxRetries, Parameters, InputRecordTables });
    expect(twin.definition.WorkerType).toBeUndefined();
    // Copied tags plus provenance.
    expect(twin.tags).toEqual({ ...ORDERS_TAGS, [TAG_REMEDIATION]: req.id, [TAG_SOURCE]: ORDERS_ID });

    // The original is kept, renamed and tagged superseded, unencrypted and with its labels.
    const kept = original(w)!;
    expect(kept.definition.Name).toBe(`${ORDERS}-unencrypted-${yyyymmdd(r.requestedAt)}`);
    expect(kept.definition.TransformEncryption).toBeUndefined();
    expect(kept.labels).toEqual(originalLabels);
    expect(kept.tags).toEqual({ ...ORDERS_TAGS, [TAG_SUPERSEDED_BY]: twin.definition.TransformId, [TAG_REMEDIATION]: req.id });
    expect(transformCount(w)).toBe(count + 1);

    // The export is in the label bucket.
    const saved = exported(w, r.plan.exportPath);
    expect(saved?.labels).toEqual(originalLabels);
    expect(saved?.writtenBy?.transformId).toBe(ORDERS_ID);

    // The approval message was updated in place to the result, with the follow-up buttons.
    const message = await messageOf(w, req.id);
    expect(message.edits).toBeGreaterThan(1);
    expect(w.h.slack.calls('chat.update').filter((c) => c.args.ts === req.ts).length).toBe(message.edits);
    const text = blocksText(message.blocks);
    expect(text).toContain(`Approved by <@${BOB}>`);
    expect(text).toContain('*completed*');
    expect(text).toContain(`Verified: ${ORDERS} (${twin.definition.TransformId}) is encrypted with alias/glue-ml and holds 312 labels.`);
    expect(actionIds(message.blocks)).toEqual([ACTIONS.revert, ACTIONS.retire]);
    expect(text).toMatch(/^Revert$[\s\S]*^Retire original$/m);

    // The audit trail: who asked, who approved, every step, the result.
    const events = ofRemediation(await trail(w), req.id);
    const byType = (type: string) => events.filter((e) => e.type === type);
    expect(byType('remediate.requested')).toEqual([
      expect.objectContaining({ actor: ALICE, accountId: ACCOUNT, region: REGION, transformId: ORDERS_ID, transformName: ORDERS, after: `SSE-KMS ${DEMO_KEY_ARNS.glueMl}` }),
    ]);
    expect(byType('remediate.approved')).toEqual([expect.objectContaining({ actor: BOB, accountId: ACCOUNT, region: REGION, outcome: 'succeeded' })]);
    const steps = byType('step.succeeded');
    expect(steps.map((e) => e.step).sort()).toEqual(
      ['preflight', 'export_labels', 'wait_export', 'check_export', 'ensure_security_configuration', 'rename_original', 'create_twin', 'tag_original', 'import_labels', 'wait_import', 'verify'].sort(),
    );
    for (const e of steps) {
      expect(e).toMatchObject({ actor: 'system', accountId: ACCOUNT, region: REGION, transformId: ORDERS_ID, before: 'not encrypted', after: `SSE-KMS ${DEMO_KEY_ARNS.glueMl}` });
    }
    expect(byType('remediate.completed')).toEqual([
      expect.objectContaining({ actor: 'system', outcome: 'succeeded', before: 'not encrypted', after: `SSE-KMS ${DEMO_KEY_ARNS.glueMl}` }),
    ]);
    expect(events.filter((e) => e.outcome === 'failed')).toEqual([]);
    // The remediation's own record lists the steps in the order they ran.
    expect(r.history.map((h) => h.step)).toEqual([
      'preflight', 'export_labels', 'wait_export', 'check_export', 'ensure_security_configuration', 'rename_original', 'create_twin', 'tag_original', 'import_labels', 'wait_import', 'verify',
    ]);
  });
});

describe('revert and retire after a completed remediation', () => {
  it('revert (approved by an approver-group member) gives the original its name back and removes the twin, keeping its labels', async () => {
    const originalLabels = [...original(w)!.labels];
    const count = transformCount(w);
    const { req, r: done } = await remediateOrders(w);
    const twinId = done.progress.twinId!;

    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    const revertText = await messageTextOf(w, revert.id);
    expect(revertText).toContain(`asks to revert the encryption of *${ORDERS}*`);
    expect(revertText).toContain(`move the encrypted transform \`${twinId}\` aside`);
    expect(revertText).toContain('only then remove the encrypted transform');
    const reverted = await approveAndSettle(w, revert, CAROL);

    expect(reverted.status).toBe('completed');
    const back = named(w, ORDERS)!;
    expect(back.definition.TransformId).toBe(ORDERS_ID);
    expect(back.definition.TransformEncryption).toBeUndefined();
    expect(back.labels).toEqual(originalLabels);
    expect(back.tags).toEqual(ORDERS_TAGS);
    expect(glue(w).transforms.has(twinId)).toBe(false);
    expect(transformCount(w)).toBe(count);
    // The twin's labels were saved before it was removed.
    expect(reverted.plan.exportPath).toContain(`/${twinId}/${revert.id}/`);
    const saved = exported(w, reverted.plan.exportPath);
    expect(saved?.writtenBy?.transformId).toBe(twinId);
    expect(saved?.labels).toHaveLength(312);

    const message = await messageTextOf(w, revert.id);
    expect(message).toContain(`Approved by <@${CAROL}>`);
    expect(message).toContain('*completed*');
    expect(message).toContain(`Reverted: ${ORDERS} is ${ORDERS_ID} again, with 312 labels`);

    const events = ofRemediation(await trail(w), revert.id);
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['revert.requested', 'revert.approved', 'revert.completed']));
    expect(events.find((e) => e.type === 'revert.approved')?.actor).toBe(CAROL);
    expect(events.filter((e) => e.type === 'step.succeeded').map((e) => e.step).sort()).toEqual(
      ['preflight', 'export_twin_labels', 'wait_twin_export', 'check_twin_export', 'rename_twin_aside', 'restore_original_name', 'untag_original', 'verify_revert', 'delete_twin'].sort(),
    );
  });

  it('retire deletes the superseded original; a later revert re-creates it unencrypted with its settings, name and labels', async () => {
    const before = original(w)!;
    const originalLabels = [...before.labels];
    const settings = structuredClone(before.definition);
    const { req, r: done } = await remediateOrders(w);
    const twinId = done.progress.twinId!;

    const retire = await requestFollowUp(w, 'retire', req, ALICE);
    expect(await messageTextOf(w, retire.id)).toContain(`delete the original \`${ORDERS_ID}\``);
    const retired = await approveAndSettle(w, retire, BOB);
    expect(retired.status).toBe('completed');
    expect(original(w)).toBeUndefined();
    expect(named(w, ORDERS)?.definition.TransformId).toBe(twinId);
    expect(await messageTextOf(w, retire.id)).toContain(`Retired the original ${ORDERS_ID}`);

    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    const reverted = await approveAndSettle(w, revert, CAROL);
    expect(reverted.status).toBe('completed');

    const recreated = named(w, ORDERS)!;
    expect(recreated.definition.TransformId).not.toBe(ORDERS_ID);
    expect(recreated.definition.TransformId).not.toBe(twinId);
    expect(recreated.definition.TransformId).toBe(reverted.progress.recreatedId);
    expect(glue(w).transforms.has(twinId)).toBe(false);
    expect(recreated.definition.TransformEncryption).toBeUndefined();
    const { Description, Role, GlueVersion, MaxCapacity, Timeout, MaxRetries, Parameters, InputRecordTables } = settings;
    expect(recreated.definition).toMatchObject({ Description, Role, GlueVersion, MaxCapacity, Timeout, MaxRetries, Parameters, InputRecordTables });
    expect(recreated.labels).toEqual(originalLabels);
    expect(recreated.tags).toMatchObject(ORDERS_TAGS);
    expect(taggedWith(w, revert.id).map((t) => t.definition.TransformId)).toEqual([recreated.definition.TransformId]);

    const text = await messageTextOf(w, revert.id);
    expect(text).toContain('*completed*');
    expect(text).toContain(`re-created ${ORDERS} (${recreated.definition.TransformId}) with its recorded settings`);
    const types = ofRemediation(await trail(w), revert.id).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['revert.requested', 'revert.approved', 'revert.completed']));
    expect(ofRemediation(await trail(w), retire.id).map((e) => e.type)).toEqual(
      expect.arrayContaining(['retire.requested', 'retire.approved', 'retire.completed']),
    );
  });
});

describe('revert and retire: safety and audit', () => {
  it('Retire original after a Revert refuses to delete the original, which is the only copy again', async () => {
    const { req } = await remediateOrders(w);
    await approveAndSettle(w, await requestFollowUp(w, 'revert', req, ALICE), CAROL);
    const labels = [...original(w)!.labels];

    const retire = await requestFollowUp(w, 'retire', req, ALICE);
    const r = await approveAndSettle(w, retire, BOB);

    expect(r.status).not.toBe('completed');
    expect(original(w)?.definition.Name).toBe(ORDERS);
    expect(original(w)?.labels).toEqual(labels);
    expect(w.h.aws.callCounts()['glue:DeleteMLTransform']).toBe(1); // the twin, by the revert
    const text = await messageTextOf(w, retire.id);
    expect(text).toContain('the original stays');
    expect(ofRemediation(await trail(w), retire.id).filter((e) => e.type === 'step.failed')).toEqual([
      expect.objectContaining({ step: 'check_twin', detail: expect.stringContaining('the original stays') }),
    ]);
  });

  it('a second Revert finds nothing to revert and changes nothing', async () => {
    const { req } = await remediateOrders(w);
    await approveAndSettle(w, await requestFollowUp(w, 'revert', req, ALICE), CAROL);
    const again = await approveAndSettle(w, await requestFollowUp(w, 'revert', req, ALICE), CAROL);
    expect(again.status).toBe('rolled_back');
    expect(again.failure).toContain('no longer exists; nothing to revert');
    expect(named(w, ORDERS)?.definition.TransformId).toBe(ORDERS_ID);
    expect(original(w)?.labels).toHaveLength(312);
  });

  // BUG (src/remediation/workflow.ts, audit() in advance): a revert's events record
  // before "not encrypted" and after "not encrypted", so the trail never says that
  // encryption was removed. Remove `.fails` once fixed.
  it('the revert\'s audit events record the change it makes: before SSE-KMS with the key, after not encrypted', async () => {
    const { req } = await remediateOrders(w);
    const revert = await requestFollowUp(w, 'revert', req, ALICE);
    await approveAndSettle(w, revert, CAROL);
    const completed = ofRemediation(await trail(w), revert.id).find((e) => e.type === 'revert.completed');
    expect(completed).toMatchObject({ before: `SSE-KMS ${DEMO_KEY_ARNS.glueMl}`, after: 'not encrypted' });
  });
});

describe('/glue-encrypt history and status', () => {
  it('history after a remediation shows its trail to the person who asked, and only to them', async () => {
    const { req } = await remediateOrders(w);
    const res = await w.h.command(`history ${ORDERS}`, { user: CAROL });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).text).toContain(`Reading the audit trail of ${ORDERS}`);
    await w.h.settle();

    const reply = w.h.slack.ephemerals({ user: CAROL }).at(-1)!;
    expect(reply.via).toBe('response_url');
    const text = blocksText(reply.blocks);
    const count = ofRemediation(await trail(w), req.id).length;
    expect(text).toContain(`*Audit trail of ${ORDERS}* · ${count} events`);
    expect(text).toContain(`<@${ALICE}> *remediate.requested*`);
    expect(text).toContain(`<@${BOB}> *remediate.approved*`);
    expect(text).toContain('workflow *step.succeeded* · create_twin (succeeded)');
    expect(text).toContain('workflow *remediate.completed*');
    // Oldest first: the request comes before the approval, the approval before the result.
    expect(text.indexOf('remediate.requested')).toBeLessThan(text.indexOf('remediate.approved'));
    expect(text.indexOf('remediate.approved')).toBeLessThan(text.indexOf('remediate.completed'));
    // Nothing went to the channel: it holds the request, and in its thread the outcome notice.
    const inChannel = w.h.slack.channelView('C0SECURITY');
    expect(inChannel.filter((m) => !m.threadTs)).toHaveLength(1);
    expect(inChannel.filter((m) => m.threadTs)).toHaveLength(1);
  });

  // BUG (src/audit/auditLog.ts forTransform reads oldest first with Limit 100): on a busy
  // transform the newest events, e.g. the remediation just done, are left out. Remove `.fails` once fixed.
  it('history of a transform with a long trail shows the newest events', async () => {
    for (let i = 0; i < 100; i++) {
      await w.audit.append({
        type: 'remediate.approve.refused', actor: 'U0DAVE', accountId: ACCOUNT, region: REGION, transformId: ORDERS_ID, transformName: ORDERS,
        outcome: 'refused', detail: 'You are not one of the configured approvers for glue-encrypt.',
      });
    }
    await remediateOrders(w);
    await w.h.command(`history ${ORDERS}`, { user: CAROL });
    await w.h.settle();
    expect(blocksText(w.h.slack.ephemerals({ user: CAROL }).at(-1)!.blocks)).toContain('*remediate.completed*');
  });

  // BUG (src/slack/remediationJobs.ts findTransformName): the trail is kept under the name the
  // transform had when remediated, but the original's ID now resolves to its new name
  // "orders-match-unencrypted-<date>", which has no events. Remove `.fails` once fixed.
  it('history by the original transform ID after a remediation shows the remediation', async () => {
    await remediateOrders(w);
    await w.h.command(`history ${ORDERS_ID}`, { user: CAROL });
    await w.h.settle();
    expect(blocksText(w.h.slack.ephemerals({ user: CAROL }).at(-1)!.blocks)).toContain('*remediate.completed*');
  });

  // BUG (src/slack/remediationJobs.ts runHistoryJob reads [home, ...GLUE_ENCRYPT_ACCOUNTS]
  // without removing duplicates, unlike the scan): with the bot's own account listed too,
  // every event is shown twice. Remove `.fails` once fixed.
  it('history lists each event once when the bot\'s own account is also in GLUE_ENCRYPT_ACCOUNTS', async () => {
    await w.close();
    w = await startWorld({ env: { GLUE_ENCRYPT_ACCOUNTS: ACCOUNT } });
    const { req } = await remediateOrders(w);
    await w.h.command(`history ${ORDERS}`, { user: CAROL });
    await w.h.settle();
    const count = ofRemediation(await trail(w), req.id).length;
    expect(blocksText(w.h.slack.ephemerals({ user: CAROL }).at(-1)!.blocks)).toContain(`· ${count} events`);
  });

  it('status lists a pending request', async () => {
    await requestRemediation(w, ALICE);
    const res = await w.h.command('status', { user: BOB });
    expect(JSON.parse(res.body).text).toContain('Reading the remediations in flight');
    await w.h.settle();
    const reply = w.h.slack.ephemerals({ user: BOB }).at(-1)!;
    const text = blocksText(reply.blocks);
    expect(text).toContain('*Remediations in flight* · 1');
    expect(text).toContain(`*${ORDERS}* (\`${ORDERS_ID}\`) ${ACCOUNT} · ${REGION} — remediate, pending approval, requested by <@${ALICE}>`);
  });

  it('status no longer lists a request once its workflow has finished', async () => {
    await remediateOrders(w);
    await w.h.command('status', { user: BOB });
    await w.h.settle();
    expect(blocksText(w.h.slack.ephemerals({ user: BOB }).at(-1)!.blocks)).toContain('No remediations are waiting for approval or running.');
  });
});

describe('plans that cannot go ahead', () => {
  /** Presses Remediate on `transformId` as alice; returns the text of the plan it posted. */
  async function planFor(transformId: string, region = REGION): Promise<{ text: string; actions: string[] } | undefined> {
    const before = channel(w).length;
    await w.h.click(ACTIONS.remediate, JSON.stringify({ a: ACCOUNT, r: region, t: transformId }), { user: ALICE });
    await w.h.settle();
    const posted = channel(w).slice(before).find((m) => blocksText(m.blocks).includes(transformId));
    return posted && { text: blocksText(posted.blocks), actions: actionIds(posted.blocks) };
  }

  it('the superseded original cannot be remediated again: its plan points to Revert / Retire', async () => {
    const { r } = await remediateOrders(w);
    const plan = await planFor(ORDERS_ID);
    expect(plan?.text).toContain(`This is the original that remediation ${r.id} superseded`);
    expect(plan?.actions).not.toContain(ACTIONS.approve);
  });

  it('the encrypted twin cannot be remediated while its original still exists', async () => {
    const { r } = await remediateOrders(w);
    const plan = await planFor(r.progress.twinId!);
    expect(plan?.text).toContain(`This transform was created by remediation ${r.id} and its original ${ORDERS_ID} still exists`);
    expect(plan?.actions).not.toContain(ACTIONS.approve);
  });

  it('a button naming a region the bot is not set up for plans nothing and says so', async () => {
    const plan = await planFor(ORDERS_ID, 'eu-central-1');
    expect(plan).toBeUndefined();
    expect(lastEphemeral(w, ALICE)).toContain('Region eu-central-1 is not one the bot is set up for');
    expect(await w.store.inFlight()).toEqual([]);
  });

  it('the plan says how the transform is encrypted now', async () => {
    const plan = await planFor(DEMO_TRANSFORM_IDS['supplier-match']);
    expect(plan?.text).toContain('*Now:* SSE-KMS alias/aws/glue, security configuration `glue-encrypt-kms`.');
  });

  it('a transform whose current key is pending deletion gets a plan that says why it cannot be approved, and no Approve button', async () => {
    const patientMatch = DEMO_TRANSFORM_IDS['patient-match'];
    await w.h.click(ACTIONS.remediate, JSON.stringify({ a: ACCOUNT, r: REGION, t: patientMatch }), { user: ALICE });
    await w.h.settle();
    const message = channel(w).find((m) => blocksText(m.blocks).includes(patientMatch));
    expect(message).toBeDefined();
    const text = blocksText(message!.blocks);
    expect(text).toContain('Cannot be approved');
    expect(text).toContain(`current key ${DEMO_KEY_ARNS.glueRetiring} is pending deletion`);
    expect(actionIds(message!.blocks)).not.toContain(ACTIONS.approve);
    expect(w.h.aws.callCounts()['states:StartExecution'] ?? 0).toBe(0);
  });
});
