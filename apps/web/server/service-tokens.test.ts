// Named, scoped service tokens over HTTP (SPEC §12): each service procedure needs its scope, only
// an act-as token acts for a person, the audit log names the token as well as the person, and an
// event consumer's cursor is moved only by the token that owns it.
import { randomBytes } from 'node:crypto';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser } from '@hops/api/testing';
import { describe, expect, it } from 'vitest';
import type { ServiceTokenConfig } from './env.ts';
import {
  bearer,
  SERVICE_TOKEN,
  trpcGet,
  trpcPost,
  useServer,
  type TrpcAnswer,
} from './test/helpers.ts';

const { db } = await useTestDatabase();

const token = () => randomBytes(24).toString('base64url');
const SLACKBOT = token();
const COLLECTOR = token();
const READER = token();
const serviceTokens: ServiceTokenConfig[] = [
  { name: 'slackbot', scopes: ['events', 'act-as'], token: SLACKBOT },
  { name: 'collector', scopes: ['ingest'], token: COLLECTOR },
  { name: 'reader', scopes: ['events'], token: READER },
  { name: 'legacy', scopes: ['ingest', 'events', 'act-as', 'billing'], token: SERVICE_TOKEN },
];
const server = await useServer({ db, env: { serviceTokens } });

const admin = await makeUser(db, { isAdmin: true, email: 'tokens-admin@example.test' });
const owner = await makeUser(db, { email: 'tokens-owner@example.test' });

function expectForbidden(answer: TrpcAnswer, message: string) {
  expect(answer.status).toBe(403);
  expect(answer.body.result).toBeUndefined();
  expect(answer.body.error?.data).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
  expect(answer.body.error?.message).toBe(message);
}

function record(userId: string, date: string) {
  return {
    userId,
    date,
    cpuHours: '2',
    gpuHours: '0',
    ramGbHours: '0',
    onlineStorageGb: '0',
    offlineStorageGb: '0',
    networkEgressGb: '0',
  };
}

async function usageRows(userId: string) {
  return db.selectFrom('usageDaily').select('date').where('userId', '=', userId).execute();
}

async function isAdmin(userId: string) {
  const row = await db
    .selectFrom('users')
    .select('isAdmin')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.isAdmin;
}

