// The caller cache against a real PostgreSQL: it answers exactly what loadUserActor answers, a
// kept row costs no statement, and a kept row is forgotten when its user changes (announced at
// commit by migration 0020's triggers, from any connection), when the listening connection is
// lost, when it was read while a change was announced, and when it is too old. No timed
// assertions: conditions are polled.
import { useTestDatabase } from '@hops/db/testing';
import {
  CamelCasePlugin,
  Kysely,
  type CompiledQuery,
  PostgresDialect,
  sql,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import { createPool, type Database } from '@hops/db';
import { afterEach, describe, expect, it } from 'vitest';
import { countingDb, makeUser, recordingLogger, waitFor } from '../test/helpers.ts';
import { startCallerCache, type CallerCache, type CallerCacheOptions } from './caller-cache.ts';
import { loadUserActor } from './services/users.ts';

const { db, url } = await useTestDatabase();

const open: CallerCache[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((cache) => cache.close()));
});

/** A cache that listens (waited for), with rows kept an hour unless the test says otherwise. */
async function listeningCache(options: Partial<CallerCacheOptions> = {}) {
  const log = recordingLogger();
  const cache = startCallerCache({
    connectionString: url,
    log,
    maxAgeMs: 3_600_000,
    retryMs: 50,
    ...options,
  });
  open.push(cache);
  await waitFor('the cache to listen', async () => cache.listening);
  return { cache, log };
}

const kill = () =>
  sql`
  SELECT pg_terminate_backend(pid) FROM pg_stat_activity
  WHERE application_name = 'hops-caller-cache' AND datname = current_database()`.execute(db);

