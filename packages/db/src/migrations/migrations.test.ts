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

describe('0015 usage_daily partitioned by month', () => {
  const usageRows = () =>
    sql<{ row: Record<string, unknown> }>`
      SELECT to_jsonb(u) AS row FROM usage_daily u ORDER BY id`
      .execute(plain)
      .then((r) => r.rows.map((x) => x.row));
  const ledgerRows = () =>
    sql<{ usage: string | null; amount: string }>`
      SELECT usage_daily_id AS usage, amount::text FROM credit_transactions
      WHERE user_id = 'auth0|part-owner' ORDER BY created_at, id`
      .execute(plain)
      .then((r) => r.rows);
  const views = () =>
    sql<{ item: string }>`
      SELECT to_jsonb(a)::text AS item FROM account_usage a WHERE account_owner_id = 'auth0|part-owner'
      UNION ALL
      SELECT to_jsonb(s)::text FROM account_usage_summary s WHERE account_owner_id = 'auth0|part-owner'
      ORDER BY 1`
      .execute(plain)
      .then((r) => r.rows.map((x) => x.item));
  /** Where each row is stored: its partition's name, or usage_daily itself when plain. */
  const homes = () =>
    sql<{ date: string; home: string }>`
      SELECT date::text, tableoid::regclass::text AS home FROM usage_daily ORDER BY date`
      .execute(plain)
      .then((r) => r.rows);
  const relkind = () =>
    sql<{
      kind: string;
    }>`SELECT relkind::text AS kind FROM pg_class WHERE oid = 'usage_daily'::regclass`
      .execute(plain)
      .then((r) => r.rows[0]!.kind);

  const now = new Date();
  const firstOfThis = `${now.toISOString().slice(0, 7)}-01`;
  const lastOfPrevious = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0))
    .toISOString()
    .slice(0, 10);
  const partitionOf = (day: string) => `usage_daily_${day.slice(0, 4)}_${day.slice(5, 7)}`;

  it('keeps every row, ledger reference and view total down to the plain table and up again', async () => {
    // Later migrations are reverted first, so that 0015 is the last one applied.
    while ((await applied()).at(-1) !== '0015_usage_daily_partitioned') await migrateDown(db);
    await db
      .insertInto('users')
      .values([
        { id: 'auth0|part-owner', email: 'part-owner@x.test', billingMode: 'prepaid' },
        { id: 'auth0|part-member', email: 'part-member@x.test' },
      ])
      .execute();
    await db
      .updateTable('users')
      .set({ accountOwnerId: 'auth0|part-owner' })
      .where('id', '=', 'auth0|part-member')
      .execute();
    // Three months: this one has its partition; the month before and 2019 are older than any
    // (the database was empty when it was migrated), so they land in the default partition.
    const days = ['2019-05-05', lastOfPrevious, firstOfThis];
    const inserted = await db
      .insertInto('usageDaily')
      .values(
        days.flatMap((date, i) =>
          ['auth0|part-owner', 'auth0|part-member'].map((userId) => ({
            userId,
            accountOwnerId: 'auth0|part-owner',
            date,
            cpuHours: `${i + 1}.5`,
            cpuCost: `${i + 1}.25`,
            totalCost: `${i + 1}.25`,
            rateCard: 'test',
          })),
        ),
      )
      .returning(['id', 'date'])
      .execute();
    expect((await homes()).map((h) => h.home)).toEqual([
      'usage_daily_default',
      'usage_daily_default',
      'usage_daily_default',
      'usage_daily_default',
      partitionOf(firstOfThis),
      partitionOf(firstOfThis),
    ]);
    // One reference with its date (as the API writes it), one with the id alone (filled in).
    await db
      .insertInto('creditTransactions')
      .values([
        {
          userId: 'auth0|part-owner',
          kind: 'grant',
          pool: 'free',
          amount: '10',
          balanceAfter: '10',
          actor: 't',
        },
        {
          userId: 'auth0|part-owner',
          kind: 'usage',
          pool: 'free',
          amount: '-1.25',
          balanceAfter: '8.75',
          usageDailyId: inserted[0]!.id,
          usageDailyDate: inserted[0]!.date,
          actor: 't',
        },
        {
          userId: 'auth0|part-owner',
          kind: 'usage',
          pool: 'free',
          amount: '-2.25',
          balanceAfter: '6.5',
          usageDailyId: inserted[2]!.id,
          actor: 't',
        },
      ])
      .execute();
    const { rows: dated } = await sql<{ id: string; date: string }>`
      SELECT usage_daily_id AS id, usage_daily_date::text AS date FROM credit_transactions
      WHERE usage_daily_id IS NOT NULL ORDER BY usage_daily_date`.execute(plain);
    expect(dated).toEqual([
      { id: inserted[0]!.id, date: '2019-05-05' },
      { id: inserted[2]!.id, date: lastOfPrevious },
    ]);

    const rows = await usageRows();
    const ledger = await ledgerRows();
    const totals = await views();
    expect(rows).toHaveLength(6);
    expect(totals).toHaveLength(6);
    expect(await relkind()).toBe('p');

    expect(await migrateDown(db)).toEqual(['reverted 0015_usage_daily_partitioned']);
    expect(await relkind()).toBe('r');
    expect(await usageRows()).toEqual(rows);
    expect(await ledgerRows()).toEqual(ledger);
    expect(await views()).toEqual(totals);
    expect(new Set((await homes()).map((h) => h.home))).toEqual(new Set(['usage_daily']));
    // The plain table's reference is back: a referenced row still cannot go (append-only ledger).
    await expect(
      db.deleteFrom('usageDaily').where('id', '=', inserted[2]!.id).execute(),
    ).rejects.toThrow(/append-only/);

    expect((await migrateToLatest(db))[0]).toBe('applied 0015_usage_daily_partitioned');
    expect(await relkind()).toBe('p');
    expect(await usageRows()).toEqual(rows);
    expect(await ledgerRows()).toEqual(ledger);
    expect(await views()).toEqual(totals);
    // Now every month from the first one with usage has its partition; the default is empty.
    expect((await homes()).map((h) => h.home)).toEqual([
      'usage_daily_2019_05',
      'usage_daily_2019_05',
      partitionOf(lastOfPrevious),
      partitionOf(lastOfPrevious),
      partitionOf(firstOfThis),
      partitionOf(firstOfThis),
    ]);
    const { rows: partitions } = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'usage_daily'::regclass ORDER BY 1`.execute(plain);
    const names = partitions.map((p) => p.name);
    expect(names[0]).toBe('usage_daily_2019_05');
    expect(names).toContain('usage_daily_2023_07'); // no gaps between the first and the last
    expect(names.at(-1)).toBe('usage_daily_default');
    expect(names).toContain(partitionOf(firstOfThis));
    const ahead = names.filter((n) => n > partitionOf(firstOfThis) && n !== 'usage_daily_default');
    expect(ahead).toHaveLength(3);
    // The ledger's dates were filled in again from the rows, and the composite reference holds.
    const { rows: again } = await sql<{ id: string; date: string }>`
      SELECT usage_daily_id AS id, usage_daily_date::text AS date FROM credit_transactions
      WHERE usage_daily_id IS NOT NULL ORDER BY usage_daily_date`.execute(plain);
    expect(again).toEqual(dated);
    await expect(
      db.deleteFrom('usageDaily').where('id', '=', inserted[2]!.id).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`ALTER TABLE usage_daily DETACH PARTITION ${sql.table(partitionOf(lastOfPrevious))}`.execute(
        plain,
      ),
    ).rejects.toThrow(
      /removing partition "usage_daily_\d{4}_\d{2}" violates foreign key constraint/,
    );
  });

  it('refuses a ledger reference to no usage row, and a duplicate user-day in any partition', async () => {
    await expect(
      db
        .insertInto('creditTransactions')
        .values({
          userId: 'auth0|part-owner',
          kind: 'usage',
          pool: 'free',
          amount: '-1',
          balanceAfter: '5.5',
          usageDailyId: '00000000-0000-4000-8000-000000000000',
          actor: 't',
        })
        .execute(),
    ).rejects.toMatchObject({ code: '23503', constraint: 'credit_transactions_usage_daily_fkey' });
    await expect(
      db
        .insertInto('usageDaily')
        .values({
          userId: 'auth0|part-member',
          accountOwnerId: 'auth0|part-owner',
          date: '2019-05-05',
          rateCard: 'test',
        })
        .execute(),
    ).rejects.toMatchObject({ code: '23505' });
  });
});
