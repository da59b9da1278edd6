// When a subscription's digest is due: "daily HH:MM" or "weekly DAY HH:MM" in an IANA time
// zone. Pure: the clock is passed in. Luxon does the time-zone arithmetic, including the
// days a clock change skips or repeats an hour (a skipped 02:30 becomes 03:30 that day).
import { DateTime, IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type Cadence = { kind: 'daily'; time: string } | { kind: 'weekly'; day: Weekday; time: string };

export const DEFAULT_CADENCE: Cadence = { kind: 'daily', time: '09:00' };

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const DAY_NAMES: Record<string, Weekday> = {
  mon: 'mon', monday: 'mon', tue: 'tue', tues: 'tue', tuesday: 'tue', wed: 'wed', wednesday: 'wed',
  thu: 'thu', thur: 'thu', thurs: 'thu', thursday: 'thu', fri: 'fri', friday: 'fri',
  sat: 'sat', saturday: 'sat', sun: 'sun', sunday: 'sun',
};

/** "9:05" -> "09:05"; undefined for anything that is not a 24-hour clock time. */
export function parseTime(text: string): string | undefined {
  const m = TIME.exec(text.trim());
  return m ? `${m[1]!.padStart(2, '0')}:${m[2]!}` : undefined;
}

export function parseWeekday(text: string): Weekday | undefined {
  return DAY_NAMES[text.trim().toLowerCase()];
}

/**
 * The words after `subscribe` that say when: none (the default), `daily HH:MM` or
 * `weekly DAY HH:MM`. Returns the cadence or what is wrong, in words for the person who typed it.
 */
export function parseCadence(words: string[]): Cadence | { error: string } {
  if (words.length === 0) return DEFAULT_CADENCE;
  const [kind, ...rest] = words.map((w) => w.toLowerCase());
  const example = 'e.g. `subscribe daily 09:00` or `subscribe weekly mon 09:00`';
  if (kind === 'daily') {
    if (rest.length !== 1) return { error: `\`daily\` takes one time (HH:MM, 24-hour), ${example}.` };
    const time = parseTime(rest[0]!);
    return time ? { kind: 'daily', time } : { error: `"${rest[0]!}" is not a time of day (HH:MM, 00:00 to 23:59), ${example}.` };
  }
  if (kind === 'weekly') {
    if (rest.length !== 2) return { error: `\`weekly\` takes a day and a time, ${example}.` };
    const day = parseWeekday(rest[0]!);
    if (!day) return { error: `"${rest[0]!}" is not a day of the week (mon, tue, … sun), ${example}.` };
    const time = parseTime(rest[1]!);
    return time ? { kind: 'weekly', day, time } : { error: `"${rest[1]!}" is not a time of day (HH:MM, 00:00 to 23:59), ${example}.` };
  }
  return { error: `"${words[0]!}" is not a schedule: say \`daily HH:MM\` or \`weekly DAY HH:MM\`, ${example}.` };
}

/** The zone's canonical IANA name ("europe/paris" -> "Europe/Paris"), or undefined if there is no such zone. */
export function canonicalTimeZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '' || !IANAZone.isValidZone(trimmed)) return undefined;
  // Intl knows the canonical spelling; luxon accepts any case.
  return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
}

/** The first moment strictly after `after` at which the cadence fires in `zone`. */
export function nextOccurrence(cadence: Cadence, zone: string, after: Date): Date {
  const [hour, minute] = cadence.time.split(':').map(Number) as [number, number];
  const now = DateTime.fromJSDate(after, { zone });
  let candidate = now.set({ hour, minute, second: 0, millisecond: 0 });
  if (cadence.kind === 'weekly') {
    const weekday = WEEKDAYS.indexOf(cadence.day) + 1; // luxon: Monday = 1
    candidate = candidate.plus({ days: (weekday - candidate.weekday + 7) % 7 });
  }
  const step = cadence.kind === 'weekly' ? { weeks: 1 } : { days: 1 };
  while (candidate.toMillis() <= after.getTime()) candidate = candidate.plus(step).set({ hour, minute });
  return candidate.toJSDate();
}

/** "daily 09:00 Europe/Paris", "weekly Mon 09:00 UTC": how a person reads the cadence. */
export function describeCadence(cadence: Cadence, zone: string): string {
  return cadence.kind === 'daily'
    ? `daily at ${cadence.time} ${zone}`
    : `every ${cadence.day.charAt(0).toUpperCase()}${cadence.day.slice(1)} at ${cadence.time} ${zone}`;
}
