// Test helpers for the API/web server: a configuration, the real server on a loopback port, a
// logger that keeps its lines, cookies, and tRPC calls made with plain fetch, as curl would.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { SecretBox } from '@hops/api';
import type { Db } from '@hops/db';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { afterAll } from 'vitest';
import { buildApp, type BuildAppOptions } from '../app.ts';
import { SESSION_COOKIE, sealSession } from '../auth/session.ts';
import { GENEROUS_RATE_LIMITS } from '../rate-limit.ts';
import type { WebEnv } from '../env.ts';

export const SERVICE_TOKEN = `svc-${randomBytes(16).toString('hex')}`;

export function testEnv(overrides: Partial<WebEnv> = {}): WebEnv {
  return {
    nodeEnv: 'test',
    port: 0,
    host: '127.0.0.1',
    publicUrl: 'http://127.0.0.1',
    databaseUrl: undefined,
    sessionSecret: randomBytes(32).toString('base64url'),
    authMode: 'dev',
    oidc: null,
    bootstrapAdminEmails: [],
    // A bare token as SERVICE_TOKENS reads one: `legacy`, with every scope.
    serviceTokens: [
      { name: 'legacy', scopes: ['ingest', 'events', 'act-as', 'billing'], token: SERVICE_TOKEN },
    ],
    encryptionKey: randomBytes(32).toString('base64'),
    logLevel: 'silent',
    seedDemoData: false,
    trustProxy: false,
    jobWorkers: 0,
    jobRunnerDeadAfterMs: 120_000,
    stripe: null,
    mail: null,
    hopsworks: { oidcClientId: 'hops', maxProjects: 5 },
    collectIntervalMs: 3_600_000,
    ...overrides,
  };
}

export interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  [key: string]: unknown;
}

/** A pino logger whose JSON lines are kept in `lines` (level numbers: 20 debug … 50 error). */
export function memoryLogger(level: pino.Level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim()) lines.push(JSON.parse(text) as LogLine);
      }
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export interface TestServer {
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  url: string;
  env: WebEnv;
  close(): Promise<void>;
}

export interface StartServerOptions extends Partial<Omit<BuildAppOptions, 'env' | 'db'>> {
  db: Db;
  env?: Partial<WebEnv>;
  /** A fixed port (the OIDC redirect URI must be known before the server starts). */
  port?: number;
  /** Runs before the server listens: add test-only routes here. */
  beforeListen?: (app: FastifyInstance) => void | Promise<void>;
}

/** The real server, listening on 127.0.0.1 (a free port unless given). */
export async function startServer(options: StartServerOptions): Promise<TestServer> {
  const env = testEnv(options.env);
  const app = await buildApp({
    db: options.db,
    env,
    logger: options.logger ?? pino({ level: 'silent' }),
    secrets: options.secrets ?? new SecretBox(env.encryptionKey),
    ...(options.dashboard ? { dashboard: options.dashboard } : {}),
    ...(options.oidc !== undefined ? { oidc: options.oidc } : {}),
    // Counted as in production, with limits no test that signs in or changes things often meets;
    // a test of the limits passes its own.
    rateLimits: options.rateLimits ?? GENEROUS_RATE_LIMITS,
    ...(options.now ? { now: options.now } : {}),
    ...(options.callers ? { callers: options.callers } : {}),
  });
  await options.beforeListen?.(app);
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('test server has no address');
  let closed = false;
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    env,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/** startServer, closed after the file's tests. */
export async function useServer(options: StartServerOptions): Promise<TestServer> {
  const server = await startServer(options);
  afterAll(() => server.close());
  return server;
}

/** A `cookie` header value carrying a valid session for `userId`. */
export function sessionCookie(env: WebEnv, userId: string): string {
  return `${SESSION_COOKIE}=${sealSession(env.sessionSecret, userId)}`;
}

export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** The cookies a response sets, by name. */
export function setCookies(response: Response): Map<string, SetCookie> {
  const cookies = new Map<string, SetCookie>();
  for (const line of response.headers.getSetCookie()) {
    const [pair = '', ...rest] = line.split(';');
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const part of rest) {
      const [key = '', ...value] = part.trim().split('=');
      attributes[key.toLowerCase()] = value.length ? value.join('=') : true;
    }
    const name = pair.slice(0, eq).trim();
    cookies.set(name, { name, value: pair.slice(eq + 1).trim(), attributes });
  }
  return cookies;
}

export interface TrpcAnswer<T = unknown> {
  status: number;
  body: {
    result?: { data: T };
    error?: {
      message: string;
      code: number;
      data: { code: string; httpStatus: number; path?: string };
    };
  };
}

/** A query as curl sends it: GET /trpc/<path>?input=<url-encoded JSON>. */
export async function trpcGet<T = unknown>(
  server: TestServer,
  path: string,
  input?: unknown,
  headers: Record<string, string> = {},
): Promise<TrpcAnswer<T>> {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetch(`${server.url}/trpc/${path}${query}`, { headers });
  return { status: response.status, body: (await response.json()) as TrpcAnswer<T>['body'] };
}

/**
 * What a browser adds to the dashboard's own requests, without which a request that carries
 * cookies may change nothing (security.ts).
 */
export const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' } as const;

/** A mutation as the dashboard sends it: POST /trpc/<path> with a JSON body, from its own page. */
export async function trpcPost<T = unknown>(
  server: TestServer,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<TrpcAnswer<T>> {
  const response = await fetch(`${server.url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...SAME_ORIGIN, ...headers },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as TrpcAnswer<T>['body'] };
}

export function bearer(token = SERVICE_TOKEN, actAs?: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(actAs ? { 'x-hops-act-as': actAs } : {}) };
}

/** Bounded polling, shared with packages/api's tests. */
export { waitFor } from '@hops/api/testing';
