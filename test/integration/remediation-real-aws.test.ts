// Remediation against what real AWS enforces (Glue's ML error list, the Service Authorization
// Reference), with the sandbox made to refuse what AWS refuses: label buckets in another region,
// exports of no labels, imports that want a file, roles and keys that would fail the new
// transform's first task run, names held while Glue deletes, answers lost after Glue acted.
import { afterEach, describe, expect, it } from 'vitest';
import type { TransformSeed } from '../../src/sandbox/aws/state.js';
import { DEMO_KEY_IDS, DEMO_SECOND_REGION, DEMO_TRANSFORM_IDS, labelBucketName } from '../../src/sandbox/fixtures.js';
import type { HarnessOptions } from '../../src/sandbox/harness.js';
import { ACTIONS } from '../../src/slack/views/remediation.js';
import {
  ACCOUNT,
  ALICE,
  BOB,
  CAROL,
  ORDERS,
  ORDERS_ID,
  REGION,
  actionIds,
  approveAndSettle,
  lastEphemeral,
  messageOf,
  messageTextOf,
  mustGet,
  named,
  original,
  pendingRequests,
  remediateOrders,
  requestFollowUp,
  requestRemediation,
  startWorld,
  type World,
} from './helpers.js';

const US_ORDERS = 'us-orders-match';
const US_ORDERS_ID = DEMO_TRANSFORM_IDS[US_ORDERS];
const EU_BUCKET = labelBucketName(ACCOUNT, REGION);
const US_BUCKET = labelBucketName(ACCOUNT, DEMO_SECOND_REGION);

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function world(options: HarnessOptions = {}): Promise<World> {
  w = await startWorld(options);
  return w;
}

/** A transform like orders-match (same role, tables, parameters), under another name and with these fields. */
function addLikeOrders(x: World, name: string, fields: Partial<TransformSeed> = {}, region = REGION): string {
  const { TransformId: _id, Name: _name, ...definition } = original(x)!.definition;
  const seed: TransformSeed = { ...structuredClone(definition), Name: name, labelCount: 12, ...fields };
  return x.h.aws.state.addTransform({ accountId: ACCOUNT, region }, seed).definition.TransformId;
}

/** Alice presses Remediate on a transform of any region: the request that appears. */
async function request(x: World, transformId: string, region = REGION) {
  const before = new Set(pendingRequests(x).map((r) => r.id));
  const res = await x.h.click(ACTIONS.remediate, JSON.stringify({ a: ACCOUNT, r: region, t: transformId }), { user: ALICE });
  expect(res.statusCode).toBe(200);
  await x.h.settle();
  const req = pendingRequests(x).find((r) => !before.has(r.id));
  if (!req) throw new Error(`no request appeared; ALICE was told: ${lastEphemeral(x, ALICE)}`);
  return req;
}

/** Remediate, approve, settle: the remediation as it ended. */
async function remediate(x: World, transformId: string, region = REGION) {
  const req = await request(x, transformId, region);
  return { req, r: await approveAndSettle(x, req) };
}

function exportRuns(x: World, transformId: string, region = REGION) {
  return x.h.aws.state.region(ACCOUNT, region).transforms.get(transformId)?.taskRuns.filter((t) => t.taskType === 'EXPORT_LABELS') ?? [];
}

