// The large estate the scan benchmarks share: one harness, 25 ms per AWS call, 2,000 transforms
// over 3 accounts x 4 regions, and scan options built from loadConfig() as the worker builds them.
import { loadConfig } from '../src/config.js';
import type { ScanOptions } from '../src/inventory/scan.js';
import { seedScale, type ScaleSummary } from '../src/sandbox/fixtures.js';
import { startHarness, type Harness } from '../src/sandbox/harness.js';

export const LATENCY_MS = 25;
/** The sandbox's default account: any non-assumed credentials belong to it. */
export const HOME_ACCOUNT = '111111111111';
export const MEMBER_ACCOUNTS = ['222222222222', '333333333333'];
export const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1', 'ap-southeast-2'];
export const SCALE = { transforms: 2_000, keys: 20, securityConfigurations: 5 };

export interface Estate {
  h: Harness;
  summary: ScaleSummary;
  options: ScanOptions;
}

export async function startEstate(): Promise<Estate> {
  const h = await startHarness({
    seed: 'none',
    aws: { latencyMs: LATENCY_MS, defaultAccountId: HOME_ACCOUNT, defaultRegion: REGIONS[0] },
    env: { GLUE_ENCRYPT_ACCOUNTS: MEMBER_ACCOUNTS.join(','), GLUE_ENCRYPT_REGIONS: REGIONS.join(',') },
  });
  const summary = seedScale(h.aws.state, { accounts: [HOME_ACCOUNT, ...MEMBER_ACCOUNTS], regions: REGIONS, ...SCALE });
  // The harness has put its environment in process.env; this is what the worker would read.
  const config = loadConfig();
  const options: ScanOptions = {
    scope: config.scope,
    policy: config.policy,
    concurrency: config.concurrency,
    maxAttempts: config.maxAttempts,
    pageSize: config.pageSize,
  };
  return { h, summary, options };
}
