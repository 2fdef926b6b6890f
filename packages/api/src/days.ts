// UTC days as the API speaks them (`YYYY-MM-DD`, SPEC §4): every day and range helper of the
// server, the dashboard and the Slack bot. Client-safe.

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of a moment: "2026-01-31". */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Today, UTC. */
export function utcToday(now: Date = new Date()): string {
  return utcDay(now);
}

/**
 * Whether `value` is a `YYYY-MM-DD` day that exists in the calendar: no 2026-02-30, no month 13,
 * and no year 0000 (the calendar goes from 1 BC to AD 1; PostgreSQL refuses year 0 outright).
 * Four digits keep every day within what both JavaScript and PostgreSQL represent.
 */
export function isDay(value: string): boolean {
  let known = checkedDays.get(value);
  if (known === undefined) {
    known = checkDay(value);
    // A usage batch names a handful of days ten thousand times: remember the last few thousand.
    if (checkedDays.size >= 4096) checkedDays.clear();
    checkedDays.set(value, known);
  }
  return known;
}
const checkedDays = new Map<string, boolean>();

function checkDay(value: string): boolean {
  if (!DAY.test(value) || value.startsWith('0000')) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && utcDay(date) === value;
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return utcDay(date);
}

/** Whole days from `from` to `to` (0 for the same day). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The first day of the day's month: "2026-01-31" → "2026-01-01". */
export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** How many days the day's month has (storage is priced per month, SPEC §3.4). */
export function daysInMonth(day: string): number {
  const month = day.slice(0, 7);
  let days = monthLengths.get(month);
  if (days === undefined) {
    const [y, m] = month.split('-').map(Number) as [number, number];
    days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    if (monthLengths.size >= 4096) monthLengths.clear();
    monthLengths.set(month, days);
  }
  return days;
}
const monthLengths = new Map<string, number>();

/** An inclusive range of UTC days. */
export interface DayRange {
  from: string;
  to: string;
}

/** The last `days` days, today included. */
export function lastDays(days: number, today: string = utcToday()): DayRange {
  return { from: addDays(today, -(days - 1)), to: today };
}
