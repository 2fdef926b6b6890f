// Rate limits (SPEC §12): one counter per (bucket, key) — a bucket such as `sign-in` or
// `mutations`, a key such as `ip:203.0.113.7` or `user:<id>` — shared by every API server. A
// window begins at a key's first hit and lasts the bucket's window; a hit after it has ended starts
// the next one (the row is reused). Rows whose window has ended are dropped a few at a time by
// later hits, so the table holds roughly the keys seen in the last hour.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('bucket', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('window_end', 'timestamptz', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pkey', ['bucket', 'key'])
    .addCheckConstraint(
      'rate_limits_check',
      sql`hits >= 0 AND window_end > window_start AND length(bucket) BETWEEN 1 AND 50 AND length(key) BETWEEN 1 AND 300`,
    )
    .execute();
  await db.schema
    .createIndex('rate_limits_window_end_idx')
    .on('rate_limits')
    .column('window_end')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
}
