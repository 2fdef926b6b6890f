// Billing through Stripe (SPEC §8): the events the webhook has claimed, each owner's Stripe billing
// state, and the record of what the usage reporter told Stripe.
//
// The billing state is its own table keyed by owner rather than more columns on `users`: only
// accounts billed through Stripe have one, its presence is what says "this account's eligibility
// is decided by its card" (services/assignment.ts), and `payment_failed` gets typed columns
// (invoice, amount, date) instead of an untyped value in `feature_flags`.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('stripe_customer_id', 'text')
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('outcome', 'text', (c) => c.notNull().defaultTo('applied'))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addCheckConstraint(
      'stripe_events_outcome_check',
      sql`outcome IN ('applied', 'ignored', 'unknown_customer')`,
    )
    .execute();

  await db.schema
    .createTable('billing_accounts')
    .addColumn('owner_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('stripe_customer_id', 'text', (c) => c.notNull().unique())
    .addColumn('stripe_subscription_id', 'text', (c) => c.unique())
    .addColumn('subscription_status', 'text')
    .addColumn('default_payment_method_id', 'text')
    .addColumn('card_brand', 'text')
    .addColumn('card_last4', 'text')
    .addColumn('card_exp_month', 'integer')
    .addColumn('card_exp_year', 'integer')
    .addColumn('payment_failed_invoice_id', 'text')
    .addColumn('payment_failed_amount', sql`numeric(14, 2)`)
    .addColumn('payment_failed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'billing_accounts_payment_failed_check',
      sql`(payment_failed_invoice_id IS NULL) = (payment_failed_at IS NULL)`,
    )
    .execute();
  await sql`
    CREATE TRIGGER billing_accounts_updated_at BEFORE UPDATE ON billing_accounts
      FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`.execute(db);

  await db.schema
    .createTable('stripe_usage_reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('units', 'bigint', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('stripe_usage_reports_owner_date_revision_key', [
      'owner_id',
      'date',
      'revision',
    ])
    .addCheckConstraint(
      'stripe_usage_reports_state_check',
      sql`state IN ('pending', 'sent', 'failed', 'late')`,
    )
    .addCheckConstraint('stripe_usage_reports_revision_check', sql`revision > 0`)
    .addCheckConstraint('stripe_usage_reports_units_check', sql`units >= 0`)
    .addCheckConstraint(
      'stripe_usage_reports_identifier_check',
      sql`char_length(identifier) <= 100`,
    )
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stripe_usage_reports').execute();
  await db.schema.dropTable('billing_accounts').execute();
  await db.schema.dropTable('stripe_events').execute();
}
