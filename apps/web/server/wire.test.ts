// The tRPC endpoint on the wire, called with plain fetch exactly as a curl user would.
import { createTestDatabase, useTestDatabase } from '@hops/db/testing';
import { makeUser } from '@hops/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  memoryLogger,
  SAME_ORIGIN,
  sessionCookie,
  startServer,
  trpcGet,
  trpcPost,
  useServer,
  type TrpcAnswer,
} from './test/helpers.ts';

const { db } = await useTestDatabase();
const log = memoryLogger('debug');
const server = await useServer({ db, logger: log.logger });

const admin = await makeUser(db, { isAdmin: true, email: 'wire-admin@example.test' });
const owner = await makeUser(db, { email: 'wire-owner@example.test' });
const member = await makeUser(db, { owner: owner.id, email: 'wire-member@example.test' });
const asOwner = { cookie: sessionCookie(server.env, owner.id) };
const asMember = { cookie: sessionCookie(server.env, member.id) };

function record(userId: string, date: string, cpuHours: string | number) {
  return {
    userId,
    date,
    cpuHours,
    gpuHours: '0',
    ramGbHours: '0',
    onlineStorageGb: '0',
    offlineStorageGb: '0',
    networkEgressGb: 0.5,
  };
}

function expectError(answer: TrpcAnswer, status: number, code: string, message: string | RegExp) {
  expect(answer.status).toBe(status);
  expect(answer.body.result).toBeUndefined();
  expect(answer.body.error?.data).toMatchObject({ code, httpStatus: status });
  if (typeof message === 'string') expect(answer.body.error?.message).toBe(message);
  else expect(answer.body.error?.message).toMatch(message);
}

