// Checks a custom date range with the API's own schema, so the page says what the API would.
import { dateRange, daysBetween } from '@hops/api/schemas';
import type { DayRange } from './dates.ts';

/** The sentence explaining why a range is not usable, or null when it is. */
export function validateRange(range: DayRange): string | null {
  const result = dateRange.safeParse(range);
  return result.success ? null : (result.error.issues[0]?.message ?? 'This range is not valid.');
}

export function daysBetweenDays(range: DayRange): number {
  return daysBetween(range.from, range.to);
}