describe('a label bucket per region', () => {
  it('with a bucket in each region, a transform in each region is remediated and reverted, each through its own bucket', async () => {
    const x = await world();
    for (const [name, id, region, bucket] of [
      [ORDERS, ORDERS_ID, REGION, EU_BUCKET],
      [US_ORDERS, US_ORDERS_ID, DEMO_SECOND_REGION, US_BUCKET],
    ] as const) {
      const labels = [...x.h.aws.state.region(ACCOUNT, region).transforms.get(id)!.labels];
      const { req, r } = await remediate(x, id, region);
      expect(r.status, r.failure).toBe('completed');
      expect(r.plan.exportPath).toBe(`s3://${bucket}/glue-encrypt/${ACCOUNT}/${region}/${id}/${r.id}/`);
      const store = x.h.aws.state.region(ACCOUNT, region);
      expect(store.transformByName(name)!.labels).toEqual(labels);

      const revert = await requestFollowUp(x, 'revert', req, ALICE);
      const back = await approveAndSettle(x, revert, CAROL);
      expect(back.status, back.failure).toBe('completed');
      expect(back.plan.exportPath.startsWith(`s3://${bucket}/`)).toBe(true);
      expect(store.transformByName(name)!.definition.TransformId).toBe(id);
      expect(store.transformByName(name)!.labels).toEqual(labels);
    }
    // One s3:GetBucketLocation per plan (two remediations, two reverts).
    expect(x.h.aws.callCounts()['s3:GetBucketLocation']).toBe(4);
  });

  it('with no bucket for the second region, its plan says so and cannot be approved; the first region still works', async () => {
    const x = await world({ env: { GLUE_ENCRYPT_LABEL_BUCKET: '', GLUE_ENCRYPT_LABEL_BUCKETS: `${REGION}=${EU_BUCKET}` } });
    const us = await request(x, US_ORDERS_ID, DEMO_SECOND_REGION);
    expect(await messageTextOf(x, us.id)).toContain(`No label bucket is configured for ${DEMO_SECOND_REGION}`);
    expect(actionIds((await messageOf(x, us.id)).blocks)).not.toContain(ACTIONS.approve);
    expect(x.h.aws.state.region(ACCOUNT, DEMO_SECOND_REGION).transforms.get(US_ORDERS_ID)!.taskRuns).toEqual([]);

    const { r } = await remediateOrders(x);
    expect(r.status).toBe('completed');
  });

  it("a bucket in another region than the transform is a plan problem, before Glue's refusal could roll anything back", async () => {
    const x = await world({ env: { GLUE_ENCRYPT_LABEL_BUCKET: '', GLUE_ENCRYPT_LABEL_BUCKETS: `${REGION}=${EU_BUCKET},${DEMO_SECOND_REGION}=${EU_BUCKET}` } });
    const req = await request(x, US_ORDERS_ID, DEMO_SECOND_REGION);
    const text = await messageTextOf(x, req.id);
    expect(text).toContain(`The label bucket ${EU_BUCKET} is in ${REGION}, not ${DEMO_SECOND_REGION}`);
    expect(actionIds((await messageOf(x, req.id)).blocks)).not.toContain(ACTIONS.approve);
  });

  it("a bucket that does not exist is a plan problem; one whose region the bot may not read is a warning that does not block", async () => {
    const x = await world({ env: { GLUE_ENCRYPT_LABEL_BUCKET: 'no-such-bucket-{region}' } });
    const missing = await requestRemediation(x);
    expect(await messageTextOf(x, missing.id)).toContain(`The label bucket no-such-bucket-${REGION} does not exist`);

    const y = await world();
    y.h.aws.state.denyS3(EU_BUCKET, 'GetBucketLocation');
    const unverified = await requestRemediation(y);
    const text = await messageTextOf(y, unverified.id);
    expect(text).toContain('Not verified');
    expect(text).toContain(`Could not confirm that the label bucket ${EU_BUCKET} is in ${REGION} (s3:GetBucketLocation was refused)`);
    expect(actionIds((await messageOf(y, unverified.id)).blocks)).toContain(ACTIONS.approve);
    await x.close();
  });
});

describe('a transform with no labels', () => {
  it('is remediated and reverted without an export or import (Glue refuses to export an empty label set), and the plan says so', async () => {
    const x = await world();
    const id = addLikeOrders(x, 'never-taught', { labelCount: 0 });
    const { req, r } = await remediate(x, id);
    expect(await messageTextOf(x, req.id)).toContain('The transform has no labels: there is nothing to export or import');
    expect(r.status, r.failure).toBe('completed');
    expect(r.plan.labelCount).toBe(0);
    expect(exportRuns(x, id)).toEqual([]);
    const twin = named(x, 'never-taught')!;
    expect(twin.definition.TransformId).toBe(r.progress.twinId);
    expect(twin.definition.TransformEncryption?.MlUserDataEncryption?.MlUserDataEncryptionMode).toBe('SSE-KMS');
    expect(twin.taskRuns).toEqual([]);

    const revert = await requestFollowUp(x, 'revert', req, ALICE);
    expect(await messageTextOf(x, revert.id)).toContain('the encrypted transform has no labels, so nothing is saved or imported');
    const back = await approveAndSettle(x, revert, CAROL);
    expect(back.status, back.failure).toBe('completed');
    expect(named(x, 'never-taught')!.definition.TransformId).toBe(id);
  });
});

