// The two tables the partition benchmark compares, built from the same rows: usage_daily as
// migration 0015 makes it (monthly range partitions and a default one, primary key (id, date)) in
// schema bench_part, and the plain table it replaced (migrations 0001, 0004, 0007) in bench_plain,
// each with the product's keys, indexes, foreign keys and trigger. Each is reached through a
// search_path, so the product's own statements (which say `usage_daily`) run on it unchanged.
import { addDays, monthStart } from '@hops/api/days';
import type { Db } from '@hops/db';
import { sql } from 'kysely';

export type Layout = 'plain' | 'part';
export const SCHEMA: Record<Layout, string> = { plain: 'bench_plain', part: 'bench_part' };

/** `url` with the layout's schema first on the search_path (public after it, for users & co.). */
export function urlFor(url: string, layout: Layout): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${SCHEMA[layout]},public`);
  return u.toString();
}

/** The first day of the month after the month of `day`. */
export function nextMonth(day: string): string {
  return monthStart(addDays(monthStart(day), 31));
}

export const partitionOf = (layout: Layout, day: string) =>
  `${SCHEMA[layout]}.usage_daily_${day.slice(0, 4)}_${day.slice(5, 7)}`;

/**
 * Builds `layout`'s usage_daily from public.usage_daily: rows first, then keys and indexes (as the
 * migration does), then VACUUM ANALYZE. Partitions: every month with rows up to `lastMonth`, and
 * the default. Returns the seconds it took.
 */
export async function buildTable(db: Db, layout: Layout, lastMonth: string): Promise<number> {
  const started = performance.now();
  const schema = sql.id(SCHEMA[layout]);
  const table = sql.id(SCHEMA[layout], 'usage_daily');
  await sql`DROP SCHEMA IF EXISTS ${schema} CASCADE`.execute(db);
  await sql`CREATE SCHEMA ${schema}`.execute(db);
  const like = sql`(LIKE public.usage_daily INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`;
  if (layout === 'plain') {
    await sql`CREATE TABLE ${table} ${like}`.execute(db);
  } else {
    await sql`CREATE TABLE ${table} ${like} PARTITION BY RANGE (date)`.execute(db);
    const { rows } = await sql<{ first: string }>`
      SELECT min(date)::text AS first FROM public.usage_daily`.execute(db);
    for (let m = monthStart(rows[0]!.first); m <= lastMonth; m = nextMonth(m)) {
      const [s, name] = partitionOf(layout, m).split('.');
      await sql`
        CREATE TABLE ${sql.id(s!, name!)} PARTITION OF ${table}
          FOR VALUES FROM (${sql.lit(m)}) TO (${sql.lit(nextMonth(m))})`.execute(db);
    }
    await sql`CREATE TABLE ${sql.id(SCHEMA[layout], 'usage_daily_default')} PARTITION OF ${table} DEFAULT`.execute(
      db,
    );
  }
  await sql`INSERT INTO ${table} SELECT * FROM public.usage_daily`.execute(db);
  const key = layout === 'plain' ? sql`(id)` : sql`(id, date)`;
  await sql`ALTER TABLE ${table} ADD PRIMARY KEY ${key}`.execute(db);
  await sql`ALTER TABLE ${table} ADD UNIQUE (user_id, date)`.execute(db);
  await sql`
    ALTER TABLE ${table}
      ADD FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE RESTRICT,
      ADD FOREIGN KEY (account_owner_id) REFERENCES public.users (id) ON DELETE RESTRICT,
      ADD FOREIGN KEY (hopsworks_cluster_id) REFERENCES public.hopsworks_clusters (id)
        ON DELETE SET NULL`.execute(db);
  await sql`CREATE INDEX ON ${table} (account_owner_id, date)`.execute(db);
  await sql`CREATE INDEX ON ${table} (date) INCLUDE (account_owner_id, user_id, total_cost)`.execute(
    db,
  );
  await sql`CREATE INDEX ON ${table} (account_owner_id, date) WHERE NOT reported_to_stripe`.execute(
    db,
  );
  await sql`
    CREATE TRIGGER usage_daily_updated_at BEFORE UPDATE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column()`.execute(db);
  await sql`VACUUM ANALYZE ${table}`.execute(db);
  if (layout === 'part') {
    // VACUUM of a partitioned table covers its partitions; ANALYZE of the parent its statistics.
    await sql`ANALYZE ${table}`.execute(db);
  }
  return (performance.now() - started) / 1000;
}

export async function dropTables(db: Db): Promise<void> {
  for (const schema of Object.values(SCHEMA)) {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db);
  }
}
