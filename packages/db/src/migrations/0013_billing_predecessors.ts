// Usage a former owner paid stays theirs after a transfer (SPEC §11), but the Stripe customer that
// bills it moved to the new owner: billing_predecessors says, for each former owner, which owner's
// customer now bills the days they paid, up to and including the day of the transfer. The usage
// reporter (SPEC §8) sums an owner's days over themselves and their predecessors, so a day the old
// owner had not reported yet, or one corrected later, still reaches Stripe, as the whole day.
import { type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('billing_predecessors')
    .addColumn('payer_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('through', 'date', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(db.fn('now')))
    .execute();
  await db.schema
    .createIndex('billing_predecessors_owner_idx')
    .on('billing_predecessors')
    .column('owner_id')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('billing_predecessors').execute();
}
