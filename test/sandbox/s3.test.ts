// The S3 stand-in through the real S3 client: bucket regions, listing label files, denials and faults.
import { StartExportLabelsTaskRunCommand } from '@aws-sdk/client-glue';
import { GetBucketLocationCommand, GetObjectCommand, ListObjectsV2Command, NoSuchBucket, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox, SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY } from '../../src/sandbox/aws/index.js';
import { DEMO_TRANSFORM_IDS, seedDemo } from '../../src/sandbox/fixtures.js';
import { glueClient, rejection, s3Client } from './clients.js';

let sandbox: AwsSandbox;
let s3: S3Client;
const BUCKET = 'acme-labels-eu';

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  seedDemo(sandbox.state);
  sandbox.state.addBucket(BUCKET, 'eu-west-1');
  sandbox.state.addBucket('acme-labels-us', 'us-east-1');
  sandbox.state.addBucket('acme-labels-eu-2', 'eu-west-1');
  sandbox.state.addBucket('acme-labels-tokyo', 'ap-northeast-1', '222222222222');
  s3 = s3Client(sandbox);
});

afterEach(() => {
  sandbox.state.labelsPerExportFile = 1000;
  sandbox.state.clearDenyRules();
  sandbox.setThrottleRate(0);
  sandbox.resetCounts();
});

afterAll(() => sandbox.close());

const location = (bucket: string) => s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
const list = (bucket: string, extra: { Prefix?: string; MaxKeys?: number; ContinuationToken?: string; StartAfter?: string } = {}) =>
  s3.send(new ListObjectsV2Command({ Bucket: bucket, ...extra }));

describe('GetBucketLocation', () => {
  it('names the bucket region, and answers an empty constraint for us-east-1 as S3 does', async () => {
    expect((await location(BUCKET)).LocationConstraint).toBe('eu-west-1');
    // Each asked as S3 wants: from the bucket's own region, by its owner.
    const tokyo = s3Client(sandbox, { region: 'ap-northeast-1', credentials: { accessKeyId: 'ASIA222222222222TEST', secretAccessKey: 'x' } });
    expect((await tokyo.send(new GetBucketLocationCommand({ Bucket: 'acme-labels-tokyo' }))).LocationConstraint).toBe('ap-northeast-1');
    const virginia = s3Client(sandbox, { region: 'us-east-1' });
    expect((await virginia.send(new GetBucketLocationCommand({ Bucket: 'acme-labels-us' }))).LocationConstraint ?? '').toBe('');
    expect(sandbox.state.bucketRegion('acme-labels-us')).toBe('us-east-1');
    expect(sandbox.state.bucketRegion('nope')).toBeUndefined();
    expect(sandbox.callCounts()['s3:GetBucketLocation']).toBe(3);
  });

  it('answers NoSuchBucket (HTTP 404) for a bucket nobody registered', async () => {
    const missing = await rejection(location('no-such-labels'));
    expect(missing.name).toBe('NoSuchBucket');
    expect(missing.message).toBe('The specified bucket does not exist');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });
});

