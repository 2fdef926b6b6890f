// The HTTP app: tRPC at /trpc, the sign-in routes under /auth, Stripe's webhook, /healthz, and
// the dashboard; security headers on every answer and no cross-site changes (security.ts).
// Built from its parts (database, configuration, logger) so tests start the very same server.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import {
  createMailer,
  createStripe,
  type ApiDeps,
  appRouter,
  createCaller,
  createContextInner,
  createRequestContext,
  type CallerCache,
  DATABASE_DOWN,
  isDatabaseUnavailable,
} from '@hops/api';
import type { Db, Mailer, SecretBox, StripeApi } from '@hops/api';
import { TRPCError } from '@trpc/server';
import {
  fastifyTRPCPlugin,
  type CreateFastifyContextOptions,
  type FastifyTRPCPluginOptions,
} from '@trpc/server/adapters/fastify';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { createOidcClient, type OidcClient } from './auth/oidc.ts';
import { authRoutes } from './auth/routes.ts';
import { SESSION_COOKIE, readSession } from './auth/session.ts';
import type { WebEnv } from './env.ts';
import {
  addRateLimits,
  DEFAULT_RATE_LIMITS,
  MAX_BATCH_CALLS,
  type RateLimits,
} from './rate-limit.ts';
import { addSecurity } from './security.ts';
import { isServerPath, mountDashboard, type Dashboard } from './static.ts';
import { answerQueries } from './trpc-queries.ts';
import { webhookRoutes } from './webhooks.ts';

type AppRouter = typeof appRouter;

/** Room for `usage.ingest` with 10 000 records (about 5 MB of JSON) and then some. */
export const TRPC_BODY_LIMIT = 16 * 1024 * 1024;
const HEALTH_TIMEOUT_MS = 4_000;

const requestsInFlight = new WeakMap<FastifyInstance, Set<FastifyRequest>>();

/**
 * Resolves once every API request the app began has answered (or its client's answer was
 * attempted), or after `timeoutMs`; returns how many were still running then. Call it after
 * `app.close()` and before closing the database.
 */
