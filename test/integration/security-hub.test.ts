// Security Hub through the scheduled scan: each transform one ASFF finding, updated in place scan
// after scan, resolved once the transform is fixed or gone, against the Security Hub stand-in
// (BatchImportFindings / BatchUpdateFindings / GetFindings over REST-JSON).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriptionStore } from '../../src/digests/subscriptionStore.js';
import { SANDBOX_CHANNEL } from '../../src/sandbox/harness.js';
import { ACCOUNT, BOB, ORDERS_ID, REGION, approveAndSettle, requestFollowUp, requestRemediation, startWorld, type World } from './helpers.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function scheduledScan(world: World): Promise<void> {
  const store = new SubscriptionStore(new DynamoDBClient({}), world.h.config.tables.state!);
  if ((await store.forChannel(SANDBOX_CHANNEL)).length === 0) await world.h.command('subscribe', { user: BOB });
  await world.h.digestsDue();
  await world.h.scheduledScan();
}

async function findings(region = REGION): Promise<AwsSecurityFinding[]> {
  const hub = new SecurityHubClient({ region });
  const out: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const page = await hub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    out.push(...(page.Findings ?? []));
    token = page.NextToken;
  } while (token);
  hub.destroy();
  return out;
}

const byTransform = (all: AwsSecurityFinding[], transformId: string) => all.find((f) => f.Id === `glue-encrypt/${ACCOUNT}/${REGION}/${transformId}`);

describe('Security Hub', () => {
  it('imports one finding per transform, updates it in place on the next scan, and resolves it once the transform is fixed and gone', async () => {
    w = await startWorld({ env: { GLUE_ENCRYPT_SECURITY_HUB: 'true' } });
    for (const region of [REGION, 'us-east-1']) w.h.aws.securityHub.enable(ACCOUNT, region);
    await scheduledScan(w);
    const first = await findings();
    const transforms = [...w.h.aws.state.region(ACCOUNT, REGION).transforms.values()].length;
    expect(first).toHaveLength(transforms);
    const orders = byTransform(first, ORDERS_ID)!;
    expect(orders).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' }, ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`, RecordState: 'ACTIVE' });
    expect(orders.Compliance?.RelatedRequirements).toContain('AWS FSBP Glue.3');
    expect(await findings('us-east-1')).not.toHaveLength(0);

    // The next scan: the same findings, updated, not duplicated.
    await scheduledScan(w);
    const second = await findings();
    expect(second).toHaveLength(transforms);
    expect(byTransform(second, ORDERS_ID)!.CreatedAt).toBe(orders.CreatedAt);

    // Remediated and its unencrypted original retired: that transform's finding is resolved.
    const req = await requestRemediation(w);
    await approveAndSettle(w, req);
    const retire = await requestFollowUp(w, 'retire', req);
    await approveAndSettle(w, retire);
    await scheduledScan(w);
    const third = await findings();
    expect(byTransform(third, ORDERS_ID)!.Workflow?.Status).toBe('RESOLVED');
    // The encrypted twin is a finding of its own, passing.
    const twin = third.find((f) => f.Resources?.[0]?.Details?.Other?.name === 'orders-match' && f.Id !== orders.Id);
    expect(twin).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
  });

  it('keeps scanning and digesting when Security Hub refuses (not enabled)', async () => {
    w = await startWorld({ env: { GLUE_ENCRYPT_SECURITY_HUB: 'true' } });
    await scheduledScan(w);
    expect(w.h.slack.messagesIn(SANDBOX_CHANNEL).filter((m) => !m.threadTs)).toHaveLength(1);
  });
});
