// The large estate the scan benchmarks (sections 3, 3b, 4) share: 25 ms per AWS call, 2,000
// transforms over 3 accounts x 4 regions, and scan options built from loadConfig() as the worker
// builds them. The AWS stand-in (AwsSandbox, seeded with seedScale) runs in a child process
// (bench/awsProcess.ts), as AWS does not run on the scanner's CPU in production; this process only
// scans, pointing the real SDK at the child through the variables the in-process harness would set.
import { applyEnv } from '../src/sandbox/env.js';
import { loadConfig } from '../src/config.js';
import type { ScanOptions } from '../src/inventory/scan.js';
import type { ScaleSummary } from '../src/sandbox/fixtures.js';
import { AwsProcess } from './awsProcess.js';
import type { ScopeTransforms } from './floor.js';

export const LATENCY_MS = 25;
/** The sandbox's default account: any non-assumed credentials belong to it. */
export const HOME_ACCOUNT = '111111111111';
export const MEMBER_ACCOUNTS = ['222222222222', '333333333333'];
export const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1', 'ap-southeast-2'];
export const SCALE = { transforms: 2_000, keys: 20, securityConfigurations: 5 };

export interface Estate {
  /** The AWS stand-in's process: seeding, latency, throttling and its call counters, over IPC. */
  aws: AwsProcess;
  /** Where the stand-in listens (loopback), and how long spawning and seeding it took. */
  endpoint: string;
  startMs: number;
  summary: ScaleSummary;
  /** Each seeded transform's encryption settings, per account-region: what the floor is computed from. */
  floorInput: ScopeTransforms[];
  options: ScanOptions;
  /** Closes (or kills) the stand-in and restores the environment. */
  close(): Promise<void>;
}

export async function startEstate(): Promise<Estate> {
  const started = performance.now();
  const aws = AwsProcess.spawn();
  let restore = (): void => undefined;
  try {
    const seeded = await aws.seed(
      { latencyMs: LATENCY_MS, defaultAccountId: HOME_ACCOUNT, defaultRegion: REGIONS[0] },
      { accounts: [HOME_ACCOUNT, ...MEMBER_ACCOUNTS], regions: REGIONS, ...SCALE },
    );
    // What startHarness puts in process.env for the AWS side (endpoints for Glue, KMS, STS, Lambda,
    // Step Functions, region, dummy credentials), plus the scope the estate needs; the Slack and
    // DynamoDB settings play no part in a scan.
    const env: Record<string, string> = {
      ...seeded.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      GLUE_ENCRYPT_ACCOUNTS: MEMBER_ACCOUNTS.join(','),
      GLUE_ENCRYPT_REGIONS: REGIONS.join(','),
    };
    restore = applyEnv(env);
    // This is what the worker would read.
    const config = loadConfig();
    const options: ScanOptions = {
      scope: config.scope,
      policy: config.policy,
      concurrency: config.concurrency,
      maxAttempts: config.maxAttempts,
      pageSize: config.pageSize,
    };
    return {
      aws,
      endpoint: seeded.endpoint,
      startMs: performance.now() - started,
      summary: seeded.summary,
      floorInput: seeded.floorInput,
      options,
      close: async () => {
        try {
          await aws.close();
        } finally {
          restore();
        }
      },
    };
  } catch (err) {
    await aws.close();
    restore();
    throw err;
  }
}
