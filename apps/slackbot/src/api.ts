// The bot's only way to the platform: tRPC over HTTP with its service token, optionally acting for
// a user (x-hops-act-as), in which case the API applies that user's rights.
import type { AppRouter, inferRouterOutputs } from '@hops/api';
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient } from '@trpc/client';

export type HopsClient = TRPCClient<AppRouter>;
export type ApiOutputs = inferRouterOutputs<AppRouter>;

export interface ApiConfig {
  /** Base URL of the API server; the bot calls `<url>/trpc`. */
  url: string;
  serviceToken: string;
}

/** A client as the service itself, or acting for `actAs` (a platform user id). */
export function createHopsClient(config: ApiConfig, actAs?: string): HopsClient {
  const headers: Record<string, string> = { authorization: `Bearer ${config.serviceToken}` };
  if (actAs) headers['x-hops-act-as'] = actAs;
  return createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${config.url.replace(/\/+$/, '')}/trpc`, headers })],
  });
}

export function isApiError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError;
}

/** The tRPC error code of an API error (NOT_FOUND, FORBIDDEN, …), if it is one. */
export function apiErrorCode(error: unknown): string | undefined {
  if (!isApiError(error)) return undefined;
  const data = error.data as { code?: unknown } | undefined;
  return typeof data?.code === 'string' ? data.code : undefined;
}

/** The sentence to show a person for a failed call. */
export function errorSentence(error: unknown): string {
  if (isApiError(error)) {
    // No `data` means the answer was no tRPC answer at all: the server is down or not the API.
    if (error.data === undefined && /fetch failed|ECONNREFUSED|Unexpected/i.test(error.message)) {
      return 'The hops API cannot be reached right now. Please try again in a moment.';
    }
    return error.message;
  }
  return 'Something went wrong on our side. Please try again in a moment.';
}
