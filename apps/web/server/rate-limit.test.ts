// Bounded requests over the wire (SPEC §12): batches of at most 10 calls, date ranges of at most
// 400 days, one person's flood that no longer starves another, and the rate limits on sign-in,
// invites, invite links and changes, counted in PostgreSQL so two servers count together, answered
// with 429, Retry-After and a sentence, with nothing done on a refusal. The limits' clock is the
// test's own (`now`), so windows end when the test says and no timing is assumed.
import { makeUser } from '@hops/api/testing';
import { createDb } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  batchTooLarge,
  countHits,
  DEFAULT_RATE_LIMITS,
  GENEROUS_RATE_LIMITS,
  pruneRateLimits,
  TOO_MANY_IN_FLIGHT,
  type RateLimits,
} from './rate-limit.ts';
import {
  bearer,
  sessionCookie,
  startServer,
  trpcGet,
  trpcPost,
  useServer,
  waitFor,
  type TestServer,
  type TrpcAnswer,
} from './test/helpers.ts';

const { db, url } = await useTestDatabase();
let clock = new Date('2026-03-02T12:00:00.000Z');
const now = () => clock;
const later = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

const MINUTE = 60_000;
const HOUR = 3_600_000;

function limits(overrides: Partial<RateLimits>): RateLimits {
  return { ...GENEROUS_RATE_LIMITS, ...overrides };
}

const started: TestServer[] = [];
afterAll(async () => {
  for (const server of started) await server.close();
});

/** A server with these limits (the rest generous), closed after the file's tests. */
async function serverWith(overrides: Partial<RateLimits>): Promise<TestServer> {
  const server = await startServer({ db, rateLimits: limits(overrides), now });
  started.push(server);
  return server;
}

// The plain servers of the first tests: production's limits are not in the way of them.
const plain = await useServer({ db });
const plainOwner = await makeUser(db);
const plainAdmin = await makeUser(db, { isAdmin: true });

beforeEach(async () => {
  await db.deleteFrom('rateLimits').execute();
});

function expectTooMany(answer: TrpcAnswer, message: string, retryAfter: string, headers: Headers) {
  expect(answer.status).toBe(429);
  expect(answer.body.result).toBeUndefined();
  expect(answer.body.error).toMatchObject({
    message,
    data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 },
  });
  expect(headers.get('retry-after')).toBe(retryAfter);
}

