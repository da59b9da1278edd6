// The naive scan, for comparison: real SDK clients, every GetMLTransforms page, then one
// GetMLTransform per transform and one DescribeKey per transform that names a key, with the
// same concurrency per account-region (all account-regions in parallel, like runScan).
import { GetMLTransformCommand, GetMLTransformsCommand, GlueClient } from '@aws-sdk/client-glue';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import pLimit from 'p-limit';

export interface NaiveOptions {
  homeAccount: string;
  memberAccounts: string[];
  regions: string[];
  roleName: string;
  concurrency: number;
  maxAttempts: number;
  pageSize: number;
}

export interface NaiveOutcome {
  transforms: number;
  keysDescribed: number;
}

async function assume(sts: STSClient, accountId: string, roleName: string): Promise<AwsCredentialIdentity> {
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`, RoleSessionName: 'glue-encrypt-naive', DurationSeconds: 3600 }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole in ${accountId} returned no credentials`);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

async function scanOne(
  region: string,
  credentials: AwsCredentialIdentity | undefined,
  o: NaiveOptions,
): Promise<NaiveOutcome> {
  const common = { region, maxAttempts: o.maxAttempts, retryMode: 'adaptive' as const, ...(credentials ? { credentials } : {}) };
  const glue = new GlueClient(common);
  const kms = new KMSClient(common);
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await glue.send(new GetMLTransformsCommand({ MaxResults: o.pageSize, NextToken: nextToken }));
    for (const t of page.Transforms ?? []) if (t.TransformId) ids.push(t.TransformId);
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  const limit = pLimit(o.concurrency);
  let keysDescribed = 0;
  await Promise.all(
    ids.map((id) =>
      limit(async () => {
        const t = await glue.send(new GetMLTransformCommand({ TransformId: id }));
        const keyId = t.TransformEncryption?.MlUserDataEncryption?.KmsKeyId;
        if (keyId) {
          await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
          keysDescribed++;
        }
      }),
    ),
  );
  return { transforms: ids.length, keysDescribed };
}

export async function naiveScan(o: NaiveOptions): Promise<NaiveOutcome> {
  const sts = new STSClient({ region: o.regions[0], maxAttempts: o.maxAttempts, retryMode: 'adaptive' });
  const accounts = [o.homeAccount, ...o.memberAccounts];
  const credentials = await Promise.all(
    accounts.map((a) => (a === o.homeAccount ? Promise.resolve(undefined) : assume(sts, a, o.roleName))),
  );
  const outcomes = await Promise.all(
    accounts.flatMap((_, i) => o.regions.map((region) => scanOne(region, credentials[i], o))),
  );
  return {
    transforms: outcomes.reduce((n, x) => n + x.transforms, 0),
    keysDescribed: outcomes.reduce((n, x) => n + x.keysDescribed, 0),
  };
}