describe('queries and mutations over HTTP', () => {
  it('answers a query as GET /trpc/<procedure>', async () => {
    const response = await fetch(`${server.url}/trpc/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ result: { data: { ok: true, db: 'up' } } });
    expect((await trpcGet(server, 'me.get', undefined, asOwner)).body.result?.data).toMatchObject({
      id: owner.id,
      role: 'owner',
    });
  });

  it('takes a mutation as POST with a JSON body, and a query input as url-encoded JSON', async () => {
    const ingest = await trpcPost(
      server,
      'usage.ingest',
      { records: [record(owner.id, '2026-10-02', '10'), record(member.id, '2026-10-02', 2.5)] },
      bearer(),
    );
    expect(ingest.status).toBe(200);
    expect(ingest.body.result?.data).toMatchObject({ inserted: 2, updated: 0 });

    const daily = await trpcGet<{ date: string; cpuHours: string }[]>(
      server,
      'usage.daily',
      { from: '2026-10-01', to: '2026-10-03' },
      asOwner,
    );
    expect(daily.status).toBe(200);
    expect(daily.body.result!.data.map((row) => [row.date, row.cpuHours])).toEqual([
      ['2026-10-01', '0.0000'],
      ['2026-10-02', '12.5000'],
      ['2026-10-03', '0.0000'],
    ]);
    // The raw URL a curl user types works the same.
    const raw = await fetch(
      `${server.url}/trpc/usage.daily?input=${encodeURIComponent('{"from":"2026-10-02","to":"2026-10-02"}')}`,
      { headers: asMember },
    );
    expect(
      ((await raw.json()) as { result: { data: { cpuHours: string }[] } }).result.data[0]!.cpuHours,
    ).toBe('2.5000');
  });

  it('answers a batched call with one result per procedure, in order', async () => {
    const input = encodeURIComponent(
      JSON.stringify({ 2: { from: '2026-10-02', to: '2026-10-02' } }),
    );
    const response = await fetch(
      `${server.url}/trpc/health,me.get,usage.daily?batch=1&input=${input}`,
      {
        headers: asOwner,
      },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: unknown } }[];
    expect(body).toHaveLength(3);
    expect(body[0]!.result.data).toEqual({ ok: true, db: 'up' });
    expect(body[1]!.result.data).toMatchObject({ id: owner.id });
    expect(body[2]!.result.data).toEqual([
      expect.objectContaining({ date: '2026-10-02', cpuHours: '12.5000' }),
    ]);

    // The longest batch (10 calls, SPEC §12; rate-limit.test.ts refuses 11) and a failing member.
    const names = [...Array.from({ length: 9 }, () => 'health'), 'me.get'].join(',');
    const mixed = await fetch(`${server.url}/trpc/${names}?batch=1&input=%7B%7D`);
    const items = (await mixed.json()) as {
      result?: unknown;
      error?: { data: { code: string } };
    }[];
    expect(items).toHaveLength(10);
    expect(items.slice(0, 9).every((item) => item.result)).toBe(true);
    expect(items[9]!.error!.data.code).toBe('UNAUTHORIZED');
  });

  it('accepts a 10 000-record usage.ingest (about 5 MB) in one POST', async () => {
    const users = await db
      .insertInto('users')
      .values(
        Array.from({ length: 100 }, (_, i) => ({
          id: `bulk|${i}`,
          email: `bulk-${i}@example.test`,
        })),
      )
      .returning('id')
      .execute();
    const padding = { 'feature-store-ingestion': { cpuHours: '0.0000', note: 'x'.repeat(300) } };
    const records = users.flatMap((user) =>
      Array.from({ length: 100 }, (_, day) => ({
        ...record(user.id, new Date(Date.UTC(2026, 6, 1 + day)).toISOString().slice(0, 10), '1.25'),
        projectBreakdown: padding,
      })),
    );
    const body = JSON.stringify({ records });
    expect(body.length).toBeGreaterThan(5_000_000);
    const ingest = await trpcPost(server, 'usage.ingest', { records }, bearer());
    expect(ingest.status).toBe(200);
    expect(ingest.body.result?.data).toMatchObject({ inserted: 10_000, updated: 0 });
  });

  it('refuses a body beyond the limit with a sentence', async () => {
    const response = await fetch(`${server.url}/trpc/usage.ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer() },
      body: JSON.stringify({ records: [], padding: 'x'.repeat(17 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: {
        message: 'The request body is larger than the 16 MB this server accepts.',
        code: 'PAYLOAD_TOO_LARGE',
      },
    });
  });
});

describe('cross-site requests', () => {
  it('refuses a mutation that is not JSON, so no other site can post a form with the cookie', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await fetch(`${server.url}/trpc/invites.create`, {
        method: 'POST',
        headers: { 'content-type': type, ...asOwner, ...SAME_ORIGIN },
        body: JSON.stringify({ email: 'csrf@example.test' }),
      });
      expect(response.status, type).toBe(415);
    }
    const invites = await db
      .selectFrom('teamInvites')
      .select('id')
      .where('email', '=', 'csrf@example.test')
      .execute();
    expect(invites).toEqual([]);
  });
});

