// Calendar days as the bot takes them from people (a report's start, a waiver's end): UTC days
// written YYYY-MM-DD.

export const DAY_MS = 86_400_000;

/** The UTC day of an instant, "2026-12-02". */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** Whether `text` is a real UTC day in YYYY-MM-DD (not "2027-02-30"). */
export function isUtcDay(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && utcDay(new Date(`${text}T00:00:00Z`)) === text;
}
