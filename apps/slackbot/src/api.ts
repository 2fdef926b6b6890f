// The bot's only way to the platform: tRPC over HTTP with its service token, optionally acting for
// a user (x-hops-act-as), in which case the API applies that user's rights. A client made with an
// idempotency key sends it with each mutation, so the API carries a mutation out once however
// often the bot sends it, on whichever replica, before or after a restart (SPEC §12).
import type { AppRouter, inferRouterOutputs } from '@hops/api';
import {
  createTRPCClient,
  httpBatchLink,
  TRPCClientError,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';

export type HopsClient = TRPCClient<AppRouter>;
export type ApiOutputs = inferRouterOutputs<AppRouter>;

export interface ApiConfig {
  /** Base URL of the API server; the bot calls `<url>/trpc`. */
  url: string;
  serviceToken: string;
}

/**
 * Where the API reads a mutation's idempotency key: a field of its input, taken out before the
 * input is checked (the API's services/idempotency.ts names the same field).
 */
export const IDEMPOTENCY_KEY_FIELD = '$idempotencyKey';

/**
 * A client as the service itself, or acting for `actAs` (a platform user id). With
 * `idempotencyKey`, the client's first mutation carries that key and the n-th `<key>#<n>`: the
 * same handler run again (a second click, a retried delivery) sends the same keys in the same
 * order, and the API answers each with what it did the first time.
 */
export function createHopsClient(
  config: ApiConfig,
  actAs?: string,
  options: { idempotencyKey?: string } = {},
): HopsClient {
  const headers: Record<string, string> = { authorization: `Bearer ${config.serviceToken}` };
  if (actAs) headers['x-hops-act-as'] = actAs;
  const http = httpBatchLink<AppRouter>({ url: `${config.url.replace(/\/+$/, '')}/trpc`, headers });
  return createTRPCClient<AppRouter>({
    links: options.idempotencyKey ? [idempotencyLink(options.idempotencyKey), http] : [http],
  });
}

function idempotencyLink(key: string): TRPCLink<AppRouter> {
  let mutations = 0;
  return () =>
    ({ op, next }) => {
      if (op.type !== 'mutation') return next(op);
      mutations += 1;
      const input = op.input ?? {};
      if (typeof input !== 'object' || Array.isArray(input)) {
        throw new Error(`${op.path}: an idempotency key needs an object as the input`);
      }
      const keyed = mutations === 1 ? key : `${key}#${mutations}`;
      return next({ ...op, input: { ...input, [IDEMPOTENCY_KEY_FIELD]: keyed } });
    };
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
