// The first load's requests, started together from the entry instead of one after another: the
// session check (me.get), the first route's chunk and, for the overview, its queries and the chart
// chunk. The queries go into the same TanStack Query cache under the same keys the pages use, so
// the pages find them there; the server still checks the session and the team on each of them.
import { addDays, lastDays, monthStart, utcToday, type DayRange } from '@hops/api/days';
import type { QueryClient } from '@tanstack/react-query';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@hops/api';
import { preloadable } from './preloadable.ts';
import { errorCode, type ApiClient } from './trpc.ts';

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

/** Chunks the overview needs for its first data, fetched while the session is being checked. */
export const OverviewPage = preloadable(() => import('../routes/overview.tsx'));
export const UsageChartImpl = preloadable(() => import('../charts/usage-chart.tsx'));

function warn(what: string) {
  return (error: unknown) => console.warn(`${what} could not be loaded ahead of the page.`, error);
}

/**
 * Starts the first route's requests at once. Only `/` prefetches data; other pages load as before.
 * A visitor who turns out to be signed out gets the prefetched data dropped (it is an error
 * anyway), so nothing of it is shown after signing in.
 */
export function startFirstLoad(client: ApiClient, queryClient: QueryClient, pathname: string) {
  const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
  const me = queryClient.fetchQuery(trpc.me.get.queryOptions());
  if (pathname !== '/') {
    me.catch(() => undefined); // RequireAuth shows the failure from the cache
    return;
  }
  void OverviewPage.preload().catch(warn('The overview page'));
  void UsageChartImpl.preload().catch(warn('The usage chart'));
  const ranges = overviewRanges();
  const prefetched = [
    trpc.usage.summary.queryOptions(ranges.thisMonth),
    ...(ranges.lastMonth ? [trpc.usage.summary.queryOptions(ranges.lastMonth)] : []),
    trpc.usage.summary.queryOptions(ranges.last30),
  ];
  const daily = trpc.usage.daily.queryOptions(ranges.last30);
  // prefetchQuery keeps a failure in the cache (the page shows it) and never throws here.
  for (const options of prefetched) void queryClient.prefetchQuery(options);
  void queryClient.prefetchQuery(daily);
  const keys = [...prefetched.map((o) => o.queryKey), daily.queryKey];
  me.then(
    (user) => {
      if (user.role === 'owner' && user.billingMode === 'prepaid') {
        void queryClient.prefetchQuery(trpc.credits.balance.queryOptions({}));
      }
    },
    (error: unknown) => {
      if (errorCode(error) === 'UNAUTHORIZED') {
        for (const queryKey of keys) queryClient.removeQueries({ queryKey });
      }
    },
  );
}
