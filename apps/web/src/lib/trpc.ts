// The dashboard's API client: tRPC over plain JSON at /trpc with batching, bound to TanStack Query.
// Types come from the router itself (type-only import: no server code reaches the bundle).
import type { AppRouter, inferRouterInputs, inferRouterOutputs } from '@hops/api';
import { notifyManager, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type Me = RouterOutputs['me']['get'];

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function createApiClient(links?: TRPCLink<AppRouter>[]) {
  return createTRPCClient<AppRouter>({
    links: links ?? [httpBatchLink({ url: '/trpc', maxURLLength: 4000, maxItems: 10 })],
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The tRPC error code of a failed call (UNAUTHORIZED, FORBIDDEN, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: unknown } | undefined;
    return typeof data?.code === 'string' ? data.code : undefined;
  }
  return undefined;
}

/** The sentence to show a person for a failed call: the API's own message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) {
    if (error.message === 'Failed to fetch' || error.message === 'Load failed') {
      return 'The server cannot be reached. Check your connection and try again.';
    }
    return error.message;
  }
  return 'Something went wrong.';
}

export function createQueryClient() {
  // The answers of one batched request reach the page in one render. TanStack Query's default
  // tells each query's watchers in a setTimeout of its own: the Overview then drew its month's
  // cost and its chart in two renders 48–120 ms apart (bench:web's first load, Chromium profile).
  // Told in a microtask, every query the batch settled is told before the page renders again.
  notifyManager.setScheduler(queueMicrotask);
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // A refusal or a bad input will not change by asking again.
        retry: (failures, error) => {
          const code = errorCode(error);
          if (code && code !== 'INTERNAL_SERVER_ERROR' && code !== 'SERVICE_UNAVAILABLE') {
            return false;
          }
          return failures < 2;
        },
      },
    },
  });
}
