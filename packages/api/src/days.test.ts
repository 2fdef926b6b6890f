// UTC day helpers (days.ts).
import { describe, expect, test } from 'vitest';
import { addDays, daysBetween, daysInMonth, isDay, lastDays, monthStart } from './days.ts';

describe('days', () => {
  test('the last N days end today, inclusive', () => {
    expect(lastDays(1, '2026-03-01')).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(lastDays(30, '2026-03-01')).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });

  test('days exist in the calendar or are refused', () => {
    expect(['2026-02-28', '2028-02-29', '2026-02-29', '2026-13-01', '26-01-01'].map(isDay)).toEqual(
      [true, true, false, false, false],
    );
  });

  test('counts and moves across months and leap years', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(monthStart('2026-07-19')).toBe('2026-07-01');
    expect(['2026-02-10', '2028-02-10', '2026-04-01', '2026-12-31'].map(daysInMonth)).toEqual([
      28, 29, 30, 31,
    ]);
  });
});
