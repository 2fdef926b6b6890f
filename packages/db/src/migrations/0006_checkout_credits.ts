// Top-ups bought through Stripe Checkout (SPEC §8), claimed by their Checkout Session: the webhook
// credits a paid session once, whichever event (and however many of them) announces it. The event
// id claim in stripe_events stops a repeated delivery; this stops a second event about the same
// session (Stripe may send `checkout.session.completed` and, for delayed methods,
// `checkout.session.async_payment_succeeded`; an operator may replay one under a new id).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stripe_checkout_credits')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('amount', sql`numeric(14, 2)`, (c) => c.notNull())
    .addColumn('stripe_event_id', 'text', (c) => c.notNull())
    .addColumn('credited_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('stripe_checkout_credits_amount_check', sql`amount > 0`)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stripe_checkout_credits').execute();
}