/** A tRPC POST that also hands back the answer's headers. */
async function post(
  server: TestServer,
  path: string,
  input: unknown,
  headers: Record<string, string>,
) {
  const response = await fetch(`${server.url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers },
    body: JSON.stringify(input),
  });
  return {
    answer: { status: response.status, body: (await response.json()) as TrpcAnswer['body'] },
    headers: response.headers,
  };
}

async function get(
  server: TestServer,
  path: string,
  input: unknown,
  headers: Record<string, string>,
) {
  const query = `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetch(`${server.url}/trpc/${path}${query}`, { headers });
  return {
    answer: { status: response.status, body: (await response.json()) as TrpcAnswer['body'] },
    headers: response.headers,
  };
}

async function devLogin(server: TestServer, sub: string) {
  const response = await fetch(`${server.url}/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, email: `${sub.replace('dev|', '')}@limits.test` }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function invitesTo(email: string) {
  return db.selectFrom('teamInvites').select('id').where('email', '=', email).execute();
}

describe('batches hold at most 10 calls', () => {
  const server = plain;
  const asOwner = { cookie: sessionCookie(server.env, plainOwner.id) };

  it('answers a batch of 10 and refuses one of 11 with a sentence, before running any', async () => {
    const ten = await fetch(`${server.url}/trpc/${Array(10).fill('health').join(',')}?batch=1`);
    expect(ten.status).toBe(200);
    expect(((await ten.json()) as unknown[]).length).toBe(10);

    const eleven = await fetch(`${server.url}/trpc/${Array(11).fill('health').join(',')}?batch=1`);
    expect(eleven.status).toBe(400);
    expect(await eleven.json()).toEqual({
      error: {
        message: batchTooLarge(11),
        code: -32600,
        data: { code: 'BAD_REQUEST', httpStatus: 400 },
      },
    });
    expect(batchTooLarge(11)).toBe(
      'A request can hold at most 10 calls; this one held 11. Send them in smaller batches.',
    );
  });

  it('refuses a batch of 11 changes and makes none of them', async () => {
    const inputs = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [i, { email: `batch-${i}@limits.test` }]),
    );
    const answer = await trpcPost(
      server,
      `${Array(11).fill('invites.create').join(',')}?batch=1`,
      inputs,
      asOwner,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe(batchTooLarge(11));
    for (let i = 0; i < 11; i++) expect(await invitesTo(`batch-${i}@limits.test`)).toEqual([]);
  });
});

describe('date ranges span at most 400 days', () => {
  const server = plain;
  const asOwner = { cookie: sessionCookie(server.env, plainOwner.id) };
  const asAdmin = { cookie: sessionCookie(server.env, plainAdmin.id) };
  // 2025-01-01 + 399 days = 2026-02-04: 400 days with both ends.
  const longest = { from: '2025-01-01', to: '2026-02-04' };
  const tooLong = { from: '2025-01-01', to: '2026-02-05' };
  const sentence =
    'A date range can span at most 400 days; 2025-01-01 to 2026-02-05 spans 401. Pick a shorter one, or ask for it in parts.';

  it.each([
    ['usage.daily', asOwner],
    ['usage.summary', asOwner],
    ['usage.top', asAdmin],
  ] as const)('%s takes 400 days and refuses 401 with a sentence', async (path, who) => {
    expect((await trpcGet(server, path, longest, who)).status).toBe(200);
    const refused = await trpcGet(server, path, tooLong, who);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.data.code).toBe('BAD_REQUEST');
    expect(refused.body.error?.message).toBe(sentence);
  });
});

describe('one person cannot starve the others', () => {
  it('refuses a flood beyond a few calls in flight at once, while another person is answered', async () => {
    const server = await serverWith({ callsInFlight: 4 });
    const flooder = await makeUser(db);
    const other = await makeUser(db);
    const asFlooder = { cookie: sessionCookie(server.env, flooder.id) };
    const asOther = { cookie: sessionCookie(server.env, other.id) };
    const range = { from: '2025-01-01', to: '2026-02-04' };

    // Hold the usage table locked (a pending ALTER TABLE, rolled back), so every usage question
    // stays running, holding a connection, until the test lets go: the worst case of slow calls.
    const locker = createDb({ connectionString: url, max: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holding = locker
      .transaction()
      .execute(async (trx) => {
        await trx.schema.alterTable('usage_daily').addColumn('lock_probe', 'text').execute();
        locked();
        await released;
        throw new Error('rollback');
      })
      .catch((error: Error) => {
        if (error.message !== 'rollback') throw error;
      });
    await lockTaken;

    try {
      // 12 requests of 1 call, then 3 batches of 10: far more than the pool's 10 connections.
      const answers: { status: number; retryAfter: string | null; body: unknown }[] = [];
      const flood = [
        ...Array.from({ length: 12 }, () =>
          fetch(
            `${server.url}/trpc/usage.daily?input=${encodeURIComponent(JSON.stringify(range))}`,
            {
              headers: asFlooder,
            },
          ),
        ),
        ...Array.from({ length: 3 }, () =>
          fetch(
            `${server.url}/trpc/${Array(10).fill('usage.summary').join(',')}?batch=1&input=${encodeURIComponent(
              JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, range]))),
            )}`,
            { headers: asFlooder },
          ),
        ),
      ].map(async (pending) => {
        const response = await pending;
        const answer = {
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: await response.json(),
        };
        answers.push(answer);
        return answer;
      });

      // 4 single calls are let in and wait on the lock; the other 11 requests are refused at once.
      await waitFor('the flood’s excess refused', async () => answers.length === 11);
      for (const answer of answers) {
        expect(answer.status).toBe(429);
        expect(answer.retryAfter).toBe('1');
        expect(answer.body).toMatchObject({
          error: { message: TOO_MANY_IN_FLIGHT, data: { code: 'TOO_MANY_REQUESTS' } },
        });
      }

      // Meanwhile the other person is answered: connections are left for them.
      const me = await trpcGet<{ id: string }>(server, 'me.get', undefined, asOther);
      expect(me.status).toBe(200);
      expect(me.body.result?.data.id).toBe(other.id);
      const batch = await fetch(`${server.url}/trpc/${Array(4).fill('me.get').join(',')}?batch=1`, {
        headers: asOther,
      });
      expect(batch.status).toBe(200);

      release();
      const all = await Promise.all(flood);
      expect(all.filter((a) => a.status === 200)).toHaveLength(4);
      expect(all.filter((a) => a.status >= 500)).toEqual([]);
      // Once answered, the flooder is let in again.
      expect((await trpcGet(server, 'usage.daily', range, asFlooder)).status).toBe(200);
    } finally {
      release();
      await holding;
      await locker.destroy();
    }
  });
});

describe('rate limits, shared by every server', () => {
  it('sign-in: counts every attempt from an address on both servers, and lets in again after the window', async () => {
    const rules = { signInPerIp: { limit: 3, windowMs: MINUTE } };
    const one = await serverWith(rules);
    const two = await serverWith(rules);

    expect((await devLogin(one, 'dev|si-1')).status).toBe(200);
    const start = await fetch(`${two.url}/auth/login`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    later(20_000);
    expect((await devLogin(two, 'dev|si-2')).status).toBe(200);

    const refused = await devLogin(two, 'dev|si-3');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('40');
    expect(refused.body).toEqual({
      error: {
        message: 'Too many sign-in attempts from this address; try again in 40 seconds.',
        code: 'TOO_MANY_REQUESTS',
      },
    });
    expect(refused.headers.getSetCookie()).toEqual([]);
    // Nothing was done: no account for the refused sign-in.
    expect(
      await db.selectFrom('users').select('id').where('id', '=', 'dev|si-3').execute(),
    ).toEqual([]);
    const fromOne = await devLogin(one, 'dev|si-3');
    expect(fromOne.status).toBe(429);

    // A browser following a sign-in link reads the sentence, not JSON.
    const page = await fetch(`${one.url}/auth/login`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(429);
    expect(await page.text()).toBe(
      'Too many sign-in attempts from this address; try again in 40 seconds.',
    );

    later(40_000);
    expect((await devLogin(one, 'dev|si-3')).status).toBe(200);
  });

  it('invites: 30 an hour per person by default; over the limit, no invite is made and others still invite', async () => {
    const server = await serverWith({ invitesPerUser: { limit: 2, windowMs: HOUR } });
    const owner = await makeUser(db);
    const otherOwner = await makeUser(db);
    const asOwner = { cookie: sessionCookie(server.env, owner.id) };

    const first = await trpcPost<{ invite: { id: string } }>(
      server,
      'invites.create',
      { email: 'inv-1@limits.test' },
      asOwner,
    );
    expect(first.status).toBe(200);
    const inviteId = first.body.result!.data.invite.id;
    expect((await trpcPost(server, 'invites.resend', { inviteId }, asOwner)).status).toBe(200);

    later(10 * MINUTE);
    const refused = await post(server, 'invites.create', { email: 'inv-2@limits.test' }, asOwner);
    expectTooMany(
      refused.answer,
      'Too many invites sent from this account; try again in 50 minutes.',
      '3000',
      refused.headers,
    );
    expect(await invitesTo('inv-2@limits.test')).toEqual([]);
    const resend = await post(server, 'invites.resend', { inviteId }, asOwner);
    expect(resend.answer.status).toBe(429);

    const other = await trpcPost(
      server,
      'invites.create',
      { email: 'inv-3@limits.test' },
      { cookie: sessionCookie(server.env, otherOwner.id) },
    );
    expect(other.status).toBe(200);
    expect(DEFAULT_RATE_LIMITS.invitesPerUser).toEqual({ limit: 30, windowMs: HOUR });
  });

  it('invite links: previews and accepts from one address are limited, and a refused accept joins nothing', async () => {
    const server = await serverWith({ inviteLinksPerIp: { limit: 3, windowMs: MINUTE } });
    const owner = await makeUser(db);
    const joiner = await makeUser(db, { email: 'joiner@limits.test' });
    const created = await trpcPost<{ inviteUrl: string }>(
      server,
      'invites.create',
      { email: 'joiner@limits.test' },
      { cookie: sessionCookie(server.env, owner.id) },
    );
    const token = created.body.result!.data.inviteUrl.split('/invite/')[1]!;
    const guess = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;

    expect((await trpcGet(server, 'invites.preview', { token })).status).toBe(200);
    expect((await trpcGet(server, 'invites.preview', { token: guess })).status).toBe(404);
    expect((await trpcGet(server, 'invites.preview', { token: guess })).status).toBe(404);

    const refused = await get(server, 'invites.preview', { token }, {});
    expectTooMany(
      refused.answer,
      'Too many invite links tried from this address; try again in 60 seconds.',
      '60',
      refused.headers,
    );
    const asJoiner = { cookie: sessionCookie(server.env, joiner.id) };
    const accept = await post(server, 'invites.accept', { token }, asJoiner);
    expect(accept.answer.status).toBe(429);
    const me = await trpcGet<{ role: string }>(server, 'me.get', undefined, asJoiner);
    expect(me.body.result?.data.role).toBe('owner');

    later(MINUTE);
    expect((await trpcPost(server, 'invites.accept', { token }, asJoiner)).status).toBe(200);
  });

  it('changes: limited per person; service tokens counted apart, with their own limit', async () => {
    const server = await serverWith({
      mutationsPerUser: { limit: 5, windowMs: MINUTE },
      mutationsPerService: { limit: 3, windowMs: MINUTE },
    });
    const owner = await makeUser(db);
    const other = await makeUser(db);
    const asOwner = { cookie: sessionCookie(server.env, owner.id) };

    // A batch of 4 changes counts 4.
    const batch = await trpcPost(
      server,
      `${Array(4).fill('invites.create').join(',')}?batch=1`,
      Object.fromEntries(
        Array.from({ length: 4 }, (_, i) => [i, { email: `chg-${i}@limits.test` }]),
      ),
      asOwner,
    );
    expect(batch.status).toBe(200);
    expect(
      (await trpcPost(server, 'invites.create', { email: 'chg-4@limits.test' }, asOwner)).status,
    ).toBe(200);

    const refused = await post(server, 'invites.create', { email: 'chg-5@limits.test' }, asOwner);
    expectTooMany(
      refused.answer,
      'Too many changes from this account in a short time; try again in 60 seconds.',
      '60',
      refused.headers,
    );
    expect(await invitesTo('chg-5@limits.test')).toEqual([]);
    // Reading is not a change.
    expect((await trpcGet(server, 'me.get', undefined, asOwner)).status).toBe(200);
    // Another person is not affected.
    expect(
      (
        await trpcPost(
          server,
          'invites.create',
          { email: 'chg-6@limits.test' },
          { cookie: sessionCookie(server.env, other.id) },
        )
      ).status,
    ).toBe(200);

    // The collector's token: its own count, not the people's.
    for (let i = 0; i < 3; i++) {
      expect((await trpcPost(server, 'usage.ingest', { records: [] }, bearer())).status).toBe(200);
    }
    const service = await post(server, 'usage.ingest', { records: [] }, bearer());
    expectTooMany(
      service.answer,
      'Too many changes with this service token; try again in 60 seconds.',
      '60',
      service.headers,
    );
    // A made-up token is no service: it is counted by its address, and refused by the API.
    const madeUp = await trpcPost(server, 'usage.ingest', { records: [] }, bearer('svc-made-up'));
    expect(madeUp.status).toBe(401);
  });

  it('per address: many accounts from one address share its limits on changes and invites', async () => {
    const server = await serverWith({
      mutationsPerIp: { limit: 3, windowMs: MINUTE },
      invitesPerIp: { limit: 2, windowMs: HOUR },
    });
    const owners = await Promise.all(Array.from({ length: 3 }, () => makeUser(db)));
    const as = (i: number) => ({ cookie: sessionCookie(server.env, owners[i]!.id) });
    expect(
      (await trpcPost(server, 'invites.create', { email: 'ip-0@limits.test' }, as(0))).status,
    ).toBe(200);
    expect(
      (await trpcPost(server, 'invites.create', { email: 'ip-1@limits.test' }, as(1))).status,
    ).toBe(200);
    const invite = await post(server, 'invites.create', { email: 'ip-2@limits.test' }, as(2));
    expectTooMany(
      invite.answer,
      'Too many invites sent from this address; try again in 60 minutes.',
      '3600',
      invite.headers,
    );
    expect(await invitesTo('ip-2@limits.test')).toEqual([]);
    // That refusal counted as the address's third change: the fourth is refused as a change.
    const change = await post(server, 'account.signOutEverywhere', {}, as(2));
    expectTooMany(
      change.answer,
      'Too many changes from this address in a short time; try again in 60 seconds.',
      '60',
      change.headers,
    );
  });

  it('drops ended windows a few at a time, and starts a new window on the next hit', async () => {
    const at = new Date('2026-03-02T12:00:00.000Z');
    const rule = { limit: 1, windowMs: 1_000 };
    expect(await countHits(db, [{ bucket: 'sign-in', key: 'ip:x', cost: 1, rule }], at)).toBeNull();
    expect(await countHits(db, [{ bucket: 'sign-in', key: 'ip:x', cost: 1, rule }], at)).toEqual({
      bucket: 'sign-in',
      key: 'ip:x',
      retryAfterSeconds: 1,
    });
    const after = new Date(at.getTime() + 1_000);
    expect(
      await countHits(db, [{ bucket: 'sign-in', key: 'ip:x', cost: 1, rule }], after),
    ).toBeNull();
    expect(await pruneRateLimits(db, new Date(at.getTime() + 1_500))).toBe(0);
    expect(await pruneRateLimits(db, new Date(at.getTime() + 2_500))).toBe(1);
    expect(await db.selectFrom('rateLimits').selectAll().execute()).toEqual([]);
  });
});
