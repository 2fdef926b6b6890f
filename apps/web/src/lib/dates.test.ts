import { describe, expect, it } from 'vitest';
import {
  formatDateTime,
  formatDay,
  formatDayRange,
  formatLocalDay,
  formatShortDay,
  formatUtcDateTime,
  utcDayTitle,
} from './dates.ts';

const STOCKHOLM = { timeZone: 'Europe/Stockholm' };
const LOS_ANGELES = { timeZone: 'America/Los_Angeles' };

describe('one date format across the dashboard', () => {
  it('writes a UTC day as "5 Jan 2026", whatever it is given', () => {
    expect(formatDay('2026-01-05')).toBe('5 Jan 2026');
    // A timestamp's UTC day, not the day on some clock: late on the 5th in UTC is still the 5th.
    expect(formatDay('2026-01-05T23:30:00.000Z')).toBe('5 Jan 2026');
    expect(formatDay('2026-09-30')).toBe('30 Sep 2026');
    expect(formatDay(null)).toBe('—');
    expect(formatDay('not a day')).toBe('not a day');
    expect(formatShortDay('2026-12-24')).toBe('24 Dec');
  });

  it('writes ranges of days with the year and month said once', () => {
    expect(formatDayRange('2026-01-01', '2026-01-30')).toBe('1 – 30 Jan 2026');
    expect(formatDayRange('2026-01-28', '2026-02-03')).toBe('28 Jan – 3 Feb 2026');
    expect(formatDayRange('2025-12-28', '2026-01-03')).toBe('28 Dec 2025 – 3 Jan 2026');
    expect(formatDayRange('2026-01-05', '2026-01-05')).toBe('5 Jan 2026');
    expect(formatDayRange('2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z')).toBe(
      '1 Jan – 1 Feb 2026',
    );
  });

  it('shows a moment on the person’s clock with its zone, and the same moment in UTC', () => {
    const at = '2026-01-05T13:05:00.000Z';
    expect(formatDateTime(at, STOCKHOLM)).toBe('5 Jan 2026, 14:05 CET');
    expect(formatDateTime('2026-07-05T13:05:00.000Z', STOCKHOLM)).toBe('5 Jul 2026, 15:05 CEST');
    expect(formatDateTime(at, LOS_ANGELES)).toBe('5 Jan 2026, 05:05 GMT-8');
    expect(formatUtcDateTime(at)).toBe('5 Jan 2026, 13:05 UTC');
    expect(formatDateTime(null)).toBe('—');
  });

  it('puts a moment on the day of the person’s clock where that is a different day from UTC', () => {
    const lateInUtc = '2026-01-05T23:30:00.000Z';
    expect(formatLocalDay(lateInUtc, STOCKHOLM)).toBe('6 Jan 2026');
    expect(formatLocalDay(lateInUtc, LOS_ANGELES)).toBe('5 Jan 2026');
    expect(formatDateTime(lateInUtc, STOCKHOLM)).toBe('6 Jan 2026, 00:30 CET');
  });

  it('says which hours of the person’s clock a UTC day covers', () => {
    expect(utcDayTitle('2026-01-05', STOCKHOLM)).toBe(
      '5 Jan 2026 is a UTC day: from 5 Jan 2026, 01:00 CET to 6 Jan 2026, 01:00 CET on your clock.',
    );
    expect(utcDayTitle('2026-01-05', LOS_ANGELES)).toBe(
      '5 Jan 2026 is a UTC day: from 4 Jan 2026, 16:00 GMT-8 to 5 Jan 2026, 16:00 GMT-8 on your clock.',
    );
    expect(utcDayTitle('2026-01-05', { timeZone: 'UTC' })).toBe(
      '5 Jan 2026, a UTC day (00:00 to 24:00 UTC).',
    );
  });
});