export async function waitForRequests(app: FastifyInstance, timeoutMs: number): Promise<number> {
  const inFlight = requestsInFlight.get(app);
  const deadline = Date.now() + timeoutMs;
  while (inFlight && inFlight.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return inFlight?.size ?? 0;
}

export interface BuildAppOptions {
  db: Db;
  env: WebEnv;
  logger: FastifyBaseLogger;
  /** Cluster secrets' box (ENCRYPTION_KEY); built by the composition root. */
  secrets: SecretBox;
  /** Default: the API alone. main.ts passes dashboardFor(NODE_ENV). */
  dashboard?: Dashboard;
  /** Default: built from env.oidc when AUTH_MODE=oidc. */
  oidc?: OidcClient | null;
  /** Default: built from env.stripe (null when Stripe is off); main.ts shares its own with the jobs. */
  stripe?: StripeApi | null;
  /** Default: built from env.mail (null when mail is off); main.ts shares its own with the jobs. */
  mail?: Mailer | null;
  /** Default: DEFAULT_RATE_LIMITS; test servers pass GENEROUS_RATE_LIMITS or their own. */
  rateLimits?: RateLimits;
  /** The rate limits' clock (tests move it on). */
  now?: () => Date;
  /**
   * Where callers' rows are kept between requests (main.ts starts one per process); default none:
   * every request reads its caller from the database.
   */
  callers?: CallerCache | null;
}

function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  // A caller's id is kept (so one id follows a request through proxies) if it is a sane token.
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A procedure's error, logged once: expected refusals are the caller's business, ours are errors. */
function logProcedureError({
  error,
  path,
  req,
}: {
  error: TRPCError;
  path: string | undefined;
  req: FastifyRequest;
}): void {
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    req.log.error({ err: error.cause ?? error, procedure: path }, 'procedure failed');
  } else if (error.code === 'SERVICE_UNAVAILABLE') {
    req.log.warn({ procedure: path, reason: error.cause?.message }, error.message);
  } else {
    req.log.debug({ procedure: path, code: error.code }, error.message);
  }
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { db, env } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: requestId,
    // One line per request, written below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: env.trustProxy,
    // A batched query names every procedure in the path: /trpc/health,me.get,usage.daily
    routerOptions: { maxParamLength: 5_000 },
  });

  const oidc =
    options.oidc !== undefined
      ? options.oidc
      : env.authMode === 'oidc' && env.oidc
        ? createOidcClient({
            ...env.oidc,
            redirectUri: `${env.publicUrl}/auth/callback`,
            allowHttpIssuer: env.nodeEnv !== 'production',
          })
        : null;

  const stripe =
    options.stripe !== undefined ? options.stripe : env.stripe ? createStripe(env.stripe) : null;
  const mail = options.mail !== undefined ? options.mail : env.mail ? createMailer(env.mail) : null;
  const baseDeps: Omit<ApiDeps, 'log'> = {
    secrets: options.secrets,
    publicUrl: env.publicUrl,
    stripe,
    mail,
  };

  // Graceful close: Node closes idle keep-alive connections only when close() starts, so a
  // connection whose request finishes later would hold close() open. Answers sent while closing
  // say `connection: close`, and each one sweeps the connections that have gone idle.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Handlers keep running after their client hung up, and the closed server no longer waits for
  // them: count them until they answer, so the database is closed only after (waitForRequests).
  const inFlight = new Set<FastifyRequest>();
  requestsInFlight.set(app, inFlight);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (isServerPath(request.url)) inFlight.add(request);
  });
  addSecurity(app, { env, viteDev: options.dashboard?.kind === 'vite' });
  addRateLimits(app, {
    db,
    env,
    limits: options.rateLimits ?? DEFAULT_RATE_LIMITS,
    ...(options.now ? { now: options.now } : {}),
  });
  const callers = options.callers ?? null;
  app.addHook('onSend', async (request, reply, payload) => {
    inFlight.delete(request);
    // A request that may have changed a user (any change, a sign-in or sign-out) leaves no row
    // behind in this process: its caller's next request, here, reads what it wrote. Other
    // processes hear of it at its commit (caller-cache.ts).
    if (
      callers &&
      ((request.method !== 'GET' && request.method !== 'HEAD') || request.url.startsWith('/auth/'))
    ) {
      callers.clear();
    }
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    inFlight.delete(request);
    if (closing) app.server.closeIdleConnections();
    const line = {
      method: request.method,
      // Without the query (tRPC inputs) and without invite secrets: the log is not a safe place.
      path: (request.url.split('?')[0] ?? '').replace(/^\/invite\/[^/]+/, '/invite/…'),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (line.path === '/healthz' && reply.statusCode === 200) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database not reachable');
      return reply
        .code(503)
        .send({ error: { message: DATABASE_DOWN, code: 'SERVICE_UNAVAILABLE' } });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      request.log.debug({ err: error }, 'request body too large');
      const limit = Math.round((reply.routeOptions.bodyLimit ?? TRPC_BODY_LIMIT) / (1024 * 1024));
      return reply.code(413).send({
        error: {
          message: `The request body is larger than the ${limit} MB this server accepts.`,
          code: 'PAYLOAD_TOO_LARGE',
        },
      });
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({
        error: {
          message: `Something went wrong on our side (request ${request.id}). Please try again.`,
          code: 'INTERNAL_SERVER_ERROR',
        },
      });
    }
    request.log.debug({ err: error }, 'request refused');
    return reply
      .code(status)
      .send({ error: { message: error.message, code: error.code ?? 'BAD_REQUEST' } });
  });

  await app.register(fastifyCookie);

  const contextFor = async (req: FastifyRequest) => {
    try {
      return await createRequestContext({
        db,
        deps: { ...baseDeps, log: req.log },
        serviceTokens: env.serviceTokens,
        session: readSession(env.sessionSecret, req.cookies[SESSION_COOKIE]),
        authorization: header(req.headers.authorization),
        actAs: header(req.headers['x-hops-act-as']),
        callers,
      });
    } catch (error) {
      // Reading the caller's user row is the first query of a request; an outage shows up here.
      if (isDatabaseUnavailable(error)) {
        throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_DOWN, cause: error });
      }
      throw error;
    }
  };
  const createContext = ({ req }: CreateFastifyContextOptions) => contextFor(req);

  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router: appRouter,
    createContext,
    allowBatching: true,
    // rate-limit.ts refuses a larger batch first, with a sentence; this is tRPC's own backstop.
    maxBatchSize: MAX_BATCH_CALLS,
    onError: logProcedureError,
  };
  await app.register(async (api) => {
    api.addHook('onRoute', (route) => {
      route.bodyLimit = TRPC_BODY_LIMIT;
    });
    // Queries on Node's request and response; anything else on tRPC's adapter (trpc-queries.ts).
    api.addHook('preHandler', async (request, reply) => {
      const answered = await answerQueries(request, reply, {
        router: appRouter,
        maxBatchSize: MAX_BATCH_CALLS,
        createContext: contextFor,
        onError: logProcedureError,
      });
      if (answered) return reply;
    });
    await api.register(fastifyTRPCPlugin, { prefix: '/trpc', trpcOptions });
  });

  app.get('/healthz', async (request, reply) => {
    const caller = createCaller(
      createContextInner({ db, deps: { ...baseDeps, log: request.log } }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false; db: 'down' }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, db: 'down' }), HEALTH_TIMEOUT_MS);
    });
    const health = await Promise.race([caller.health(), timeout]).finally(() =>
      clearTimeout(timer),
    );
    if (health.db === 'up') return { ok: true, db: 'up' };
    return reply.code(503).send({ ok: false, db: 'down', message: DATABASE_DOWN });
  });

  await app.register(authRoutes, { db, env, oidc });
  await app.register(webhookRoutes, { db, stripe, mail, secrets: options.secrets });
  const dashboard = await mountDashboard(app, options.dashboard ?? { kind: 'none' });
  app.log.info(`serving ${dashboard.description}`);
  return app;
}
