// `npm run demo` is the README's first command: it must show the whole job, end to end.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDemo } from '../src/demo.js';

afterEach(() => vi.restoreAllMocks());

describe('npm run demo', () => {
  it('shows a check, a refused self-approval, a completed remediation and a completed revert, and exits 0', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    const code = await runDemo();
    const text = out.join('\n');
    expect(code).toBe(0);
    expect(text).toMatch(/6 FAIL · 3 WARN · 2 PASS\s+\(11 transforms/);
    expect(text).toContain('"eu-west-2x" is not an AWS region');
    expect(text).toContain('someone else must approve it (four-eyes rule)');
    // An accepted risk: the form refuses no reason, the requester cannot approve, then it shows WAIVED.
    expect(text).toContain('reason: Say why this risk is accepted');
    expect(text).toContain('You asked for this waiver, so someone else must approve it (four-eyes rule).');
    expect(text).toMatch(/WAIVED {2}vendor-match .*\n.*\n.*Accepted risk until \d{4}-\d{2}-\d{2} \(asked by @U0ALICE, approved by @U0CAROL, ticket SEC-4321\)/);
    expect(text.match(/· completed/g)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toContain('Reverted: orders-match is tfm-d880a414fe8c31fce005d221b16b1eca3973d1df again, with 312 labels');
    // Digests, drift alerts and the Home tab.
    expect(text).toMatch(/new failures: .*fraud-match-2027/);
    expect(text).toContain('CreateMLTransform on transform shadow-match');
    expect(text).toContain('ScheduleKeyDeletion on key');
    expect(text).toContain('glue-encrypt · posture');
    expect(text).not.toContain('did not show what it should');
  });
});