describe('label import from what the export wrote', () => {
  it('where Glue takes the folder: one import of the whole export', async () => {
    const x = await world();
    x.h.aws.state.labelsPerExportFile = 5; // orders-match's labels come out as several files
    const labels = [...original(x)!.labels];
    const { r } = await remediateOrders(x);
    expect(r.progress.exportFiles!.length).toBeGreaterThan(1);
    const imports = named(x, ORDERS)!.taskRuns.filter((t) => t.taskType === 'IMPORT_LABELS');
    expect(imports.map((t) => t.s3Path)).toEqual([r.plan.exportPath]);
    expect(named(x, ORDERS)!.labels).toEqual(labels);
  });

  it('where Glue wants label files: the files are imported one by one, the first replacing, and every label arrives', async () => {
    const x = await world();
    x.h.aws.state.labelsPerExportFile = 5;
    x.h.aws.state.labelImportPath = 'file';
    const labels = [...original(x)!.labels];
    const { r } = await remediateOrders(x);
    expect(r.status, r.failure).toBe('completed');
    const files = r.progress.exportFiles!;
    expect(files.length).toBe(Math.ceil(labels.length / 5));
    const imports = named(x, ORDERS)!.taskRuns.filter((t) => t.taskType === 'IMPORT_LABELS');
    expect(imports.map((t) => t.s3Path)).toEqual(files);
    expect(imports.map((t) => t.replaceAllLabels)).toEqual(files.map((_, i) => i === 0));
    expect([...named(x, ORDERS)!.labels].sort()).toEqual([...labels].sort());
    expect(r.history.some((h) => h.detail?.includes('label files under'))).toBe(true);
  });

  it('where the folder import run itself fails as "Invalid label file path", the workflow falls back to the files', async () => {
    const x = await world();
    x.h.aws.state.labelsPerExportFile = 5;
    x.h.aws.state.failNextTaskRun({ taskType: 'IMPORT_LABELS', errorString: 'Invalid label file path.' });
    const labels = [...original(x)!.labels];
    const { r } = await remediateOrders(x);
    expect(r.status, r.failure).toBe('completed');
    const imports = named(x, ORDERS)!.taskRuns.filter((t) => t.taskType === 'IMPORT_LABELS');
    expect(imports[0]!.s3Path).toBe(r.plan.exportPath);
    expect(imports.slice(1).map((t) => t.s3Path)).toEqual(r.progress.exportFiles);
    expect([...named(x, ORDERS)!.labels].sort()).toEqual([...labels].sort());
  });

  it('an export whose files cannot be listed stops the workflow before anything changes', async () => {
    const x = await world();
    x.h.aws.failNext('s3:ListObjectsV2', { code: 'NoSuchBucket', message: 'The specified bucket does not exist', status: 404 });
    const req = await requestRemediation(x);
    const r = await approveAndSettle(x, req);
    expect(r.status).toBe('rolled_back');
    expect(r.failure).toContain('check_export');
    expect(original(x)!.definition.Name).toBe(ORDERS);
    expect(r.progress.renamed).toBeUndefined();
  });
});

