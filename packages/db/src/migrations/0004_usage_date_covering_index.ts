// usage.top reads every row of its date range: with the account, the user and the cost carried in
// the index on `date`, it is an index-only scan instead of heap reads (measured in BENCHMARKS.md,
// "Queries at scale"). The index replaces the plain one of the same key, so ingestion maintains
// no extra index. On a large table run it by hand with CREATE INDEX CONCURRENTLY first.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX usage_daily_date_idx`.execute(db);
  await sql`
    CREATE INDEX usage_daily_date_idx ON usage_daily (date)
      INCLUDE (account_owner_id, user_id, total_cost)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX usage_daily_date_idx`.execute(db);
  await sql`CREATE INDEX usage_daily_date_idx ON usage_daily (date)`.execute(db);
}
