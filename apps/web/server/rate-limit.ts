// Bounded requests (SPEC §12): tRPC batches of at most 10 calls, and rate limits per person and per
// address on sign-in, invites and every other change, answered with 429, `Retry-After` and a
// sentence before the request's body is even read (so nothing is done on a refusal).
//
// The counters live in PostgreSQL (table rate_limits), so every API server behind a load balancer
// counts the same hits: one row per (bucket, key), a window that begins at the key's first hit and
// lasts the bucket's window, all of a request's counters bumped in one INSERT … ON CONFLICT DO
// UPDATE … RETURNING. Rows whose window has ended are dropped a few at a time by later hits.
//
// Who is counted: a signed-in person by their user id (the session cookie is sealed, so it cannot
// be made up), a service token by its name (the collector and the Slack bot: a much higher limit,
// since the collector ingests in bursts and the bot acts for a whole workspace), anyone else by the
// client address (request.ip: behind a proxy, TRUST_PROXY says whether X-Forwarded-For is believed).
// Sign-ins and invite links are also counted by address whoever sends them: that is what guessing
// and credential stuffing come from.
//
// Besides the shared counters, each server bounds the tRPC calls one caller may have running on it
// at once (in memory: it protects this server's connection pool), so one person's flood of large
// batches queues behind a few of their own calls instead of in front of everybody else's.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isDatabaseUnavailable, type Db } from '@hops/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, readSession } from './auth/session.ts';
import type { WebEnv } from './env.ts';

/** The most calls one tRPC batch may hold (the dashboard's client batches at most this many). */
export const MAX_BATCH_CALLS = 10;

export interface RateLimit {
  /** Hits allowed in one window. */
  limit: number;
  windowMs: number;
}

