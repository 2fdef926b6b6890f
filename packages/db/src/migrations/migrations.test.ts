// Every migration's `down` undoes its `up` exactly: stepping down leaves each earlier schema as it
// was, down to an empty public schema, and migrating up again rebuilds the same one.
import { Migrator, sql, type RawBuilder } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateDown, migrateToEmpty, migrateToLatest } from '../migrate.ts';
import { useTestDatabase } from '../testing/index.ts';
import { migrations } from './index.ts';

// This file's database is its own: taking it down cannot disturb the other test files.
const { db } = await useTestDatabase({ max: 2 });
const plain = db.withoutPlugins();
const names = Object.keys(migrations);

/** Kysely's own bookkeeping, which stays when every migration is reverted. */
const MIGRATOR_TABLES = ['kysely_migration', 'kysely_migration_lock'];

/** Everything a migration can create in the public schema, as comparable text. */
async function fingerprint(): Promise<Record<string, string[]>> {
  const list = async (query: RawBuilder<{ item: string }>) =>
    (await query.execute(plain)).rows.map((r) => r.item);
  return {
    relations: await list(sql`
      SELECT format('%s %s', c.relkind, c.relname) AS item FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace
        AND c.relname NOT LIKE 'kysely_migration%' ORDER BY 1`),
    columns: await list(sql`
      SELECT concat_ws(' ', table_name, column_name, data_type, numeric_precision, numeric_scale,
                       is_nullable, column_default) AS item
      FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_migration%' ORDER BY 1`),
    constraints: await list(sql`
      SELECT format('%s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS item
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        AND conrelid::regclass::text NOT LIKE 'kysely_migration%' ORDER BY 1`),
    indexes: await list(sql`
      SELECT indexdef AS item FROM pg_indexes
      WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_migration%' ORDER BY 1`),
    triggers: await list(sql`
      SELECT pg_get_triggerdef(t.oid) AS item FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal ORDER BY 1`),
    functions: await list(sql`
      SELECT pg_get_functiondef(p.oid) AS item FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1`),
    views: await list(sql`
      SELECT format('%s: %s', viewname, definition) AS item FROM pg_views
      WHERE schemaname = 'public' ORDER BY 1`),
    types: await list(sql`
      SELECT typname AS item FROM pg_type t
      WHERE t.typnamespace = 'public'::regnamespace AND typname NOT LIKE '%kysely_migration%'
      ORDER BY 1`),
  };
}

async function applied(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM kysely_migration ORDER BY name`.execute(plain);
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  it('are named NNNN_description and listed in order', () => {
    expect(names.length).toBeGreaterThan(0);
    names.forEach((name, i) => {
      expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/);
      expect(Number(name.slice(0, 4))).toBe(i + 1);
    });
  });

  it('step down one by one to an empty schema, and back up to the same schema', async () => {
    expect(await applied()).toEqual(names);
    // after[n] = the schema with the first n migrations applied.
    const after: Record<string, string[]>[] = [];
    after[names.length] = await fingerprint();

    for (let n = names.length - 1; n >= 0; n--) {
      expect(await migrateDown(db)).toEqual([`reverted ${names[n]}`]);
      expect(await applied()).toEqual(names.slice(0, n));
      after[n] = await fingerprint();
      expect(after[n], `down to ${n} migrations`).not.toEqual(after[n + 1]);
    }
    expect(await migrateDown(db)).toEqual([]);

    // Nothing of ours is left in public: no table, view, sequence, index, type or function.
    expect(after[0]).toEqual({
      relations: [],
      columns: [],
      constraints: [],
      indexes: [],
      triggers: [],
      functions: [],
      views: [],
      types: [],
    });
    const { rows: tables } = await sql<{ name: string }>`
      SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' ORDER BY 1`.execute(plain);
    expect(tables.map((t) => t.name)).toEqual(MIGRATOR_TABLES);
    const { rows: routines } = await sql<{ name: string }>`
      SELECT routine_name AS name FROM information_schema.routines
      WHERE routine_schema = 'public'`.execute(plain);
    expect(routines).toEqual([]);

    // Up one at a time: each step rebuilds exactly what its down removed.
    const migrator = new Migrator({
      db: plain,
      provider: { getMigrations: async () => migrations },
    });
    for (let n = 1; n <= names.length; n++) {
      const { error, results } = await migrator.migrateUp();
      expect(error).toBeUndefined();
      expect(results?.map((r) => [r.migrationName, r.status])).toEqual([[names[n - 1], 'Success']]);
      expect(await fingerprint(), `up to ${n} migrations`).toEqual(after[n]);
    }
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('go all the way down and up again with migrateToEmpty / migrateToLatest, data and all', async () => {
    const before = await fingerprint();
    await db.insertInto('users').values({ id: 'auth0|kept', email: 'kept@x.test' }).execute();
    await db.insertInto('auditLog').values({ via: 'system', action: 'test.migrations' }).execute();

    expect(await migrateToEmpty(db)).toEqual(names.map((n) => `reverted ${n}`).reverse());
    expect((await fingerprint()).relations).toEqual([]);
    expect(await migrateToLatest(db)).toEqual(names.map((n) => `applied ${n}`));
    expect(await fingerprint()).toEqual(before);

    // The rebuilt schema works: triggers and all.
    await db.insertInto('users').values({ id: 'auth0|again', email: 'again@x.test' }).execute();
    const cluster = await db
      .insertInto('hopsworksClusters')
      .values({ name: 'again', apiUrl: 'https://again.test', apiKey: 'enc:v1:a:b:c' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('userHopsworksAssignments')
      .values({ userId: 'auth0|again', hopsworksClusterId: cluster.id })
      .execute();
    const row = await db
      .selectFrom('hopsworksClusters')
      .select('currentUsers')
      .where('id', '=', cluster.id)
      .executeTakeFirstOrThrow();
    expect(row.currentUsers).toBe(1);
  });
});
