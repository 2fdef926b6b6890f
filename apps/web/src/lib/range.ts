// The date range of the usage pages: read from the address bar and checked with the API's own
// schema, so the page says what the API would.
import { lastDays, type DayRange } from '@hops/api/days';
import { dateRange } from '@hops/api/schemas';
import { useUrlState } from './url-state.ts';

/** The sentence explaining why a range is not usable, or null when it is. */
export function validateRange(range: DayRange): string | null {
  const result = dateRange.safeParse(range);
  return result.success ? null : (result.error.issues[0]?.message ?? 'This range is not valid.');
}

/** The range in the address bar (so a view can be shared), or the last 30 days. */
export function useRangeParam(): [DayRange, (range: DayRange) => void] {
  const [params, update] = useUrlState();
  const fromUrl = { from: params.get('from') ?? '', to: params.get('to') ?? '' };
  const range = validateRange(fromUrl) ? lastDays(30) : fromUrl;
  return [range, (next: DayRange) => update({ from: next.from, to: next.to })];
}