describe('the caller cache', () => {
  it('answers what loadUserActor answers, sessions revoked to the microsecond included', async () => {
    const { cache } = await listeningCache();
    const owner = await makeUser(db, { isAdmin: true });
    const member = await makeUser(db, { owner: owner.id, billingMode: 'prepaid' });
    await sql`UPDATE users SET sessions_valid_after = '2026-01-01 00:00:00.000500+00'
              WHERE id = ${member.id}`.execute(db);
    const sessions = [
      undefined,
      new Date('2025-12-31T23:59:59.999Z'),
      new Date('2026-01-01T00:00:00.000Z'), // before the revocation by half a millisecond
      new Date('2026-01-01T00:00:00.001Z'),
    ];
    for (const id of [owner.id, member.id, 'test|nobody']) {
      for (const issuedAt of sessions) {
        // Twice: once read, once kept.
        for (let i = 0; i < 2; i++) {
          expect(await cache.load(db, id, issuedAt)).toEqual(await loadUserActor(db, id, issuedAt));
        }
      }
    }
    expect(await cache.load(db, member.id, new Date('2026-01-01T00:00:00.000Z'))).toBeNull();
    expect(await cache.load(db, member.id, new Date('2026-01-01T00:00:00.001Z'))).toMatchObject({
      id: member.id,
      accountOwnerId: owner.id,
      billingMode: 'prepaid',
    });
  });

  it('serves a kept caller without a statement, and the row it shares cannot be changed', async () => {
    const { cache } = await listeningCache();
    const user = await makeUser(db);
    const { db: counted, counter } = countingDb(db);
    const first = await cache.load(counted, user.id);
    expect(counter.statements).toBe(1);
    for (let i = 0; i < 5; i++) expect(await cache.load(counted, user.id)).toEqual(first);
    expect(counter.statements).toBe(1);
    expect(() => {
      (first as { isAdmin: boolean }).isAdmin = true;
    }).toThrow(TypeError);
    // Nobody kept: every call reads.
    await cache.load(counted, 'test|nobody');
    await cache.load(counted, 'test|nobody');
    expect(counter.statements).toBe(3);
  });

  it('forgets a caller the moment another connection changes them: team, admin, status, sessions, deletion', async () => {
    const { cache } = await listeningCache();
    const owner = await makeUser(db);
    const other = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id, isAdmin: true });
    const session = new Date();
    const changes: [string, () => Promise<unknown>, (actor: unknown) => boolean][] = [
      [
        'moved to another account',
        () =>
          db
            .updateTable('users')
            .set({ accountOwnerId: other.id })
            .where('id', '=', member.id)
            .execute(),
        (a) => (a as { accountOwnerId: string }).accountOwnerId === other.id,
      ],
      [
        'no longer an admin',
        () => db.updateTable('users').set({ isAdmin: false }).where('id', '=', member.id).execute(),
        (a) => (a as { isAdmin: boolean }).isAdmin === false,
      ],
      [
        'suspended',
        () =>
          db
            .updateTable('users')
            .set({ status: 'suspended' })
            .where('id', '=', member.id)
            .execute(),
        (a) => (a as { status: string }).status === 'suspended',
      ],
      [
        'signed out everywhere',
        () =>
          db
            .updateTable('users')
            .set({ sessionsValidAfter: new Date(session.getTime() + 1000) })
            .where('id', '=', member.id)
            .execute(),
        (a) => a === null,
      ],
    ];
    for (const [what, change, seen] of changes) {
      expect(seen(await cache.load(db, member.id, session)), what).toBe(false);
      await change();
      // Kept for an hour: only the announcement can make it read again.
      await waitFor(what, async () => seen(await cache.load(db, member.id, session)));
    }
    const lone = await makeUser(db);
    expect(await cache.load(db, lone.id)).not.toBeNull();
    await db.deleteFrom('users').where('id', '=', lone.id).execute();
    await waitFor(
      'a deleted user to be forgotten',
      async () => (await cache.load(db, lone.id)) === null,
    );
  });

  it('keeps nothing while it cannot hear changes, then listens again by itself', async () => {
    // Back after 2 s: long enough to look at it while it is deaf.
    const { cache, log } = await listeningCache({ retryMs: 2_000 });
    const user = await makeUser(db);
    expect(await cache.load(db, user.id)).toMatchObject({ isAdmin: false });
    await kill();
    await waitFor('the loss logged', async () => log.lines.some((line) => line.level === 'warn'));
    expect(cache.listening).toBe(false);
    // Not heard by anybody: the next load must read it.
    await db.updateTable('users').set({ isAdmin: true }).where('id', '=', user.id).execute();
    expect(await cache.load(db, user.id)).toMatchObject({ isAdmin: true });
    await waitFor('the cache to listen again', async () => cache.listening);
    await db.updateTable('users').set({ isAdmin: false }).where('id', '=', user.id).execute();
    await waitFor(
      'the change heard',
      async () => (await cache.load(db, user.id))?.isAdmin === false,
    );
    const warnings = log.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/lost the connection that hears user changes/);
    expect(log.lines.some((line) => line.level === 'info' && /again/.test(String(line.obj)))).toBe(
      true,
    );
  });

  it('reads every caller from the database when it cannot listen at all', async () => {
    const log = recordingLogger();
    const cache = startCallerCache({
      connectionString: 'postgres://postgres@127.0.0.1:1/nowhere',
      log,
      retryMs: 60_000,
    });
    open.push(cache);
    await waitFor('the refusal logged', async () => log.lines.length > 0);
    expect(cache.listening).toBe(false);
    const user = await makeUser(db);
    const { db: counted, counter } = countingDb(db);
    expect(await cache.load(counted, user.id)).toMatchObject({ id: user.id });
    expect(await cache.load(counted, user.id)).toMatchObject({ id: user.id });
    expect(counter.statements).toBe(2);
    expect(log.lines[0]).toMatchObject({ level: 'warn' });
    expect(log.lines[0]!.msg).toMatch(/cannot listen for user changes/);
  });

  it('does not keep a row it read while a change was being announced', async () => {
    const { cache } = await listeningCache();
    const user = await makeUser(db);
    const witness = await makeUser(db);
    // A database whose answers are held back until the test lets them go: the row is read
    // before the change commits and handed over after its announcement was heard.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holding = holdingDb(url, held);
    try {
      expect(await cache.load(db, witness.id)).toMatchObject({ isAdmin: false });
      const reading = cache.load(holding, user.id);
      await waitFor('the read to be answered', async () => holding.answered() > 0);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ isAdmin: true }).where('id', '=', user.id).execute();
        await trx
          .updateTable('users')
          .set({ isAdmin: true })
          .where('id', '=', witness.id)
          .execute();
      });
      // The witness's announcement came in the same delivery, after the user's.
      await waitFor(
        'the announcements heard',
        async () => (await cache.load(db, witness.id))?.isAdmin,
      );
      release();
      expect(await reading).toMatchObject({ isAdmin: false }); // what a request begun before saw
      const { db: counted, counter } = countingDb(db);
      expect(await cache.load(counted, user.id)).toMatchObject({ isAdmin: true });
      expect(counter.statements).toBe(1);
    } finally {
      release();
      await holding.destroy();
    }
  });

  it('keeps at most maxEntries rows, and none longer than maxAgeMs', async () => {
    const { cache } = await listeningCache({ maxEntries: 2 });
    const [a, b, c] = [await makeUser(db), await makeUser(db), await makeUser(db)];
    const { db: counted, counter } = countingDb(db);
    for (const user of [a, b, c]) await cache.load(counted, user.id);
    expect(counter.statements).toBe(3);
    await cache.load(counted, c.id);
    await cache.load(counted, b.id);
    expect(counter.statements).toBe(3);
    await cache.load(counted, a.id); // the oldest went
    expect(counter.statements).toBe(4);

    const { cache: brief } = await listeningCache({ maxAgeMs: 1 });
    await brief.load(counted, a.id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await brief.load(counted, a.id);
    expect(counter.statements).toBe(6);
  });

  it('forgets everything on clear() and on TRUNCATE', async () => {
    const { cache } = await listeningCache();
    const user = await makeUser(db);
    const { db: counted, counter } = countingDb(db);
    await cache.load(counted, user.id);
    cache.clear();
    await cache.load(counted, user.id);
    expect(counter.statements).toBe(2);
    // TRUNCATE fires no row trigger: its own announcement ('*') says every user changed.
    await sql`SELECT pg_notify('hops_user_changed', '*')`.execute(db);
    await waitFor('everything forgotten', async () => {
      const before = counter.statements;
      await cache.load(counted, user.id);
      return counter.statements > before;
    });
  });
});

