// tRPC queries (GET /trpc/<path>[,<path>…]), answered on Node's own request and response: the
// cheapest correct path through tRPC on Node 20. tRPC's Fastify adapter turns every request into
// a Fetch API Request and its answer into a Response (undici's classes, abort signals, Headers,
// streams): on this machine that was about a quarter of a read's CPU (issue 15, BENCHMARKS.md).
// The procedures, the context, the error formatter and the status codes are tRPC's own
// (callers see the very same wire format, tested in wire.test.ts); only the HTTP wrapping is ours.
// Whatever this path does not cover exactly — a mutation, a subscription, a streaming
// (`trpc-accept: application/jsonl`) or method-override call, an unknown procedure, an input that
// is not JSON, a batch too large — goes on to tRPC's adapter, which answers as always.
import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import type { FastifyReply, FastifyRequest } from 'fastify';

interface QueryOptions<TContext> {
  router: AnyTRPCRouter;
  maxBatchSize: number;
  createContext: (request: FastifyRequest, reply: FastifyReply) => Promise<TContext>;
  onError: (options: {
    error: TRPCError;
    path: string;
    input: unknown;
    type: 'query';
    req: FastifyRequest;
  }) => void;
}

interface Call {
  path: string;
  input: unknown;
  procedure: (options: {
    path: string;
    getRawInput: () => Promise<unknown>;
    ctx: unknown;
    type: 'query';
    signal: AbortSignal | undefined;
    batchIndex: number;
  }) => Promise<unknown>;
}

/** The calls of a GET request if this path answers it exactly as tRPC would, else null. */
async function queryCalls(
  router: AnyTRPCRouter,
  request: FastifyRequest,
  maxBatchSize: number,
): Promise<Call[] | null> {
  if (request.method !== 'GET' || request.headers['trpc-accept'] !== undefined) return null;
  const query = request.query as Record<string, unknown>;
  const path = (request.params as { path?: unknown }).path;
  if (typeof path !== 'string') return null;
  const batch = query.batch === '1';
  if (!batch && query.batch !== undefined) return null;
  const paths = batch ? path.split(',') : [path];
  if (paths.length > maxBatchSize) return null;
  let inputs: unknown;
  if (query.input !== undefined) {
    if (typeof query.input !== 'string') return null;
    try {
      inputs = JSON.parse(query.input);
    } catch {
      return null; // tRPC's adapter answers the parse error in its own words
    }
  }
  if (batch && inputs !== undefined && (typeof inputs !== 'object' || inputs === null)) return null;
  const calls: Call[] = [];
  for (const [index, name] of paths.entries()) {
    const procedure = (await getProcedureAtPath(router, name)) as
      (Call['procedure'] & { _def: { type: string } }) | null;
    if (!procedure || procedure._def.type !== 'query') return null;
    const input = batch ? (inputs as Record<string, unknown> | undefined)?.[index] : inputs;
    calls.push({ path: name, input, procedure });
  }
  return calls;
}

/**
 * Answers a GET of queries and returns true, or returns false without touching the reply (the
 * request is then tRPC's adapter's).
 */
export async function answerQueries<TContext>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: QueryOptions<TContext>,
): Promise<boolean> {
  const calls = await queryCalls(options.router, request, options.maxBatchSize);
  if (!calls) return false;
  const config = options.router._def._config;
  let ctx: TContext | undefined;
  let contextError: TRPCError | undefined;
  try {
    ctx = await options.createContext(request, reply);
  } catch (cause) {
    contextError = getTRPCErrorFromUnknown(cause);
  }
  const answers = await Promise.all(
    calls.map(async (call, batchIndex) => {
      try {
        if (contextError) throw contextError;
        const data = await call.procedure({
          path: call.path,
          getRawInput: async () => call.input,
          ctx,
          type: 'query',
          signal: undefined,
          batchIndex,
        });
        return { result: { data } };
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        options.onError({ error, path: call.path, input: call.input, type: 'query', req: request });
        return {
          error: getErrorShape({
            config,
            ctx,
            error,
            input: call.input,
            path: call.path,
            type: 'query',
          }),
        };
      }
    }),
  );
  const batch = (request.query as Record<string, unknown>).batch === '1';
  const body = batch ? answers : answers[0]!;
  reply
    .code(getHTTPStatusCode(body as Parameters<typeof getHTTPStatusCode>[0]))
    .header('vary', 'trpc-accept, accept')
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(transformTRPCResponse(config, body as never))));
  return true;
}
