// The usage reporter reads only the owner-days that may need telling Stripe: those with a usage row
// not yet marked reported (ingestion clears the mark whenever a row changes) and those with a
// revision still pending. Two partial indexes keep that read proportional to what changed since
// the last run, not to an account's whole history. On a large table create the first one by hand
// with CREATE INDEX CONCURRENTLY before migrating (this then finds it and does nothing).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE INDEX IF NOT EXISTS usage_daily_unreported_idx ON usage_daily (account_owner_id, date)
    WHERE NOT reported_to_stripe`.execute(db);
  await sql`
    CREATE INDEX IF NOT EXISTS stripe_usage_reports_pending_idx ON stripe_usage_reports (owner_id, date)
    WHERE state = 'pending'`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX stripe_usage_reports_pending_idx`.execute(db);
  await sql`DROP INDEX usage_daily_unreported_idx`.execute(db);
}
