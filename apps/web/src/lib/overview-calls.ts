// The Overview's ranges and its first calls, in one small module without tRPC or React: the early
// request of first-data.ts (which runs before the dashboard's own code is even loaded) and
// first-load.ts (which hands its answers to the pages) must ask the very same questions.
import { addDays, lastDays, monthStart, utcToday, type DayRange } from '@hops/api/days';

/** For this many first days of a month, the Overview shows last month's cost beside this month's. */
export const LAST_MONTH_DAYS = 7;

/** The whole previous month, while the month of `today` has only just begun; else null. */
export function lastMonthWhileNew(today: string): DayRange | null {
  if (Number(today.slice(8, 10)) > LAST_MONTH_DAYS) return null;
  const to = addDays(monthStart(today), -1);
  return { from: monthStart(to), to };
}

/** The overview's ranges for `today`: this month, last month while the month is new, 30 days. */
export function overviewRanges(today: string = utcToday()) {
  return {
    thisMonth: { from: monthStart(today), to: today },
    lastMonth: lastMonthWhileNew(today),
    last30: lastDays(30, today),
  };
}

export type FirstCall =
  | { path: 'me.get'; input?: undefined }
  | { path: 'usage.summary' | 'usage.daily'; input: DayRange };

/** What the Overview asks first: the session check, then its figures. */
export function overviewCalls(today: string = utcToday()): FirstCall[] {
  const ranges = overviewRanges(today);
  return [
    { path: 'me.get' },
    { path: 'usage.summary', input: ranges.thisMonth },
    ...(ranges.lastMonth ? [{ path: 'usage.summary' as const, input: ranges.lastMonth }] : []),
    { path: 'usage.summary', input: ranges.last30 },
    { path: 'usage.daily', input: ranges.last30 },
  ];
}

/**
 * The calls as one batched GET, as tRPC's httpBatchLink sends it (no transformer): the paths
 * joined by commas, `batch=1`, and the inputs by position (a call without input has none).
 */
export function batchUrl(calls: readonly FirstCall[]): string {
  const inputs: Record<number, unknown> = {};
  calls.forEach((call, i) => {
    if (call.input !== undefined) inputs[i] = call.input;
  });
  const paths = calls.map((call) => call.path).join(',');
  return `/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`;
}

/** One answer of a batched call: its data, or an error (taken again through tRPC). */
export type BatchAnswer = { result: { data: unknown } } | { error: unknown };

/** What first-data.ts leaves for the dashboard: the calls it made and their answers. */
export interface EarlyRequest {
  calls: FirstCall[];
  answers: Promise<BatchAnswer[]>;
}

declare global {
  interface Window {
    __hopsEarly?: EarlyRequest;
  }
}
