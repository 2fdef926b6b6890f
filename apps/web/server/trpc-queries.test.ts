// Queries answered on Node's request and response (trpc-queries.ts) answer exactly what tRPC's own
// adapter answers: status, content type and body, for answers and refusals, single and batched.
// The adapter is reached on the same server by a request this path leaves to it (any
// `trpc-accept` header; `application/json` asks for the usual, non-streaming answer).
import { appRouter, createContextInner } from '@hops/api';
import { makeUser, testDeps } from '@hops/api/testing';
import Fastify from 'fastify';
import { useTestDatabase } from '@hops/db/testing';
import { describe, expect, it } from 'vitest';
import { bearer, memoryLogger, sessionCookie, useServer } from './test/helpers.ts';
import { answerQueries } from './trpc-queries.ts';

const { db } = await useTestDatabase();
const log = memoryLogger('debug');
const server = await useServer({ db, logger: log.logger });
const owner = await makeUser(db, { email: 'queries-owner@example.test' });
const other = await makeUser(db, { email: 'queries-other@example.test' });
const admin = await makeUser(db, { isAdmin: true, email: 'queries-admin@example.test' });
const asOwner = { cookie: sessionCookie(server.env, owner.id) };
const asAdmin = { cookie: sessionCookie(server.env, admin.id) };

const range = { from: '2026-10-01', to: '2026-10-03' };
const json = (value: unknown) => encodeURIComponent(JSON.stringify(value));

async function ask(url: string, headers: Record<string, string>) {
  const response = await fetch(`${server.url}${url}`, { headers });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    vary: response.headers.get('vary'),
    body: (await response.json()) as unknown,
  };
}

/** The same GET through this path and through tRPC's adapter. */
async function bothWays(url: string, headers: Record<string, string> = {}) {
  const fast = await ask(url, headers);
  const adapter = await ask(url, { ...headers, 'trpc-accept': 'application/json' });
  return { fast, adapter };
}

describe('GET queries on the fast path', () => {
  const cases: [string, string, Record<string, string>, number][] = [
    ['a query', `/trpc/usage.daily?input=${json(range)}`, asOwner, 200],
    ['a query without input', '/trpc/me.get', asOwner, 200],
    ['a batch', `/trpc/me.get,usage.summary?batch=1&input=${json({ 1: range })}`, asOwner, 200],
    ['nobody signed in', `/trpc/usage.daily?input=${json(range)}`, {}, 401],
    [
      'a bad input',
      `/trpc/usage.daily?input=${json({ from: 'yesterday', to: 'x' })}`,
      asOwner,
      400,
    ],
    [
      "another account's usage",
      `/trpc/usage.daily?input=${json({ ...range, accountOwnerId: other.id })}`,
      asOwner,
      403,
    ],
    ['an admin-only query as a member', `/trpc/usage.top?input=${json(range)}`, asOwner, 403],
    ['an admin query', `/trpc/usage.top?input=${json(range)}`, asAdmin, 200],
    [
      'a batch with a refusal in it',
      `/trpc/me.get,usage.top?batch=1&input=${json({ 1: range })}`,
      asOwner,
      207,
    ],
    ['a bad service token', `/trpc/me.get`, bearer('not-a-token'), 401],
  ];
  for (const [name, url, headers, status] of cases) {
    it(`answers ${name} as tRPC's adapter does (${status})`, async () => {
      const { fast, adapter } = await bothWays(url, headers);
      expect(fast.status).toBe(status);
      expect(fast).toEqual(adapter);
    });
  }

  it('leaves to the adapter what it does not answer: unknown procedures, mutations, bad JSON', async () => {
    for (const url of [
      '/trpc/no.such',
      '/trpc/invites.create',
      '/trpc/usage.daily?input=%7Bnot-json',
      '/trpc/me.get,no.such?batch=1',
    ]) {
      const { fast, adapter } = await bothWays(url, asOwner);
      expect(fast.status).not.toBe(200);
      expect(fast).toEqual(adapter);
    }
  });

  it('logs an unexpected refusal once, as the adapter does', async () => {
    log.lines.length = 0;
    await ask(`/trpc/usage.top?input=${json(range)}`, asOwner);
    const refusals = log.lines.filter((l) => l.procedure === 'usage.top');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('answerQueries', () => {
  it('answers the queries it covers itself and hands the rest on untouched', async () => {
    const app = Fastify();
    app.addHook('preHandler', async (request, reply) => {
      const answered = await answerQueries(request, reply, {
        router: appRouter,
        maxBatchSize: 2,
        createContext: async () => createContextInner({ db, deps: testDeps() }),
        onError: () => {},
      });
      if (answered) return reply;
    });
    app.get('/trpc/:path', async () => 'handed on');
    try {
      const health = await app.inject('/trpc/health');
      expect(health.json()).toEqual({ result: { data: { ok: true, db: 'up' } } });
      const batch = await app.inject('/trpc/health,me.get?batch=1');
      expect(batch.statusCode).toBe(207);
      expect(batch.json()).toMatchObject([
        { result: { data: { ok: true } } },
        { error: { data: { code: 'UNAUTHORIZED', path: 'me.get' } } },
      ]);
      for (const url of [
        '/trpc/no.such',
        '/trpc/invites.create',
        '/trpc/health,health,health?batch=1',
        '/trpc/usage.daily?input=%7B',
        '/trpc/health?batch=2',
      ]) {
        expect((await app.inject(url)).body).toBe('handed on');
      }
      expect(
        (await app.inject({ url: '/trpc/health', headers: { 'trpc-accept': 'application/jsonl' } }))
          .body,
      ).toBe('handed on');
    } finally {
      await app.close();
    }
  });
});