describe('errors on the wire', () => {
  it('401 for an anonymous caller', async () => {
    expectError(await trpcGet(server, 'me.get'), 401, 'UNAUTHORIZED', 'Please sign in first.');
  });

  it('403 for a signed-in user without the right', async () => {
    expectError(
      await trpcGet(
        server,
        'usage.daily',
        { from: '2026-10-01', to: '2026-10-02', accountOwnerId: owner.id },
        asMember,
      ),
      403,
      'FORBIDDEN',
      "Only the account owner sees the account's usage; you can see your own.",
    );
    expectError(
      await trpcGet(server, 'admin.users.list', {}, asOwner),
      403,
      'FORBIDDEN',
      'Only an admin can do this.',
    );
  });

  it('400 for malformed input, with a sentence naming the field', async () => {
    expectError(
      await trpcGet(server, 'usage.daily', { from: 'yesterday', to: '2026-10-02' }, asOwner),
      400,
      'BAD_REQUEST',
      'The start date must be a date like 2026-01-31.',
    );
    const notJson = await fetch(`${server.url}/trpc/usage.daily?input=%7Bnot-json`, {
      headers: asOwner,
    });
    expect(notJson.status).toBe(400);
  });

  it('404 for an unknown procedure and for an unknown thing', async () => {
    expectError(
      await trpcGet(server, 'nothing.here'),
      404,
      'NOT_FOUND',
      /No procedure found on path "nothing.here"/,
    );
    expectError(
      await trpcGet(server, 'service.resolveActor', { email: 'nobody@example.test' }, bearer()),
      404,
      'NOT_FOUND',
      'No hops user has the e-mail nobody@example.test.',
    );
  });

  it('keeps an x-request-id the caller sent and puts it on every log line of that request', async () => {
    const response = await fetch(`${server.url}/trpc/me.get`, {
      headers: { 'x-request-id': 'curl-test-123' },
    });
    expect(response.headers.get('x-request-id')).toBe('curl-test-123');
    const lines = log.lines.filter((line) => line.reqId === 'curl-test-123');
    expect(lines.length).toBeGreaterThan(0);
    // An expected refusal is the caller's business: nothing above debug but the access line.
    expect(lines.filter((line) => line.level > 30)).toEqual([]);
    expect(lines.find((line) => line.msg === 'Please sign in first.')?.level).toBe(20);
    // Neither query inputs nor invite secrets reach the log.
    await fetch(`${server.url}/invite/${'s'.repeat(43)}?joined=1`, {
      headers: { 'x-request-id': 'invite-page' },
    });
    const inviteLine = log.lines.find(
      (line) => line.reqId === 'invite-page' && line.msg === 'request',
    );
    expect(inviteLine).toMatchObject({ path: '/invite/…' });
    expect(JSON.stringify(log.lines)).not.toContain('s'.repeat(43));
    const generated = await fetch(`${server.url}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('service callers', () => {
  it('acts for an admin with a bearer token and x-hops-act-as', async () => {
    const answer = await trpcGet<{ items: { id: string }[] }>(
      server,
      'admin.users.list',
      { search: 'wire-owner' },
      bearer(undefined, admin.id),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.result!.data.items.map((u) => u.id)).toEqual([owner.id]);
  });

  it('401 for a bad token, or for acting for a user who does not exist', async () => {
    expectError(
      await trpcGet(server, 'admin.users.list', {}, bearer('not-a-token', admin.id)),
      401,
      'UNAUTHORIZED',
      'The service token is not valid.',
    );
    expectError(
      await trpcGet(server, 'admin.users.list', {}, bearer(undefined, 'ghost|1')),
      401,
      'UNAUTHORIZED',
      'There is no user ghost|1 to act for.',
    );
    expectError(
      await trpcGet(server, 'admin.users.list', {}, { 'x-hops-act-as': admin.id }),
      401,
      'UNAUTHORIZED',
      'Acting for a user needs a service token.',
    );
  });

  it("403 when acting for a non-admin on an admin procedure: the service gets that user's rights", async () => {
    expectError(
      await trpcGet(server, 'admin.users.list', {}, bearer(undefined, owner.id)),
      403,
      'FORBIDDEN',
      'Only an admin can do this.',
    );
  });
});

describe('internal errors', () => {
  // A database of its own, broken on purpose.
  let broken: Awaited<ReturnType<typeof createTestDatabase>>;
  let brokenServer: Awaited<ReturnType<typeof startServer>>;
  const brokenLog = memoryLogger('debug');
  beforeAll(async () => {
    broken = await createTestDatabase();
    brokenServer = await startServer({ db: broken.db, logger: brokenLog.logger });
  });
  afterAll(async () => {
    await brokenServer.close();
    await broken.drop();
  });

  it('answers 500 and logs the error once, at error level, with the request id', async () => {
    const user = await makeUser(broken.db);
    await broken.db.schema.alterTable('usageDaily').renameTo('usageDailyGone').execute();
    const response = await fetch(
      `${brokenServer.url}/trpc/usage.daily?input=${encodeURIComponent('{"from":"2026-10-01","to":"2026-10-01"}')}`,
      { headers: { cookie: sessionCookie(brokenServer.env, user.id), 'x-request-id': 'broken-1' } },
    );
    expect(response.status).toBe(500);
    const body = (await response.json()) as TrpcAnswer['body'];
    expect(body.error?.data.code).toBe('INTERNAL_SERVER_ERROR');
    // The caller gets a sentence, not the database's message naming the missing table.
    expect(body.error?.message).toMatch(/^Something went wrong on our side/);
    expect(JSON.stringify(body)).not.toContain('usage_daily');
    const errors = brokenLog.lines.filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      reqId: 'broken-1',
      procedure: 'usage.daily',
      msg: 'procedure failed',
    });
  });
});