describe('prerequisites checked at plan time', () => {
  const LOGS = `logs.${REGION}.amazonaws.com`;

  it('a key policy that does not admit CloudWatch Logs is a plan problem naming the statement to add', async () => {
    const x = await world();
    const key = x.h.aws.state.region(ACCOUNT, REGION).keys.get(DEMO_KEY_IDS.glueMl)!;
    key.policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] });
    const req = await requestRemediation(x);
    const text = await messageTextOf(x, req.id);
    expect(text).toContain(`does not admit CloudWatch Logs (${LOGS})`);
    expect(text).toContain('"Principal":{"Service":"' + LOGS + '"}');
    expect(actionIds((await messageOf(x, req.id)).blocks)).not.toContain(ACTIONS.approve);
  });

  it("a role whose IAM policies do not allow the key is a plan problem naming the role statement to add", async () => {
    const x = await world();
    x.h.aws.state.addRole(ACCOUNT, 'GlueMLRole', { allow: [{ actions: ['logs:AssociateKmsKey'], resources: ['*'] }] });
    const req = await requestRemediation(x);
    const text = await messageTextOf(x, req.id);
    expect(text).toContain('The transform\'s role GlueMLRole may not use');
    expect(text).toContain('"Action":["kms:Decrypt","kms:GenerateDataKey*"]');
    expect(x.h.aws.callCounts()['iam:SimulatePrincipalPolicy']).toBe(1);
  });

  it('a role without logs:AssociateKmsKey is a plan problem when task-run logs are encrypted', async () => {
    const x = await world();
    x.h.aws.state.addRole(ACCOUNT, 'GlueMLRole', { allow: [{ actions: ['kms:*'], resources: ['*'] }] });
    const req = await requestRemediation(x);
    expect(await messageTextOf(x, req.id)).toContain('may not associate a KMS key with its log groups');
  });

  it("a role outside transformRolePattern is a plan problem (the workflow could not pass it to Glue)", async () => {
    const x = await world({ env: { GLUE_ENCRYPT_TRANSFORM_ROLE_PATTERN: 'etl-*' } });
    const req = await requestRemediation(x);
    const text = await messageTextOf(x, req.id);
    expect(text).toContain('does not match the roles the workflow may pass to Glue (transformRolePattern etl-*)');
  });

  it('checks the bot may not make are warnings in the plan, and approval stays possible', async () => {
    const x = await world();
    x.h.aws.failNext('kms:GetKeyPolicy', { code: 'AccessDeniedException', message: 'not allowed' });
    x.h.aws.failNext('iam:SimulatePrincipalPolicy', { code: 'AccessDenied', message: 'not allowed', status: 403 });
    const req = await requestRemediation(x);
    const text = await messageTextOf(x, req.id);
    expect(text).toContain('kms:GetKeyPolicy was refused');
    expect(text).toContain('iam:SimulatePrincipalPolicy was refused');
    expect(actionIds((await messageOf(x, req.id)).blocks)).toContain(ACTIONS.approve);
    const r = await approveAndSettle(x, req);
    expect(r.status, r.failure).toBe('completed');
  });

  it("an unreadable key policy leaves the role's missing IAM permission a warning: the key policy may name the role", async () => {
    const x = await world();
    x.h.aws.failNext('kms:GetKeyPolicy', { code: 'AccessDeniedException', message: 'not allowed' });
    x.h.aws.state.addRole(ACCOUNT, 'GlueMLRole', { allow: [{ actions: ['logs:AssociateKmsKey'], resources: ['*'] }] });
    const req = await requestRemediation(x);
    const text = await messageTextOf(x, req.id);
    expect(text).toContain('that is fine only if the key policy, which could not be read, names the role');
    expect(text).not.toContain('Cannot be approved');
    expect(actionIds((await messageOf(x, req.id)).blocks)).toContain(ACTIONS.approve);
  });

  it("the source's own security configuration is reused when it meets the policy, instead of creating one", async () => {
    const x = await world();
    const vendor = DEMO_TRANSFORM_IDS['vendor-match']; // glue-encrypt-kms: SSE-KMS everywhere, user data DISABLED
    const before = x.h.aws.state.region(ACCOUNT, REGION).securityConfigurations.size;
    const { req, r } = await remediate(x, vendor);
    expect(r.status, r.failure).toBe('completed');
    expect(r.plan.securityConfigurationName).toBe('glue-encrypt-kms');
    expect(r.plan.createSecurityConfiguration).toBe(false);
    expect(await messageTextOf(x, req.id)).toContain('its own, which already meets the policy');
    expect(x.h.aws.state.region(ACCOUNT, REGION).securityConfigurations.size).toBe(before);
    // One that does not meet it (SSE-S3, logs and bookmarks off: WARN by default policy) is replaced by the bot's.
    const leads = await remediate(x, DEMO_TRANSFORM_IDS['leads-match']);
    expect(leads.r.plan.securityConfigurationName).toMatch(/^glue-encrypt-[0-9a-f]{8}$/);
  });
});

