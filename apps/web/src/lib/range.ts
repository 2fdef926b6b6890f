// The date range of the usage pages: read from the address bar and checked with the API's own
// schema, so the page says what the API would. A range in the address that cannot be used is not
// silently replaced: it is taken out of the address and the page is told why (`notice`).
import { lastDays, type DayRange } from '@hops/api/days';
import { dateRange, describeInputError } from '@hops/api/schemas';
import { useEffect, useState } from 'react';
import { useUrlState } from './url-state.ts';

/** The sentence explaining why a range is not usable (or half missing), or null when it is. */
export function validateRange(range: { from?: string; to?: string }): string | null {
  const result = dateRange.safeParse(range);
  return result.success ? null : describeInputError(result.error);
}

/** Why the range in the address was not used, and what it asked for. */
export interface RangeNotice {
  asked: { from: string | null; to: string | null };
  problem: string;
}

/**
 * The range in the address bar (so a view can be shared), or the last 30 days. A bad one is taken
 * out of the address (the page then shows the last 30 days, and its address says so) and comes
 * back as the notice until another range is picked.
 */
export function useRangeParam(): [DayRange, (range: DayRange) => void, RangeNotice | null] {
  const [params, update] = useUrlState();
  const from = params.get('from');
  const to = params.get('to');
  const asked = from !== null || to !== null;
  const problem = asked
    ? validateRange({ ...(from !== null && { from }), ...(to !== null && { to }) })
    : null;
  const [notice, setNotice] = useState<RangeNotice | null>(null);
  useEffect(() => {
    if (!problem) return;
    setNotice({ asked: { from, to }, problem });
    update({ from: null, to: null });
  }, [problem, from, to, update]);
  const range = asked && !problem ? { from: from ?? '', to: to ?? '' } : lastDays(30);
  return [
    range,
    (next: DayRange) => {
      setNotice(null);
      update({ from: next.from, to: next.to });
    },
    notice,
  ];
}
