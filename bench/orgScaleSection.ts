// 6. Organisation scale (see orgScale.ts): calls against their floor, wall time of the single-process
// and the fanned-out scan, time to the first digest message, growth with accounts, and what one
// failing account costs the others.
import { fannedOut, ORG_LATENCY_MS, ORG_REGIONS, singleProcess, startOrganisation, type OrgRun } from './orgScale.js';
import { row, type Row, type Section } from './report.js';
import { ms } from './stats.js';

const times = (n: number) => `${n.toFixed(2)}×`;

const SIZES = [1, 50, 500] as const;
const TARGET_FANNED_OUT_MS = 60_000;
/** One failing account may cost the others at most this much wall time (noise), and nothing read. */
const TARGET_FAILURE_RATIO = 1.2;

/** What the scan cannot do with fewer calls: one GetMLTransforms page per (empty) account-region, one AssumeRole per member, the organisation's account pages. */
function floor(accounts: number): Record<string, number> {
  return { 'glue:GetMLTransforms': accounts * ORG_REGIONS.length, 'sts:AssumeRole': accounts - 1, 'organizations:ListAccounts': Math.ceil(accounts / 20) };
}

export async function benchOrgScale(): Promise<Section> {
  const rows: Row[] = [];
  const runs: OrgRun[] = [];
  for (const accounts of SIZES) {
    const world = await startOrganisation(accounts);
    try {
      const cpu = process.cpuUsage();
      const f = await fannedOut(world);
      const used = process.cpuUsage(cpu);
      const singleProcessMs = await singleProcess(world);
      runs.push({ accounts, accountRegions: accounts * ORG_REGIONS.length, ...f, singleProcessMs });
      const expected = floor(accounts);
      const perTransform = (f.calls['glue:GetMLTransform'] ?? 0) + (f.calls['glue:GetTags'] ?? 0);
      const atFloor = Object.entries(expected).every(([op, n]) => (f.calls[op] ?? 0) === n) && perTransform === 0;
      const label = `${accounts} × ${ORG_REGIONS.length}`;
      rows.push(
        row(`${label}: calls (GetMLTransforms / AssumeRole / ListAccounts)`, `${f.calls['glue:GetMLTransforms'] ?? 0} / ${f.calls['sts:AssumeRole'] ?? 0} / ${f.calls['organizations:ListAccounts'] ?? 0}, per-transform calls ${perTransform}`, `= floor ${Object.values(expected).join(' / ')}, 0`, atFloor),
        row(`${label}: fanned-out scan (Map) wall`, ms(f.fannedOutMs, 0), accounts === 500 ? `≤ ${TARGET_FANNED_OUT_MS / 1000} s` : undefined, accounts === 500 ? f.fannedOutMs <= TARGET_FANNED_OUT_MS : undefined),
        row(`${label}: time to the first digest message`, f.firstDigestMs !== undefined ? ms(f.firstDigestMs, 0) : 'none posted', undefined, f.firstDigestMs !== undefined ? undefined : false),
        row(`${label}: single-process scan wall`, ms(singleProcessMs, 0)),
        row(`${label}: this process's CPU during the fanned-out scan`, `${ms((used.user + used.system) / 1000, 0)} (${times((used.user + used.system) / 1000 / f.fannedOutMs)} the wall)`),
      );
      if (f.readAccountRegions !== accounts * ORG_REGIONS.length) rows.push(row(`${label}: account-regions the digest reports read`, String(f.readAccountRegions), String(accounts * ORG_REGIONS.length), false));
    } finally {
      await world.close();
    }
  }
  const [one, fifty, fiveHundred] = runs as [OrgRun, OrgRun, OrgRun];
  rows.push(
    row('growth 1 → 50 accounts (wall ratio, linear = 50)', times(fifty.fannedOutMs / one.fannedOutMs), '< 50', fifty.fannedOutMs / one.fannedOutMs < 50),
    row('growth 50 → 500 accounts (wall ratio, linear = 10)', times(fiveHundred.fannedOutMs / fifty.fannedOutMs), '< 10', fiveHundred.fannedOutMs / fifty.fannedOutMs < 10),
  );

  // One of 50 accounts cannot be read (no role there): the others are read as before, in the same
  // time. Two fresh sandboxes, alike but for that, measured one after the other: an assumed role's
  // credentials are cached (as on Lambda), so a denial added after a scan would not show at once.
  const fiftyWith = async (deny: boolean) => {
    const world = await startOrganisation(50);
    try {
      if (deny) world.h.aws.state.denyAssumeRole(world.accounts[7]!);
      return await fannedOut(world);
    } finally {
      await world.close();
    }
  };
  const baseline = await fiftyWith(false);
  const failing = await fiftyWith(true);
  const cost = failing.fannedOutMs / baseline.fannedOutMs;
  const othersRead = failing.readAccountRegions === 49 * ORG_REGIONS.length && failing.unreadable === ORG_REGIONS.length;
  rows.push(
    row('50 accounts, one failing: the others read, the failing one reported', `${failing.readAccountRegions} read, ${failing.unreadable} unreadable`, `${49 * ORG_REGIONS.length} read, ${ORG_REGIONS.length} unreadable`, othersRead),
    row('50 accounts, one failing: wall against all readable, same run', `${ms(failing.fannedOutMs, 0)} / ${ms(baseline.fannedOutMs, 0)} = ${times(cost)}`, `≤ ${TARGET_FAILURE_RATIO}`, cost <= TARGET_FAILURE_RATIO),
  );

  return {
    name: '6. Organisation scale',
    rows,
    notes: [
      `${ORG_LATENCY_MS} ms per AWS call; ${ORG_REGIONS.length} regions; every ${25}th account (and the management account) holds 6 transforms in 2 regions, the rest are empty.`,
      'Fanned-out: the template\'s scan state machine (deploy/scan-state-machine.json) run by the sandbox interpreter, Map concurrency as deployed (inline 10 up to 40 accounts, Distributed 40 beyond), each iteration the real scan function, then the digest to Slack.',
      'Single-process: runScan over every account-region at once in this process, as one worker Lambda would (bounded only by sockets and CPU).',
      'Everything (stand-ins, dynalite, the scan) shares this one Node process, so the fanned-out figure is CPU bound here (see the CPU row); on Lambda each iteration has its own CPU and the wall approaches ceil(accounts / 40) × one account\'s latency (about 3 calls deep: identity, role, pages).',
    ],
    data: { runs, failure: { baseline, failing } },
  };
}