export interface RateLimits {
  /** Sign-in attempts per address: /auth/login, /auth/callback and /auth/dev-login each count. */
  signInPerIp: RateLimit;
  /** invites.create and invites.resend per person (each may send a mail). */
  invitesPerUser: RateLimit;
  /** The same per address, whoever is signed in (many accounts, one sender). */
  invitesPerIp: RateLimit;
  /** invites.preview and invites.accept per address (an invite link's secret could be guessed). */
  inviteLinksPerIp: RateLimit;
  /** Every other change (each call of a tRPC mutation) per person, or per address when anonymous. */
  mutationsPerUser: RateLimit;
  /** Every change per address, of people signed in or not (service tokens are not counted so). */
  mutationsPerIp: RateLimit;
  /** Changes per service token. */
  mutationsPerService: RateLimit;
  /** tRPC calls one person (or address) may have running on one server at once; tokens exempt. */
  callsInFlight: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * What production runs with. Sign-in: an OIDC sign-in counts twice (start and callback), so 20 a
 * minute is 10 sign-ins a minute from one address, plenty for an office behind one NAT and far too
 * few for stuffing passwords. Invites: 30 an hour lets an owner invite a team in one sitting while
 * keeping hops from mailing strangers in bulk. Invite links: 30 a minute for one address covers a
 * page reloaded many times; a 256-bit secret is not guessed at that pace (nor at any). Changes:
 * 120 calls a minute is two a second sustained, beyond what a person clicks, and stops scripts
 * run with a stolen cookie from hammering the database. Per address, invites 100 an hour and
 * changes 1 200 a minute: an office behind one NAT stays far below, one machine with many
 * accounts does not (behind a proxy, TRUST_PROXY must be set, or everybody shares the proxy's
 * address). Service tokens: 6 000 a minute; the
 * collector sends an hour of a cluster in a few calls, the Slack bot one call per click.
 * In flight: 40 calls, four full batches (the benchmark's 32 connections for one person fit).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  signInPerIp: { limit: 20, windowMs: MINUTE },
  invitesPerUser: { limit: 30, windowMs: HOUR },
  invitesPerIp: { limit: 100, windowMs: HOUR },
  inviteLinksPerIp: { limit: 30, windowMs: MINUTE },
  mutationsPerUser: { limit: 120, windowMs: MINUTE },
  mutationsPerIp: { limit: 1_200, windowMs: MINUTE },
  mutationsPerService: { limit: 6_000, windowMs: MINUTE },
  callsInFlight: 40,
};

/**
 * For test servers (test/helpers.ts): the same counting, with limits no test that signs in or
 * changes things many times (the app tests, the end-to-end runs, the fuzz suite) comes near.
 */
export const GENEROUS_RATE_LIMITS: RateLimits = {
  signInPerIp: { limit: 100_000, windowMs: MINUTE },
  invitesPerUser: { limit: 100_000, windowMs: MINUTE },
  invitesPerIp: { limit: 100_000, windowMs: MINUTE },
  inviteLinksPerIp: { limit: 100_000, windowMs: MINUTE },
  mutationsPerUser: { limit: 100_000, windowMs: MINUTE },
  mutationsPerIp: { limit: 100_000, windowMs: MINUTE },
  mutationsPerService: { limit: 100_000, windowMs: MINUTE },
  callsInFlight: 10_000,
};

type Bucket = 'sign-in' | 'invites' | 'invite-links' | 'mutations';

interface Hit {
  bucket: Bucket;
  key: string;
  cost: number;
  rule: RateLimit;
}

export interface Refusal {
  bucket: Bucket;
  key: string;
  retryAfterSeconds: number;
}

/** Keeps pruning cheap: one hit in this many also drops up to PRUNE_ROWS ended windows. */
const PRUNE_EVERY = 100;
const PRUNE_ROWS = 500;
/** A counter cannot overflow, however long a flood goes on. */
const MAX_HITS = 1_000_000_000;

/**
 * Counts `hits` (the same bucket and key summed) in one statement; the first refusal (the longest
 * wait) if any bucket went over its limit, or null. A refused hit still counts.
 */
export async function countHits(db: Db, hits: readonly Hit[], now: Date): Promise<Refusal | null> {
  const merged = new Map<string, Hit>();
  for (const hit of hits) {
    const id = `${hit.bucket}\n${hit.key}`;
    const seen = merged.get(id);
    merged.set(id, seen ? { ...seen, cost: seen.cost + hit.cost } : hit);
  }
  if (merged.size === 0) return null;
  const rows = await db
    .insertInto('rateLimits')
    .values(
      [...merged.values()].map((hit) => ({
        bucket: hit.bucket,
        key: hit.key,
        windowStart: now,
        windowEnd: new Date(now.getTime() + hit.rule.windowMs),
        hits: hit.cost,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['bucket', 'key']).doUpdateSet((eb) => {
        // A window that has ended is over: this hit begins the next one.
        const ended = eb('rateLimits.windowEnd', '<=', now);
        return {
          hits: eb
            .case()
            .when(ended)
            .then(eb.ref('excluded.hits'))
            .else(
              eb.fn<number>('least', [
                eb(eb.ref('rateLimits.hits'), '+', eb.ref('excluded.hits')),
                eb.val(MAX_HITS),
              ]),
            )
            .end(),
          windowStart: eb
            .case()
            .when(ended)
            .then(eb.ref('excluded.windowStart'))
            .else(eb.ref('rateLimits.windowStart'))
            .end(),
          windowEnd: eb
            .case()
            .when(ended)
            .then(eb.ref('excluded.windowEnd'))
            .else(eb.ref('rateLimits.windowEnd'))
            .end(),
        };
      }),
    )
    .returning(['bucket', 'key', 'hits', 'windowEnd'])
    .execute();
  let refusal: Refusal | null = null;
  for (const row of rows) {
    const hit = merged.get(`${row.bucket}\n${row.key}`);
    if (!hit || row.hits <= hit.rule.limit) continue;
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((new Date(row.windowEnd).getTime() - now.getTime()) / 1000),
    );
    if (!refusal || retryAfterSeconds > refusal.retryAfterSeconds) {
      refusal = { bucket: hit.bucket, key: hit.key, retryAfterSeconds };
    }
  }
  return refusal;
}

/** Drops up to PRUNE_ROWS counters whose window ended before `now`; how many it dropped. */
export async function pruneRateLimits(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('rateLimits')
    .where((eb) =>
      eb(
        eb.refTuple('bucket', 'key'),
        'in',
        eb
          .selectFrom('rateLimits')
          .select(['bucket', 'key'])
          .where('windowEnd', '<', now)
          .limit(PRUNE_ROWS)
          .$asTuple('bucket', 'key'),
      ),
    )
    .where('windowEnd', '<', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** "40 seconds", "1 second", "12 minutes". */
export function waitPhrase(seconds: number): string {
  if (seconds <= 90) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** The sentence a refusal is answered with. */
export function refusalSentence(refusal: Refusal): string {
  const wait = waitPhrase(refusal.retryAfterSeconds);
  switch (refusal.bucket) {
    case 'sign-in':
      return `Too many sign-in attempts from this address; try again in ${wait}.`;
    case 'invite-links':
      return `Too many invite links tried from this address; try again in ${wait}.`;
    case 'invites':
      return refusal.key.startsWith('ip:')
        ? `Too many invites sent from this address; try again in ${wait}.`
        : `Too many invites sent from this account; try again in ${wait}.`;
    case 'mutations':
      if (refusal.key.startsWith('service:')) {
        return `Too many changes with this service token; try again in ${wait}.`;
      }
      return refusal.key.startsWith('ip:')
        ? `Too many changes from this address in a short time; try again in ${wait}.`
        : `Too many changes from this account in a short time; try again in ${wait}.`;
  }
}

export const TOO_MANY_IN_FLIGHT =
  'You have too many requests running on this server at once; wait for them to finish, then try again.';

export function batchTooLarge(calls: number): string {
  return `A request can hold at most ${MAX_BATCH_CALLS} calls; this one held ${calls}. Send them in smaller batches.`;
}

/** The procedures of a /trpc request (a batch names them all, comma-separated), or null. */
export function trpcCalls(url: string): { paths: string[]; batch: boolean } | null {
  const match = /^\/trpc\/([^?]*)(?:\?(.*))?$/.exec(url);
  if (!match) return null;
  const batch = new URLSearchParams(match[2] ?? '').get('batch') === '1';
  let path: string;
  try {
    path = decodeURIComponent(match[1] ?? '');
  } catch {
    // An undecodable path is tRPC's to refuse (it names no procedure); count it as one call.
    path = match[1] ?? '';
  }
  return { paths: batch ? path.split(',') : [path], batch };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A configured token's name and secret, whichever form the configuration gives them in. */
type ConfiguredToken = string | { name: string; token: string };

function serviceTokenName(
  tokens: readonly ConfiguredToken[],
  authorization: string | undefined,
): string | null {
  if (authorization === undefined) return null;
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1];
  if (!presented) return null;
  const digest = createHash('sha256').update(presented).digest();
  let found: string | null = null;
  for (const entry of tokens) {
    const token = typeof entry === 'string' ? entry : entry.token;
    const candidate = createHash('sha256').update(token).digest();
    if (timingSafeEqual(digest, candidate)) {
      // A bare token (no name) is known by a digest that does not reveal it.
      found =
        typeof entry === 'string' ? `token-${candidate.toString('hex').slice(0, 12)}` : entry.name;
    }
  }
  return found;
}

export interface RateLimitOptions {
  db: Db;
  env: Pick<WebEnv, 'sessionSecret' | 'serviceTokens'>;
  limits: RateLimits;
  now?: () => Date;
}

function sendTooMany(
  request: FastifyRequest,
  reply: FastifyReply,
  message: string,
  retryAfterSeconds: number,
  trpc: boolean,
) {
  reply.code(429).header('retry-after', String(retryAfterSeconds));
  if (trpc) {
    // tRPC's own error shape (JSON-RPC code -32029), so the dashboard's client shows the sentence.
    return reply.send({
      error: {
        message,
        code: -32029,
        data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 },
      },
    });
  }
  if ((header(request, 'accept') ?? '').includes('text/html')) {
    // A browser following a sign-in link gets the sentence, not JSON.
    return reply.type('text/plain; charset=utf-8').send(message);
  }
  return reply.send({ error: { message, code: 'TOO_MANY_REQUESTS' } });
}

const SIGN_IN = new Set(['GET /auth/login', 'GET /auth/callback', 'POST /auth/dev-login']);
const INVITE_SENDING = new Set(['invites.create', 'invites.resend']);
const INVITE_LINKS = new Set(['invites.preview', 'invites.accept']);

/**
 * Adds the batch bound, the rate limits and the in-flight bound to every request of `app`; call it
 * after addSecurity (a cross-site request is refused before it is counted).
 */
export function addRateLimits(app: FastifyInstance, options: RateLimitOptions): void {
  const { db, env, limits } = options;
  const now = options.now ?? (() => new Date());
  const tokens = env.serviceTokens as readonly ConfiguredToken[];
  const running = new Map<string, number>();
  const holding = new WeakMap<FastifyRequest, { key: string; calls: number }>();
  let hitsSincePrune = 0;

  const release = (request: FastifyRequest) => {
    const held = holding.get(request);
    if (!held) return;
    holding.delete(request);
    const left = (running.get(held.key) ?? 0) - held.calls;
    if (left > 0) running.set(held.key, left);
    else running.delete(held.key);
  };

  app.addHook('onRequest', async (request, reply) => {
    if (reply.sent) return undefined; // already refused (security.ts)
    const route = `${request.method} ${request.url.split('?', 1)[0]}`;
    const trpc = trpcCalls(request.url);
    if (!SIGN_IN.has(route) && !trpc) return undefined;

    if (trpc?.batch && trpc.paths.length > MAX_BATCH_CALLS) {
      request.log.info({ calls: trpc.paths.length }, 'tRPC batch too large');
      return reply.code(400).send({
        error: {
          message: batchTooLarge(trpc.paths.length),
          code: -32600,
          data: { code: 'BAD_REQUEST', httpStatus: 400 },
        },
      });
    }

    const ip = `ip:${request.ip}`;
    const service = serviceTokenName(tokens, header(request, 'authorization'));
    const session = service ? null : readSession(env.sessionSecret, sessionCookieOf(request));
    const caller = service ? `service:${service}` : session ? `user:${session.userId}` : ip;

    const hits: Hit[] = [];
    if (!trpc) {
      hits.push({ bucket: 'sign-in', key: ip, cost: 1, rule: limits.signInPerIp });
    } else {
      const mutation = request.method === 'POST';
      for (const path of trpc.paths) {
        if (INVITE_LINKS.has(path)) {
          hits.push({ bucket: 'invite-links', key: ip, cost: 1, rule: limits.inviteLinksPerIp });
        }
        if (!mutation) continue;
        if (INVITE_SENDING.has(path)) {
          // The Slack bot invites for a person: counted as that person, by the name it gives.
          const actAs = service ? header(request, 'x-hops-act-as') : undefined;
          const key = actAs ? `${caller}:as:${actAs.trim().toLowerCase().slice(0, 254)}` : caller;
          if (key !== ip) {
            hits.push({ bucket: 'invites', key, cost: 1, rule: limits.invitesPerUser });
          }
          if (!service)
            hits.push({ bucket: 'invites', key: ip, cost: 1, rule: limits.invitesPerIp });
        }
        if (service) {
          hits.push({
            bucket: 'mutations',
            key: caller,
            cost: 1,
            rule: limits.mutationsPerService,
          });
          continue;
        }
        // A person by their account and by their address; nobody signed in by the address alone.
        if (caller !== ip) {
          hits.push({ bucket: 'mutations', key: caller, cost: 1, rule: limits.mutationsPerUser });
        }
        hits.push({ bucket: 'mutations', key: ip, cost: 1, rule: limits.mutationsPerIp });
      }
    }

    if (trpc && !service) {
      const calls = trpc.paths.length;
      const current = running.get(caller) ?? 0;
      if (current + calls > limits.callsInFlight) {
        request.log.info({ caller, running: current, calls }, 'too many calls in flight');
        return sendTooMany(request, reply, TOO_MANY_IN_FLIGHT, 1, true);
      }
      running.set(caller, current + calls);
      holding.set(request, { key: caller, calls });
    }

    if (hits.length === 0) return undefined;
    const at = now();
    let refusal: Refusal | null;
    try {
      refusal = await countHits(db, hits, at);
      if (++hitsSincePrune >= PRUNE_EVERY) {
        hitsSincePrune = 0;
        const dropped = await pruneRateLimits(db, at);
        request.log.debug({ dropped }, 'rate limit windows pruned');
      }
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      // The request meets the same outage and answers it its own way (503, or the sign-in page's
      // sentence); counting nothing meanwhile lets nothing through that could be done.
      request.log.warn({ err: error }, 'rate limits not counted: database not reachable');
      return undefined;
    }
    if (!refusal) return undefined;
    release(request);
    const message = refusalSentence(refusal);
    request.log.info(
      { bucket: refusal.bucket, key: refusal.key, retryAfter: refusal.retryAfterSeconds },
      'rate limited',
    );
    return sendTooMany(request, reply, message, refusal.retryAfterSeconds, Boolean(trpc));
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    release(request);
    return payload;
  });
  app.addHook('onResponse', async (request) => {
    release(request);
  });
}

/** The session cookie, read from the header: this hook runs before the cookie plugin's. */
function sessionCookieOf(request: FastifyRequest): string | undefined {
  const raw = header(request, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value; // not a cookie hops sealed; readSession refuses it
    }
  }
  return undefined;
}
