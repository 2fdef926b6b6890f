// The mail outbox (SPEC §10): every mail hops sends is a row written in the same transaction as
// what causes it, and a job sends it afterwards. The row holds the template's kind and its
// parameters (rendered when sent), the recipient, and for an invite its secret, encrypted, until
// the mail is sent; then the secret is erased. `dedupe_key` makes a repeated cause (the same
// threshold crossed twice in a month, say) queue one mail.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('to_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('secret', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addCheckConstraint(
      'mail_outbox_kind_check',
      sql`kind IN ('invite', 'invite_accepted', 'member_removed', 'credits_low',
                   'credits_exhausted', 'payment_failed', 'spending_cap', 'account_deleted')`,
    )
    .addCheckConstraint('mail_outbox_state_check', sql`state IN ('pending', 'sent', 'failed')`)
    .addCheckConstraint('mail_outbox_secret_erased_check', sql`state = 'pending' OR secret IS NULL`)
    .execute();
  await sql`CREATE INDEX mail_outbox_pending_idx ON mail_outbox (created_at) WHERE state = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX mail_outbox_to_user_idx ON mail_outbox (to_user_id, created_at)`.execute(
    db,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_outbox').execute();
}
