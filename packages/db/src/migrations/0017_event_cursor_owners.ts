// Event cursors have an owner (SPEC §12): the name of the service token that first read or moved
// the consumer's cursor; no other token may move it. Cursors made before this have none yet: the
// first token to use one after the upgrade owns it.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('event_cursors').addColumn('owner_token', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('event_cursors').dropColumn('owner_token').execute();
}