/** A Db over its own pool whose statements run at once but answer only once `held` resolves. */
function holdingDb(connectionString: string, held: Promise<void>) {
  let answered = 0;
  const innerOf = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const inner = new PostgresDialect({ pool: createPool({ connectionString, max: 1 }) });
  const dialect = {
    ...inner,
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (k: Kysely<unknown>) => inner.createIntrospector(k),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver(): Driver {
      const driver = inner.createDriver();
      return {
        init: () => driver.init(),
        destroy: () => driver.destroy(),
        beginTransaction: (c, s) => driver.beginTransaction(c, s),
        commitTransaction: (c) => driver.commitTransaction(c),
        rollbackTransaction: (c) => driver.rollbackTransaction(c),
        releaseConnection: (c) => driver.releaseConnection(innerOf.get(c) ?? c),
        async acquireConnection(): Promise<DatabaseConnection> {
          const connection = await driver.acquireConnection();
          const wrapper: DatabaseConnection = {
            async executeQuery<R>(query: CompiledQuery) {
              const result = await connection.executeQuery<R>(query);
              answered += 1;
              await held;
              return result;
            },
            streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
          };
          innerOf.set(wrapper, connection);
          return wrapper;
        },
      };
    },
  };
  // As createDb builds it: the same plugin, so rows come back in camelCase.
  const holding = new Kysely<Database>({
    dialect,
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  return Object.assign(holding, { answered: () => answered });
}
