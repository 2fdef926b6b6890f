// Revocable sessions (SPEC §12): sessions are signed cookies that carry their issue time; a
// session issued before the user's `sessions_valid_after` is refused. Logging out, a suspension,
// a deletion and "sign out everywhere" set it, ending every session of that person at once.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('sessions_valid_after', 'timestamptz').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('sessions_valid_after').execute();
}
