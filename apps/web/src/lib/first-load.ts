// The first load's requests, started together from the entry instead of one after another: the
// session check (me.get), the first route's chunk and, for the overview, its queries (asked even
// earlier by first-data.ts, whose answers are taken here). The queries go into the same TanStack
// Query cache under the same keys the pages use, so the pages find them there; the server still
// checks the session and the team on each of them.
import type { QueryClient } from '@tanstack/react-query';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@hops/api';
import { overviewCalls, type BatchAnswer, type FirstCall } from './overview-calls.ts';
import { preloadable } from './preloadable.ts';
import { errorCode, type ApiClient } from './trpc.ts';

export { LAST_MONTH_DAYS, lastMonthWhileNew, overviewRanges } from './overview-calls.ts';

/** The overview's chunk, fetched while the session is being checked. */
export const OverviewPage = preloadable(() => import('../routes/overview.tsx'));

function warn(what: string) {
  return (error: unknown) => console.warn(`${what} could not be loaded ahead of the page.`, error);
}

type Trpc = ReturnType<typeof createTRPCOptionsProxy<AppRouter>>;

/** The query options (key and function) the pages use for one of the first calls. */
export function queryOptionsOf(trpc: Trpc, call: FirstCall) {
  return call.path === 'me.get'
    ? trpc.me.get.queryOptions()
    : call.path === 'usage.summary'
      ? trpc.usage.summary.queryOptions(call.input)
      : trpc.usage.daily.queryOptions(call.input);
}

/**
 * The query function of `options`, answered from the early request (first-data.ts) when it
 * answered this call with data; otherwise (an error, no answer) asked again through tRPC.
 */
function earlyFirst<O extends { queryFn?: unknown }>(
  options: O,
  answer: Promise<BatchAnswer | undefined> | undefined,
): O {
  const ask = options.queryFn as (context: unknown) => Promise<unknown>;
  if (!answer) return options;
  return {
    ...options,
    queryFn: async (context: unknown) => {
      const early = await answer;
      return early && 'result' in early ? early.result.data : ask(context);
    },
  };
}

/** The early request's answer to each of `calls`, if it made the very same calls. */
function earlyAnswers(
  calls: readonly FirstCall[],
): (Promise<BatchAnswer | undefined> | undefined)[] {
  const early = window.__hopsEarly;
  delete window.__hopsEarly;
  const same = early && JSON.stringify(early.calls) === JSON.stringify(calls);
  if (!same) return calls.map(() => undefined);
  const answers = early.answers.catch((error: unknown) => {
    console.warn('The early request failed; asking again.', error);
    return [] as BatchAnswer[];
  });
  return calls.map((_, i) => answers.then((all) => all[i]));
}

/**
 * Starts the first route's requests at once. Only `/` prefetches data; other pages load as before.
 * On `/` the answers come from the request first-data.ts began before this code was loaded,
 * under the keys the pages read. A visitor who turns out to be signed out gets the prefetched data
 * dropped (it is an error anyway), so nothing of it is shown after signing in.
 */
export function startFirstLoad(client: ApiClient, queryClient: QueryClient, pathname: string) {
  const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
  if (pathname !== '/') {
    // RequireAuth shows the failure from the cache.
    queryClient.fetchQuery(trpc.me.get.queryOptions()).catch(() => undefined);
    return;
  }
  void OverviewPage.preload().catch(warn('The overview page'));
  const calls = overviewCalls();
  const answers = earlyAnswers(calls);
  const options = calls.map((call, i) => earlyFirst(queryOptionsOf(trpc, call), answers[i]));
  const [meOptions, ...figures] = options;
  const me = queryClient.fetchQuery(meOptions as ReturnType<typeof trpc.me.get.queryOptions>);
  // prefetchQuery keeps a failure in the cache (the page shows it) and never throws here.
  for (const figure of figures) void queryClient.prefetchQuery(figure as never);
  me.then(
    (user) => {
      if (user.role === 'owner' && user.billingMode === 'prepaid') {
        void queryClient.prefetchQuery(trpc.credits.balance.queryOptions({}));
      }
    },
    (error: unknown) => {
      if (errorCode(error) === 'UNAUTHORIZED') {
        for (const figure of figures) queryClient.removeQueries({ queryKey: figure.queryKey });
      }
    },
  );
}
