// Organisation scale: 1, 50 and 500 simulated accounts x 17 regions (most empty, a few with
// transforms) at 50 ms per AWS call. The fanned-out scan is the template's scan state machine run
// by the sandbox's interpreter (its Map with the template's own MaxConcurrency), each iteration
// the real scan function; the single-process scan is runScan over every account at once, as one
// worker Lambda would. Everything runs in this process: the stand-ins answer after the injected
// latency, so wall time is latency and concurrency bound, plus this process's CPU.
import { runScan } from '../src/inventory/scan.js';
import { seedScale } from '../src/sandbox/fixtures.js';
import { SANDBOX_CHANNEL, startHarness, type Harness } from '../src/sandbox/harness.js';

export const ORG_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1',
  'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'sa-east-1',
];
export const ORG_LATENCY_MS = 50;
/** Every this-many accounts (and the management account) hold transforms, in two regions. */
const POPULATED_EVERY = 25;

export interface OrgRun {
  accounts: number;
  accountRegions: number;
  /** The fanned-out scan: StartExecution to the execution's end, and to the first digest message. */
  fannedOutMs: number;
  firstDigestMs?: number;
  /** runScan over every account in one process. */
  singleProcessMs?: number;
  calls: Record<string, number>;
  /** Account-regions that the digest reports as read. */
  readAccountRegions: number;
  unreadable: number;
}

export interface OrgWorld {
  h: Harness;
  accounts: string[];
  close(): Promise<void>;
}

/** A sandbox with an organisation of `count` accounts (the management account included), at 50 ms per call. */
export async function startOrganisation(count: number): Promise<OrgWorld> {
  const h = await startHarness({
    seed: 'none',
    env: { GLUE_ENCRYPT_ORGANIZATION_SCAN: 'true', GLUE_ENCRYPT_REGIONS: ORG_REGIONS.join(','), GLUE_ENCRYPT_CHANNEL_INTERVAL_MS: '0', GLUE_ENCRYPT_LABEL_BUCKET: '' },
  });
  const org = h.aws.organization;
  org.create();
  const members = org.addAccounts(count - 1).map((a) => a.Id!);
  const accounts = [h.aws.state.defaultAccountId, ...members];
  accounts.forEach((accountId, i) => {
    if (i % POPULATED_EVERY === 0) seedScale(h.aws.state, { accounts: [accountId], regions: ['eu-west-1', 'us-east-1'], transforms: 6, keys: 1, securityConfigurations: 1 });
  });
  h.aws.setLatency(ORG_LATENCY_MS);
  return { h, accounts, close: () => h.close() };
}

/** The channel's digest is due: as if the clock had reached its time. */
async function subscribeDue(h: Harness): Promise<void> {
  const res = await h.command('subscribe', { user: 'U0BOB' });
  if (res.statusCode !== 200) throw new Error(`subscribe answered ${res.statusCode}`);
  await h.digestsDue();
}

/** One scheduled scan through the state machine, timed; the digest's first message timed too. */
export async function fannedOut(world: OrgWorld): Promise<Pick<OrgRun, 'fannedOutMs' | 'firstDigestMs' | 'calls' | 'readAccountRegions' | 'unreadable'>> {
  const { h } = world;
  await subscribeDue(h);
  const before = h.slack.messagesIn(SANDBOX_CHANNEL).length;
  h.aws.resetCounts();
  const started = Date.now();
  await h.scheduledScan();
  const fannedOutMs = Date.now() - started;
  const digest = h.slack.messagesIn(SANDBOX_CHANNEL).slice(before).find((m) => !m.threadTs);
  const text = JSON.stringify(digest?.blocks ?? []);
  const read = /(\d+) account-regions?/.exec(text);
  const unreadable = /could not read (\d+) account-region/.exec(text);
  return {
    fannedOutMs,
    ...(digest ? { firstDigestMs: digest.postedAt.getTime() - started } : {}),
    calls: h.aws.callCounts(),
    readAccountRegions: read ? Number(read[1]) : 0,
    unreadable: unreadable ? Number(unreadable[1]) : 0,
  };
}

/** The same estate read by runScan in one process, every account-region at once. */
export async function singleProcess(world: OrgWorld): Promise<number> {
  const { h, accounts } = world;
  const started = Date.now();
  const result = await runScan(
    {},
    {
      scope: { ...h.config.scope, accounts: accounts.slice(1) },
      policy: h.config.policy,
      concurrency: h.config.concurrency,
      maxAttempts: h.config.maxAttempts,
      pageSize: h.config.pageSize,
    },
  );
  if (result.targets.length !== accounts.length * ORG_REGIONS.length) throw new Error(`single-process scan read ${result.targets.length} account-regions`);
  return Date.now() - started;
}