describe('IAM and Glue details real AWS enforces', () => {
  it('a transform whose tags plus the bot\'s would pass 50 is a plan problem, not a failed create', async () => {
    const x = await world();
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`tag-${i}`, 'x']));
    const req = await request(x, addLikeOrders(x, 'heavily-tagged', { tags }));
    const text = await messageTextOf(x, req.id);
    expect(text).toContain("past Glue's limit of 50 per transform. Remove 1 tag from it first.");
    expect(actionIds((await messageOf(x, req.id)).blocks)).not.toContain(ACTIONS.approve);
  });

  it('a name of multi-byte characters near the limit is renamed aside within 255 bytes, and the remediation completes', async () => {
    const x = await world();
    const name = 'ü'.repeat(120); // 240 bytes: the renamed name must be cut by bytes
    const id = addLikeOrders(x, name);
    const { r } = await remediate(x, id);
    expect(r.status, r.failure).toBe('completed');
    expect(Buffer.byteLength(r.plan.renamedName, 'utf8')).toBeLessThanOrEqual(255);
    expect(x.h.aws.state.region(ACCOUNT, REGION).transforms.get(id)!.definition.Name).toBe(r.plan.renamedName);
  });

  it('a task run that is STOPPING counts as in progress: the plan refuses it', async () => {
    const x = await world();
    x.h.aws.state.addTaskRun(ORDERS_ID, { status: 'STOPPING' });
    const req = await requestRemediation(x);
    expect(await messageTextOf(x, req.id)).toContain('The transform has a task run in progress.');
    expect(actionIds((await messageOf(x, req.id)).blocks)).not.toContain(ACTIONS.approve);
  });

  it('a rollback waits while the deleted twin still holds the name, then gives the original its name back', async () => {
    const x = await world({ aws: { taskRunMs: 0, deleteMs: 200 } });
    x.h.aws.state.failNextTaskRun({ taskType: 'IMPORT_LABELS', errorString: 'Internal failure for the test' });
    const req = await requestRemediation(x);
    const r = await approveAndSettle(x, req);
    expect(r.status, r.failure).toBe('rolled_back');
    expect(original(x)!.definition.Name).toBe(ORDERS);
    expect(r.history.some((h) => h.step === 'rollback_restore_name' && h.outcome === 'waiting' && h.detail?.includes('DELETING'))).toBe(true);
  });
});

describe('races and retries', () => {
  it('two Remediate clicks at once, with DynamoDB writes taking 20 ms, give exactly one request', async () => {
    const x = await world();
    x.h.dynamo.setWriteLatency(20);
    const value = JSON.stringify({ a: ACCOUNT, r: REGION, t: ORDERS_ID });
    const clicks = await Promise.all([x.h.click(ACTIONS.remediate, value, { user: ALICE }), x.h.click(ACTIONS.remediate, value, { user: CAROL })]);
    expect(clicks.map((c) => c.statusCode)).toEqual([200, 200]);
    await x.h.settle();
    x.h.dynamo.setWriteLatency(0);
    expect(pendingRequests(x)).toHaveLength(1);
    const told = [lastEphemeral(x, ALICE), lastEphemeral(x, CAROL)];
    expect(told.filter((t) => t.includes('There is already a remediate request for orders-match'))).toHaveLength(1);
    // Approving the one request works, and it is the only remediation ever stored for the transform.
    const r = await approveAndSettle(x, pendingRequests(x)[0]!, BOB);
    expect(r.status, r.failure).toBe('completed');
  });

  it("a CreateMLTransform Glue carried out but whose answer was lost adopts the twin the bot made instead of rolling back", async () => {
    const x = await world();
    x.h.aws.failNext('glue:CreateMLTransform', { code: 'InternalServiceException', message: 'Dependency failure', status: 500, afterApplying: true });
    const { r } = await remediateOrders(x);
    expect(r.status).toBe('completed');
    const twins = [...x.h.aws.state.region(ACCOUNT, REGION).transforms.values()].filter((t) => t.tags['glue-encrypt:remediation-id'] === r.id && t.definition.TransformId !== ORDERS_ID);
    expect(twins.map((t) => t.definition.TransformId)).toEqual([r.progress.twinId]);
  });

  it('a label export start whose answer was lost starts one run, not two', async () => {
    const x = await world();
    x.h.aws.failNext('glue:StartExportLabelsTaskRun', { code: 'InternalServiceException', message: 'Dependency failure', status: 500, afterApplying: true });
    const { r } = await remediateOrders(x);
    expect(r.status).toBe('completed');
    expect(exportRuns(x, ORDERS_ID).map((t) => t.taskRunId)).toEqual([r.progress.exportTaskRunId]);
  });

  it("the revert's last step (removing the twin) is retried before it asks a person", async () => {
    const x = await world();
    const { req, r: done } = await remediateOrders(x);
    const revert = await requestFollowUp(x, 'revert', req, ALICE);
    // A refusal the SDK does not retry by itself (a 500 would be retried inside the SDK call).
    x.h.aws.failNext('glue:DeleteMLTransform', { code: 'ConcurrentModificationException', message: 'refused for the test' }, 2);
    const r = await approveAndSettle(x, revert, CAROL);
    expect(r.status, r.failure).toBe('completed');
    expect(x.h.aws.state.region(ACCOUNT, REGION).transforms.get(done.progress.twinId!)).toBeUndefined();
    expect((await mustGet(x, revert.id)).history.filter((h) => h.step === 'delete_twin' && h.outcome === 'failed')).toHaveLength(2);
  });
});
