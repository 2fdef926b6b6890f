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
  return checkedDays(value);
}

/**
 * `compute` remembered by its argument: a usage batch names a handful of days ten thousand times.
 * Past a few thousand entries it starts over, so days that vary without end cannot grow it.
 */
function remembered<T>(compute: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size >= 4096) known.clear();
      known.set(key, value);
    }
    return value;
  };
}
const checkedDays = remembered(checkDay);

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
  return monthLengths(day.slice(0, 7));
}
const monthLengths = remembered((month) => {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, m, 0)).getUTCDate();
});

/** An inclusive range of UTC days. */
export interface DayRange {
  from: string;
  to: string;
}

/** The last `days` days, today included. */
export function lastDays(days: number, today: string = utcToday()): DayRange {
  return { from: addDays(today, -(days - 1)), to: today };
}
