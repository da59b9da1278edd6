// What a correct check reports for the demo estate, derived from the fixture definitions
// (DEMO_TRANSFORMS' expected reasons) and the policy levels in force, never hard-coded.
import { isPolicyCode } from '../../src/checks/policy.js';
import type { Policy, ReasonCode, Status } from '../../src/checks/types.js';
import { DEMO_TRANSFORMS } from '../../src/sandbox/fixtures.js';

// No demo transform is unreadable, and none is waived unless a test waives it.
export type DemoStatus = Exclude<Status, 'ERROR' | 'WAIVED'>;

const RANK: Record<DemoStatus, number> = { PASS: 0, WARN: 1, FAIL: 2 };

/** The status a transform with these reasons gets: policy codes at their level, every other code FAIL. */
export function expectedStatus(codes: readonly ReasonCode[], policy: Policy): DemoStatus {
  let worst: DemoStatus = 'PASS';
  for (const code of codes) {
    const level = isPolicyCode(code) ? (policy.levels[code] ?? 'fail') : 'fail';
    const status: DemoStatus = level === 'off' ? 'PASS' : level === 'warn' ? 'WARN' : 'FAIL';
    if (RANK[status] > RANK[worst]) worst = status;
  }
  return worst;
}

/** The reason codes a transform is reported with: those the policy does not turn off. */
export function expectedCodes(codes: readonly ReasonCode[], policy: Policy): ReasonCode[] {
  return codes.filter((code) => !isPolicyCode(code) || policy.levels[code] !== 'off').sort();
}

export interface ExpectedDemoTransform {
  name: string;
  transformId: string;
  region: string;
  status: DemoStatus;
  codes: ReasonCode[];
}

export function expectedDemo(policy: Policy): ExpectedDemoTransform[] {
  return DEMO_TRANSFORMS.map((t) => ({
    name: t.name,
    transformId: t.transformId,
    region: t.region,
    status: expectedStatus(t.expectedReasons, policy),
    codes: expectedCodes(t.expectedReasons, policy),
  }));
}

export function countByStatus(transforms: readonly { status: DemoStatus }[]): Record<DemoStatus, number> {
  const counts: Record<DemoStatus, number> = { FAIL: 0, WARN: 0, PASS: 0 };
  for (const t of transforms) counts[t.status] += 1;
  return counts;
}
