// The IAM stand-in through the real IAM client: SimulatePrincipalPolicy over seeded roles.
import { NoSuchEntityException, SimulatePrincipalPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { iamClient, rejection, stsClient } from './clients.js';

let sandbox: AwsSandbox;
let iam: IAMClient;
const ACCOUNT = '111111111111';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/service-role/LabelRole`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f3e6a1c-5d7b-4a2e-9c8d-1b2a3c4d5e6f`;
const OTHER_KEY = 'arn:aws:kms:eu-west-1:999999999999:key/0f3e6a1c-5d7b-4a2e-9c8d-1b2a3c4d5e6f';

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  sandbox.state.addRole(ACCOUNT, 'LabelRole', {
    allow: [
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [`arn:aws:kms:*:${ACCOUNT}:key/*`] },
      { actions: ['logs:Associate?msKey'], resources: ['*'] },
      { actions: ['s3:*'], resources: ['arn:aws:s3:::Labels-Bucket/*'] },
    ],
    deny: [{ actions: ['kms:GenerateDataKeyWithoutPlaintext'], resources: ['*'] }],
  });
  iam = iamClient(sandbox);
});

afterEach(() => sandbox.resetCounts());

afterAll(() => sandbox.close());

const simulate = (actions: string[], resources?: string[], client = iam) =>
  client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN, ActionNames: actions, ResourceArns: resources }));

const decisions = async (actions: string[], resources?: string[]) =>
  ((await simulate(actions, resources)).EvaluationResults ?? []).map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]);

describe('SimulatePrincipalPolicy', () => {
  it('answers one result per action and resource, explicit deny winning over allow', async () => {
    const result = await simulate(['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant'], [KEY, OTHER_KEY]);
    expect(result.IsTruncated).toBe(false);
    expect(result.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
      ['kms:Decrypt', KEY, 'allowed'],
      ['kms:Decrypt', OTHER_KEY, 'implicitDeny'],
      ['kms:GenerateDataKeyWithoutPlaintext', KEY, 'explicitDeny'],
      ['kms:GenerateDataKeyWithoutPlaintext', OTHER_KEY, 'explicitDeny'],
      ['kms:CreateGrant', KEY, 'implicitDeny'],
      ['kms:CreateGrant', OTHER_KEY, 'implicitDeny'],
    ]);
    expect(sandbox.callCounts()['iam:SimulatePrincipalPolicy']).toBe(1);
  });

  it('matches IAM wildcards, actions without regard to case and resources with it; the resource defaults to *', async () => {
    expect(await decisions(['KMS:generatedatakey', 'logs:AssociateKmsKey', 'logs:AssociateKKmsKey'], [KEY])).toEqual([
      ['KMS:generatedatakey', KEY, 'allowed'],
      ['logs:AssociateKmsKey', KEY, 'allowed'],
      ['logs:AssociateKKmsKey', KEY, 'implicitDeny'],
    ]);
    expect(await decisions(['s3:GetObject'], ['arn:aws:s3:::Labels-Bucket/a.csv', 'arn:aws:s3:::labels-bucket/a.csv'])).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::Labels-Bucket/a.csv', 'allowed'],
      ['s3:GetObject', 'arn:aws:s3:::labels-bucket/a.csv', 'implicitDeny'],
    ]);
    expect(await decisions(['logs:AssociateKmsKey', 'kms:Decrypt'])).toEqual([
      ['logs:AssociateKmsKey', '*', 'allowed'],
      ['kms:Decrypt', '*', 'implicitDeny'],
    ]);
  });

  it('answers NoSuchEntityException (HTTP 404) for a role that does not exist', async () => {
    const missing = await rejection(
      iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/NoSuchRole`, ActionNames: ['kms:Decrypt'] })),
    );
    expect(missing).toBeInstanceOf(NoSuchEntityException);
    expect(missing.message).toBe('The role with name NoSuchRole cannot be found.');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });

  it('answers AccessDenied (HTTP 403) for a role of another account than the caller', async () => {
    sandbox.state.addRole('222222222222', 'LabelRole', { allow: [{ actions: ['*'], resources: ['*'] }] });
    const denied = await rejection(
      iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::222222222222:role/LabelRole', ActionNames: ['kms:Decrypt'] })),
    );
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toContain('iam:SimulatePrincipalPolicy');
  });

  it('lets failNext answer AccessDenied as the SDK sees it, and STS still answers beside IAM', async () => {
    sandbox.failNext('iam:SimulatePrincipalPolicy', { code: 'AccessDenied', message: 'not authorized to perform: iam:SimulatePrincipalPolicy', status: 403 });
    const denied = await rejection(simulate(['kms:Decrypt'], [KEY]));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.message).toBe('not authorized to perform: iam:SimulatePrincipalPolicy');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(await decisions(['kms:Decrypt'], [KEY])).toEqual([['kms:Decrypt', KEY, 'allowed']]);
    expect((await stsClient(sandbox).send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
    expect(sandbox.callCounts()).toMatchObject({ 'iam:SimulatePrincipalPolicy': 2, 'sts:GetCallerIdentity': 1 });
  });

  it('throttles IAM with the awsQuery code Throttling', async () => {
    sandbox.setThrottleRate(1);
    try {
      expect((await rejection(simulate(['kms:Decrypt']))).name).toBe('Throttling');
    } finally {
      sandbox.setThrottleRate(0);
    }
  });
});