describe('ListObjectsV2', () => {
  it('lists the files a label export wrote, with their size, ETag and time', async () => {
    sandbox.state.labelsPerExportFile = 500;
    const folder = `s3://${BUCKET}/glue-encrypt/customer-dedupe/`;
    const { TaskRunId } = await glueClient(sandbox).send(
      new StartExportLabelsTaskRunCommand({ TransformId: DEMO_TRANSFORM_IDS['customer-dedupe'], OutputS3Path: folder }),
    );
    const page = await list(BUCKET, { Prefix: 'glue-encrypt/customer-dedupe/' });
    const keys = [0, 1, 2].map((n) => `glue-encrypt/customer-dedupe/run-${TaskRunId}-part-0000${n}.csv`);
    expect(page).toMatchObject({ Name: BUCKET, Prefix: 'glue-encrypt/customer-dedupe/', KeyCount: 3, MaxKeys: 1000, IsTruncated: false });
    expect(page.NextContinuationToken).toBeUndefined();
    expect(page.Contents?.map((o) => o.Key)).toEqual(keys);
    const files = sandbox.state.s3List(folder);
    expect(files.map((f) => f.labels.length)).toEqual([500, 500, 250]);
    for (const [i, object] of (page.Contents ?? []).entries()) {
      const file = files[i];
      expect(object.Size).toBe(Buffer.byteLength(file?.labels.map((row) => `${row}\n`).join('') ?? ''));
      expect(object.ETag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(object.StorageClass).toBe('STANDARD');
      expect(object.LastModified).toEqual(file?.writtenAt);
    }
  });

  it('pages with MaxKeys and continuation tokens, each key once, in key order', async () => {
    for (const name of ['c', 'a', 'e', 'b', 'd']) sandbox.state.putLabels(`s3://${BUCKET}/paging/${name}.csv`, ['s,l,r']);
    sandbox.state.putLabels(`s3://${BUCKET}/paging-elsewhere.csv`, ['s,l,r']);
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await list(BUCKET, { Prefix: 'paging/', MaxKeys: 2, ContinuationToken: token });
      expect(page.MaxKeys).toBe(2);
      expect(page.KeyCount).toBe(page.Contents?.length);
      expect(page.IsTruncated).toBe(page.NextContinuationToken !== undefined);
      if (token) expect(page.ContinuationToken).toBe(token);
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(keys).toEqual(['a', 'b', 'c', 'd', 'e'].map((k) => `paging/${k}.csv`));
    expect(sandbox.state.s3List(`s3://${BUCKET}/paging`).map((o) => o.key)).toEqual(keys);
    const after = await list(BUCKET, { Prefix: 'paging/', StartAfter: 'paging/c.csv' });
    expect(after.Contents?.map((o) => o.Key)).toEqual(['paging/d.csv', 'paging/e.csv']);
  });

  it('lists nothing under a prefix that holds nothing, and NoSuchBucket for an unknown bucket', async () => {
    const empty = await list(BUCKET, { Prefix: 'nothing-here/' });
    expect(empty).toMatchObject({ KeyCount: 0, IsTruncated: false });
    expect(empty.Contents ?? []).toEqual([]);
    const missing = await rejection(list('no-such-labels'));
    expect(missing).toBeInstanceOf(NoSuchBucket);
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });
});

describe('state objects', () => {
  it('putLabels writes one object at an exact key; s3Object reads it back and s3List finds it in its folder', () => {
    sandbox.state.putLabels(`s3://${BUCKET}/seeded/labels.csv`, ['a,b,c', 'a,b,d']);
    expect(sandbox.state.s3Object(`s3://${BUCKET}/seeded/labels.csv`)).toMatchObject({
      path: `s3://${BUCKET}/seeded/labels.csv`,
      bucket: BUCKET,
      key: 'seeded/labels.csv',
      labels: ['a,b,c', 'a,b,d'],
    });
    expect(sandbox.state.s3Object(`s3://${BUCKET}/seeded`)).toBeUndefined();
    expect(sandbox.state.s3List(`s3://${BUCKET}/seeded/`).map((o) => o.key)).toEqual(['seeded/labels.csv']);
    expect(() => sandbox.state.putLabels('s3://unregistered-bucket/labels.csv', [])).toThrow(/addBucket/);
  });
});

describe('denials and faults', () => {
  it('a request signed for another region is refused as S3 does: GetBucketLocation names the region, a listing is redirected', async () => {
    const malformed = (await rejection(location('acme-labels-us'))) as Awaited<ReturnType<typeof rejection>> & { Region?: string; $response?: { headers?: Record<string, string> } };
    expect(malformed.name).toBe('AuthorizationHeaderMalformed');
    expect(malformed.$metadata?.httpStatusCode).toBe(400);
    expect(malformed.Region).toBe('us-east-1');
    expect(malformed.$response?.headers?.['x-amz-bucket-region']).toBe('us-east-1');
    const redirected = await rejection(list('acme-labels-us'));
    expect(redirected.name).toBe('PermanentRedirect');
    expect(redirected.$metadata?.httpStatusCode).toBe(301);
    // The SDK's followRegionRedirects reads x-amz-bucket-region on the 301 and asks again, signed for us-east-1.
    const following = new S3Client({
      endpoint: sandbox.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY },
      followRegionRedirects: true,
    });
    expect((await following.send(new ListObjectsV2Command({ Bucket: 'acme-labels-us' }))).Name).toBe('acme-labels-us');
  });

  it("another account's bucket answers AccessDenied (no bucket policy is modelled)", async () => {
    const foreign = await rejection(s3Client(sandbox, { region: 'ap-northeast-1' }).send(new GetBucketLocationCommand({ Bucket: 'acme-labels-tokyo' })));
    expect(foreign.name).toBe('AccessDenied');
    expect(foreign.$metadata?.httpStatusCode).toBe(403);
  });

  it('denyS3 answers AccessDenied (HTTP 403) for that bucket and operation only, until clearDenyRules', async () => {
    sandbox.state.denyS3(BUCKET, 'ListObjectsV2');
    const denied = await rejection(list(BUCKET));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toContain('s3:ListBucket');
    expect((await location(BUCKET)).LocationConstraint).toBe('eu-west-1');
    expect((await list('acme-labels-eu-2')).KeyCount).toBe(0);

    sandbox.state.denyS3('acme-labels-eu-2', 'GetBucketLocation');
    expect((await rejection(location('acme-labels-eu-2'))).name).toBe('AccessDenied');
    sandbox.state.clearDenyRules();
    expect((await list(BUCKET)).Name).toBe(BUCKET);
    expect((await location('acme-labels-eu-2')).LocationConstraint).toBe('eu-west-1');
  });

  it('failNext applies to S3 operations, and the SDK retries a 5xx away', async () => {
    sandbox.failNext('s3:ListObjectsV2', { code: 'InternalError', message: 'We encountered an internal error. Please try again.', status: 500 });
    const failed = await rejection(list(BUCKET));
    expect(failed.name).toBe('InternalError');
    expect(failed.$metadata?.httpStatusCode).toBe(500);

    sandbox.failNext('s3:GetBucketLocation', { code: 'InternalError', message: 'try again', status: 500 });
    const retried = await s3Client(sandbox, { maxAttempts: 3 }).send(new GetBucketLocationCommand({ Bucket: BUCKET }));
    expect(retried.LocationConstraint).toBe('eu-west-1');
    expect(retried.$metadata.attempts).toBe(2);
    expect(sandbox.callCounts()).toMatchObject({ 's3:ListObjectsV2': 1, 's3:GetBucketLocation': 2 });
  });

  it('throttles S3 with SlowDown (HTTP 503)', async () => {
    sandbox.setThrottleRate(1);
    const throttled = await rejection(location(BUCKET));
    expect(throttled.name).toBe('SlowDown');
    expect(throttled.$metadata?.httpStatusCode).toBe(503);
    expect(sandbox.throttledCount()).toBe(1);
  });

  it('answers NotImplemented for S3 operations the sandbox does not model', async () => {
    const unsupported = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'seeded/labels.csv' })));
    expect(unsupported.name).toBe('NotImplemented');
    expect(sandbox.callCounts()['s3:GetObject']).toBe(1);
  });
});
