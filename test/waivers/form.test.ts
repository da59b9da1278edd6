// The Accept-risk form's rules, which hold whatever the Slack client enforced.
import { describe, expect, it } from 'vitest';
import { validateWaiverForm } from '../../src/waivers/form.js';

const NOW = new Date('2026-12-02T18:00:00Z');
const REASON = 'Retired next quarter; re-creating it now breaks the close.';

describe('validateWaiverForm', () => {
  it('takes a reason, a day after today within the maximum, and an optional ticket; the waiver ends at the end of that day, UTC', () => {
    expect(validateWaiverForm({ reason: `  ${REASON}  `, expiryDate: '2027-03-02', ticket: ' SEC-1 ' }, NOW, 90)).toEqual({
      ok: true,
      form: { justification: REASON, expiresAt: '2027-03-02T23:59:59.999Z', ticket: 'SEC-1' },
    });
    expect(validateWaiverForm({ reason: REASON, expiryDate: '2026-12-03' }, NOW, 90)).toMatchObject({ ok: true, form: { expiresAt: '2026-12-03T23:59:59.999Z' } });
  });

  it.each([
    [{ expiryDate: '2027-01-01' }, ['reason']],
    [{ reason: 'too short', expiryDate: '2027-01-01' }, ['reason']],
    [{ reason: 'x'.repeat(1001), expiryDate: '2027-01-01' }, ['reason']],
    [{ reason: REASON, expiryDate: '2027-03-03' }, ['expiry']], // 91 days
    [{ reason: REASON, expiryDate: '2026-12-02' }, ['expiry']], // today
    [{ reason: REASON, expiryDate: '2026-11-30' }, ['expiry']],
    [{ reason: REASON, expiryDate: '2027-02-30' }, ['expiry']],
    [{ reason: REASON }, ['expiry']],
    [{ reason: REASON, expiryDate: '2027-01-01', ticket: 'a\nb' }, ['ticket']],
    [{ reason: REASON, expiryDate: '2027-01-01', ticket: '<https://evil|SEC-1>' }, ['ticket']],
    [{ expiryDate: '2026-01-01' }, ['reason', 'expiry']],
  ])('refuses %j with errors under %j', (input, fields) => {
    const out = validateWaiverForm(input, NOW, 90);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(Object.keys(out.errors).sort()).toEqual([...fields].sort());
  });

  it('follows a configured maximum', () => {
    expect(validateWaiverForm({ reason: REASON, expiryDate: '2026-12-09' }, NOW, 7).ok).toBe(true);
    expect(validateWaiverForm({ reason: REASON, expiryDate: '2026-12-10' }, NOW, 7)).toMatchObject({ ok: false, errors: { expiry: expect.stringContaining('at most 7 days') } });
  });
});
