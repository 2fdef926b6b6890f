// Job runners that say they are alive (SPEC §9, §12): graphile-worker locks a job under its
// runner's pool id and frees the lock of a runner that died only after 4 hours. Each runner writes
// its pool id here every few seconds; any runner frees the jobs of one that has gone silent.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_runner_heartbeats')
    .addColumn('pool_id', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_runner_heartbeats').execute();
}
