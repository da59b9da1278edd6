// Names the bot gives transforms it moves aside: Glue's limit is 255 UTF-8 bytes.
import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, datedName, renamedName } from '../../src/remediation/snapshot.js';

const DAY = new Date('2026-12-02T10:00:00Z');
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('datedName', () => {
  it('keeps a short name whole and adds the dated suffix', () => {
    expect(renamedName('orders-match', DAY)).toBe('orders-match-unencrypted-20261202');
  });

  it('cuts a long name of multi-byte characters by bytes, never through a character, and keeps the suffix', () => {
    const name = 'é'.repeat(200); // 400 bytes
    const renamed = renamedName(name, DAY);
    expect(bytes(renamed)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(renamed.endsWith('-unencrypted-20261202')).toBe(true);
    expect(renamed).not.toContain('\uFFFD');
    expect(Buffer.from(renamed, 'utf8').toString('utf8')).toBe(renamed);
    // As many whole characters as fit: one more would pass the limit.
    expect(bytes(renamed) + bytes('é')).toBeGreaterThan(MAX_NAME_BYTES);
  });

  it('keeps four-byte characters (emoji) whole too', () => {
    const renamed = datedName('🔐'.repeat(100), 'encrypted-reverted', DAY);
    expect(bytes(renamed)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect([...renamed.replace('-encrypted-reverted-20261202', '')].every((c) => c === '🔐')).toBe(true);
  });
});
