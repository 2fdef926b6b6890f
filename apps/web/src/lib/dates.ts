// Dates and times as people read them on the dashboard, in one format everywhere: a day is
// "5 Jan 2026", a moment "5 Jan 2026, 14:05 CET". Moments (sign-ins, audit entries, invites,
// payments) are shown in the person's own time zone, with UTC for a hover. Usage days are UTC days
// (SPEC §3.4) and stay days: they are never moved into a time zone, and their hover says which
// hours of the person's clock they cover. The days themselves come from @hops/api/days.
import { addDays } from '@hops/api/days';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Where a moment is shown: the person's own zone unless told otherwise (tests, UTC). */
export interface ZoneOption {
  /** An IANA time zone, e.g. "Europe/Stockholm"; the browser's by default. */
  timeZone?: string;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  zone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
      ...(timeZone ? { timeZone } : {}),
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** The calendar parts of a moment on the clock of a time zone. */
function partsOf(date: Date, timeZone: string | undefined): Parts {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(date)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    zone: parts.timeZoneName ?? '',
  };
}

function parse(value: string): Date | null {
  const date = new Date(DAY.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const dayText = (p: Pick<Parts, 'year' | 'month' | 'day'>) =>
  `${p.day} ${MONTHS[p.month - 1]} ${p.year}`;
const timeText = (p: Parts) =>
  `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;

/** The person's time zone, as an IANA name ("Europe/Stockholm"). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * A UTC day ("2026-01-05", or the UTC day of a timestamp) as "5 Jan 2026". Usage, reporting and
 * invoicing count in UTC days, so the day shown is the same for everyone.
 */
export function formatDay(day: string | null | undefined): string {
  if (!day) return '—';
  const date = parse(day);
  return date ? dayText(partsOf(date, 'UTC')) : day;
}

/** A UTC day without its year, "5 Jan" (where the year is said once nearby, e.g. a chart's axis). */
export function formatShortDay(day: string): string {
  const date = parse(day);
  if (!date) return day;
  const p = partsOf(date, 'UTC');
  return `${p.day} ${MONTHS[p.month - 1]}`;
}

/** An inclusive range of UTC days: "1 – 30 Jan 2026", "28 Dec 2025 – 3 Jan 2026". */
export function formatDayRange(from: string, to: string): string {
  const a = parse(from);
  const b = parse(to);
  if (!a || !b) return `${from} – ${to}`;
  const start = partsOf(a, 'UTC');
  const end = partsOf(b, 'UTC');
  if (dayText(start) === dayText(end)) return dayText(end);
  if (start.year !== end.year) return `${dayText(start)} – ${dayText(end)}`;
  if (start.month !== end.month) {
    return `${start.day} ${MONTHS[start.month - 1]} – ${dayText(end)}`;
  }
  return `${start.day} – ${dayText(end)}`;
}

/** A moment on the person's clock, with its zone: "5 Jan 2026, 14:05 CET". */
export function formatDateTime(iso: string | null | undefined, options: ZoneOption = {}): string {
  if (!iso) return '—';
  const date = parse(iso);
  if (!date) return iso;
  const p = partsOf(date, options.timeZone);
  return `${dayText(p)}, ${timeText(p)} ${p.zone}`;
}

/** The same moment in UTC, "5 Jan 2026, 13:05 UTC": what a hover shows beside a local time. */
export function formatUtcDateTime(iso: string | null | undefined): string {
  return formatDateTime(iso, { timeZone: 'UTC' });
}

/** The day a moment fell on, on the person's clock: "5 Jan 2026" (when someone joined). */
export function formatLocalDay(iso: string | null | undefined, options: ZoneOption = {}): string {
  if (!iso) return '—';
  const date = parse(iso);
  return date ? dayText(partsOf(date, options.timeZone)) : iso;
}

/**
 * What a UTC day covers on the person's clock, for a hover: "5 Jan 2026 is a UTC day: 5 Jan 2026,
 * 01:00 CET to 6 Jan 2026, 01:00 CET". Said plainly when the person's clock is UTC.
 */
export function utcDayTitle(day: string, options: ZoneOption = {}): string {
  const start = parse(day);
  if (!start || !DAY.test(day)) return day;
  const end = parse(addDays(day, 1))!;
  const from = partsOf(start, options.timeZone);
  const to = partsOf(end, options.timeZone);
  if (from.zone === 'UTC') return `${dayText(from)}, a UTC day (00:00 to 24:00 UTC).`;
  const on = (p: Parts) => `${dayText(p)}, ${timeText(p)} ${p.zone}`;
  return `${formatDay(day)} is a UTC day: from ${on(from)} to ${on(to)} on your clock.`;
}
