// How an approved waiver changes a finding: only the failing reasons it names, only until its
// end, never an unchecked part.
import { describe, expect, it } from 'vitest';
import { applyWaivers, failingCodes, type ApprovedWaiver } from '../../src/checks/waivers.js';
import { finding, reason } from '../slack/factories.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const orders = finding('orders-match', [reason('USER_DATA_NOT_ENCRYPTED'), reason('SECURITY_CONFIGURATION_MISSING')]);

function waiverOf(f: typeof orders, overrides: Partial<ApprovedWaiver> = {}): ApprovedWaiver {
  return {
    id: '7b0c2a8e-4a43-4a39-9b8b-6c1f3f1d2e11',
    accountId: f.accountId,
    region: f.region,
    transformId: f.transformId,
    reasonCodes: failingCodes(f),
    justification: 'Retired next quarter.',
    requestedBy: 'U0ALICE',
    approvedBy: 'U0BOB',
    approvedAt: '2026-12-01T10:00:00.000Z',
    expiresAt: '2026-12-31T23:59:59.999Z',
    ...overrides,
  };
}

describe('applyWaivers', () => {
  it('shows a failing transform whose every failing reason is waived as WAIVED, with the waiver', () => {
    const [f] = applyWaivers([orders], [waiverOf(orders)], NOW);
    expect(f?.status).toBe('WAIVED');
    expect(f?.waiver).toMatchObject({ approvedBy: 'U0BOB', reasonCodes: ['USER_DATA_NOT_ENCRYPTED'], notCovered: [] });
    expect(f?.reasons.map((r) => r.code)).toEqual(orders.reasons.map((r) => r.code)); // the reasons are still shown
  });

  it('keeps it FAIL when a failing reason is not covered, and says which', () => {
    const worse = finding('orders-match', [reason('USER_DATA_NOT_ENCRYPTED'), reason('KMS_KEY_PENDING_DELETION')]);
    const [f] = applyWaivers([worse], [waiverOf(orders)], NOW);
    expect(f?.status).toBe('FAIL');
    expect(f?.waiver?.notCovered).toEqual(['KMS_KEY_PENDING_DELETION']);
  });

  it('never waives what could not be checked: an ERROR reason leaves it ERROR', () => {
    const unsure = finding('orders-match', [reason('USER_DATA_NOT_ENCRYPTED'), reason('KMS_KEY_LOOKUP_FAILED')]);
    expect(applyWaivers([unsure], [waiverOf(unsure)], NOW)[0]?.status).toBe('ERROR');
  });

  it('ends at its expiry instant', () => {
    const w = waiverOf(orders, { expiresAt: '2026-12-02T12:00:00.000Z' });
    expect(applyWaivers([orders], [w], new Date('2026-12-02T11:59:59.999Z'))[0]?.status).toBe('WAIVED');
    expect(applyWaivers([orders], [w], NOW)[0]).toEqual(orders);
  });

  it('is bound to the transform ID: another transform of the same name, account or region is not waived', () => {
    const twin = finding('orders-match', orders.reasons, { transformId: 'tfm-0000000000000000000000000000000000000000' });
    expect(applyWaivers([twin], [waiverOf(orders)], NOW)[0]).toEqual(twin);
    const elsewhere = finding('orders-match', orders.reasons, { region: 'us-east-1', transformId: orders.transformId });
    expect(applyWaivers([elsewhere], [waiverOf(orders)], NOW)[0]).toEqual(elsewhere);
  });

  it('leaves passing and warning transforms as they are', () => {
    const warn = finding('leads-match', [reason('SECURITY_CONFIGURATION_MISSING')]);
    const pass = finding('customer-dedupe');
    expect(applyWaivers([warn, pass], [waiverOf(warn, { reasonCodes: ['SECURITY_CONFIGURATION_MISSING'] }), waiverOf(pass)], NOW)).toEqual([warn, pass]);
  });
});