async function emitEvents(n: number): Promise<number[]> {
  const rows = await db
    .insertInto('events')
    .values(
      Array.from({ length: n }, (_, i) => ({
        kind: 'cluster.no_room',
        payload: JSON.stringify({ ownerId: `o-${i}`, email: `o-${i}@example.test`, users: 1 }),
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

describe('scopes of service procedures', () => {
  it('usage.ingest needs ingest: a token without it is refused, naming the scope, and nothing is written', async () => {
    const records = [record(owner.id, '2026-03-01')];
    expectForbidden(
      await trpcPost(server, 'usage.ingest', { records }, bearer(SLACKBOT)),
      'The service token "slackbot" lacks the ingest scope that usage.ingest needs.',
    );
    expect(await usageRows(owner.id)).toEqual([]);

    const ingested = await trpcPost(server, 'usage.ingest', { records }, bearer(COLLECTOR));
    expect(ingested.status).toBe(200);
    expect(ingested.body.result?.data).toMatchObject({ inserted: 1 });
    expect(await usageRows(owner.id)).toHaveLength(1);
  });

  it('events.* need events', async () => {
    expectForbidden(
      await trpcGet(server, 'events.since', { consumer: 'collector-feed' }, bearer(COLLECTOR)),
      'The service token "collector" lacks the events scope that events.since needs.',
    );
    expectForbidden(
      await trpcPost(
        server,
        'events.commit',
        { consumer: 'collector-feed', lastEventId: 1 },
        bearer(COLLECTOR),
      ),
      'The service token "collector" lacks the events scope that events.commit needs.',
    );
    const cursors = await db
      .selectFrom('eventCursors')
      .selectAll()
      .where('consumer', '=', 'collector-feed')
      .execute();
    expect(cursors).toEqual([]);
  });

  it('looking a person up to act for (service.resolveActor) needs act-as', async () => {
    expectForbidden(
      await trpcGet(server, 'service.resolveActor', { email: admin.email }, bearer(COLLECTOR)),
      'The service token "collector" lacks the act-as scope that service.resolveActor needs.',
    );
    const found = await trpcGet(
      server,
      'service.resolveActor',
      { email: admin.email },
      bearer(SLACKBOT),
    );
    expect(found.body.result?.data).toEqual({ userId: admin.id, isAdmin: true, status: 'active' });
  });
});

describe('acting for a person (x-hops-act-as)', () => {
  it('is refused to a token without act-as, with a sentence, and nothing is done', async () => {
    const message =
      'The service token "collector" may not act for a person: it lacks the act-as scope.';
    expectForbidden(
      await trpcPost(
        server,
        'admin.users.setAdmin',
        { userId: owner.id, isAdmin: true },
        bearer(COLLECTOR, admin.id),
      ),
      message,
    );
    expect(await isAdmin(owner.id)).toBe(false);
    // The same answer for a person who does not exist: such a token learns nothing about who does.
    expectForbidden(
      await trpcGet(server, 'admin.users.list', {}, bearer(COLLECTOR, 'ghost|1')),
      message,
    );
    expectForbidden(
      await trpcGet(server, 'admin.users.list', {}, bearer(READER, admin.id)),
      'The service token "reader" may not act for a person: it lacks the act-as scope.',
    );
  });

  it("an act-as token's change is audited with the person and the token", async () => {
    const target = await makeUser(db, { email: 'tokens-target@example.test' });
    const answer = await trpcPost(
      server,
      'admin.users.setAdmin',
      { userId: target.id, isAdmin: true },
      bearer(SLACKBOT, admin.id),
    );
    expect(answer.status).toBe(200);
    expect(await isAdmin(target.id)).toBe(true);
    const rows = await db
      .selectFrom('auditLog')
      .select(['actorUserId', 'via', 'action', 'details'])
      .where('targetId', '=', target.id)
      .execute();
    expect(rows).toEqual([
      {
        actorUserId: admin.id,
        via: 'slack',
        action: 'admin.users.setAdmin',
        details: expect.objectContaining({ serviceToken: 'slackbot' }),
      },
    ]);
    // And so the audit page shows it.
    const listed = await trpcGet<{ items: { actorEmail: string; details: unknown }[] }>(
      server,
      'audit.list',
      { targetId: target.id },
      bearer(SLACKBOT, admin.id),
    );
    expect(listed.body.result?.data.items).toEqual([
      expect.objectContaining({
        actorEmail: admin.email,
        details: expect.objectContaining({ serviceToken: 'slackbot' }),
      }),
    ]);
  });
});

describe('event cursors belong to the token that first uses them', () => {
  it("another token cannot push the slackbot's cursor to the end, nor read it; the cursor is unchanged", async () => {
    const ids = await emitEvents(3);
    const consumer = 'slack-alerts-owned';
    const first = await trpcGet<{ cursor: number; events: { id: number }[] }>(
      server,
      'events.since',
      { consumer, limit: 10 },
      bearer(SLACKBOT),
    );
    expect(first.body.result?.data.events.map((e) => e.id)).toEqual(ids);
    const committed = await trpcPost(
      server,
      'events.commit',
      { consumer, lastEventId: ids[0] },
      bearer(SLACKBOT),
    );
    expect(committed.body.result?.data).toEqual({ consumer, lastEventId: ids[0] });

    const refusal = `The event consumer "${consumer}" belongs to another service token; only that token may read or move its cursor.`;
    for (const other of [READER, SERVICE_TOKEN]) {
      expectForbidden(
        await trpcPost(
          server,
          'events.commit',
          { consumer, lastEventId: Number.MAX_SAFE_INTEGER },
          bearer(other),
        ),
        refusal,
      );
      expectForbidden(await trpcGet(server, 'events.since', { consumer }, bearer(other)), refusal);
    }
    // The slackbot still gets the alerts it has not posted.
    const after = await trpcGet<{ cursor: number; events: { id: number }[] }>(
      server,
      'events.since',
      { consumer, limit: 10 },
      bearer(SLACKBOT),
    );
    expect(after.body.result?.data.cursor).toBe(ids[0]);
    expect(after.body.result?.data.events.map((e) => e.id)).toEqual(ids.slice(1));
    const row = await db
      .selectFrom('eventCursors')
      .select(['lastEventId', 'ownerToken'])
      .where('consumer', '=', consumer)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ lastEventId: ids[0], ownerToken: 'slackbot' });
  });

  it('a cursor from before owners existed is claimed by the first token to use it', async () => {
    await db
      .insertInto('eventCursors')
      .values({ consumer: 'old-cursor', lastEventId: 1 })
      .execute();
    const moved = await trpcPost(
      server,
      'events.commit',
      { consumer: 'old-cursor', lastEventId: 2 },
      bearer(READER),
    );
    expect(moved.body.result?.data).toEqual({ consumer: 'old-cursor', lastEventId: 2 });
    expectForbidden(
      await trpcPost(
        server,
        'events.commit',
        { consumer: 'old-cursor', lastEventId: 9 },
        bearer(SLACKBOT),
      ),
      'The event consumer "old-cursor" belongs to another service token; only that token may read or move its cursor.',
    );
  });
});

describe('a consumer whose owner is no longer configured', () => {
  it('passes to the first token to use it (a bare token given its name keeps its alerts)', async () => {
    // Owned by `legacy-2`, a bare token this server no longer has (it was named since).
    await db
      .insertInto('eventCursors')
      .values({ consumer: 'renamed-bot', lastEventId: 5, ownerToken: 'legacy-2' })
      .execute();
    const since = await trpcGet<{ cursor: number }>(
      server,
      'events.since',
      { consumer: 'renamed-bot' },
      bearer(SLACKBOT),
    );
    expect(since.body.result?.data.cursor).toBe(5);
    expectForbidden(
      await trpcPost(
        server,
        'events.commit',
        { consumer: 'renamed-bot', lastEventId: 9 },
        bearer(READER),
      ),
      'The event consumer "renamed-bot" belongs to another service token; only that token may read or move its cursor.',
    );
    const row = await db
      .selectFrom('eventCursors')
      .select(['lastEventId', 'ownerToken'])
      .where('consumer', '=', 'renamed-bot')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ lastEventId: 5, ownerToken: 'slackbot' });
  });
});

describe('a bare (legacy) token', () => {
  it('still has every scope', async () => {
    const records = [record(admin.id, '2026-03-02')];
    const ingested = await trpcPost(server, 'usage.ingest', { records }, bearer(SERVICE_TOKEN));
    expect(ingested.body.result?.data).toMatchObject({ inserted: 1 });
    const listed = await trpcGet(server, 'admin.users.list', {}, bearer(SERVICE_TOKEN, admin.id));
    expect(listed.status).toBe(200);
    const since = await trpcGet(server, 'events.since', { consumer: 'legacy-feed' }, bearer());
    expect(since.status).toBe(200);
  });
});
