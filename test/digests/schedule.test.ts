import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, describeCadence, nextOccurrence, parseCadence } from '../../src/digests/schedule.js';

describe('parseCadence', () => {
  it.each([
    [[], { kind: 'daily', time: '09:00' }],
    [['daily', '7:05'], { kind: 'daily', time: '07:05' }],
    [['DAILY', '23:59'], { kind: 'daily', time: '23:59' }],
    [['weekly', 'Monday', '08:30'], { kind: 'weekly', day: 'mon', time: '08:30' }],
    [['weekly', 'sun', '00:00'], { kind: 'weekly', day: 'sun', time: '00:00' }],
  ])('%j', (words, cadence) => {
    expect(parseCadence(words)).toEqual(cadence);
  });

  it.each([
    [['daily', '25:00'], /"25:00" is not a time of day/],
    [['daily', '12:60'], /"12:60" is not a time of day/],
    [['daily'], /`daily` takes one time/],
    [['weekly', 'funday', '09:00'], /"funday" is not a day of the week/],
    [['weekly', '09:00'], /`weekly` takes a day and a time/],
    [['hourly', '09:00'], /"hourly" is not a schedule/],
  ])('refuses %j', (words, message) => {
    const parsed = parseCadence(words);
    expect('error' in parsed && parsed.error).toMatch(message);
  });
});

describe('canonicalTimeZone', () => {
  it('accepts IANA names in any case and spells them canonically', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
  });
  it('refuses what is not a zone', () => {
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
  });
});

describe('nextOccurrence', () => {
  const at = (iso: string) => new Date(iso);

  it('is later today when the time has not come yet, else tomorrow, in the zone', () => {
    // 07:00 UTC is 08:00 in Paris (winter): 09:00 Paris is 08:00 UTC the same day.
    expect(nextOccurrence({ kind: 'daily', time: '09:00' }, 'Europe/Paris', at('2026-12-02T07:00:00Z')).toISOString()).toBe('2026-12-02T08:00:00.000Z');
    expect(nextOccurrence({ kind: 'daily', time: '09:00' }, 'Europe/Paris', at('2026-12-02T08:00:00Z')).toISOString()).toBe('2026-12-03T08:00:00.000Z');
  });

  it('follows the clock across a change to summer time', () => {
    // Paris moves to UTC+2 on 2027-03-28: 09:00 local is 08:00 UTC before, 07:00 UTC after.
    expect(nextOccurrence({ kind: 'daily', time: '09:00' }, 'Europe/Paris', at('2027-03-27T09:00:00Z')).toISOString()).toBe('2027-03-28T07:00:00.000Z');
  });

  it('lands on the named weekday', () => {
    // 2026-12-02 is a Wednesday.
    expect(nextOccurrence({ kind: 'weekly', day: 'mon', time: '09:00' }, 'UTC', at('2026-12-02T12:00:00Z')).toISOString()).toBe('2026-12-07T09:00:00.000Z');
    expect(nextOccurrence({ kind: 'weekly', day: 'wed', time: '09:00' }, 'UTC', at('2026-12-02T12:00:00Z')).toISOString()).toBe('2026-12-09T09:00:00.000Z');
    expect(nextOccurrence({ kind: 'weekly', day: 'wed', time: '13:00' }, 'UTC', at('2026-12-02T12:00:00Z')).toISOString()).toBe('2026-12-02T13:00:00.000Z');
  });

  it('reads as people say it', () => {
    expect(describeCadence({ kind: 'weekly', day: 'mon', time: '09:00' }, 'Europe/Paris')).toBe('every Mon at 09:00 Europe/Paris');
  });
});
