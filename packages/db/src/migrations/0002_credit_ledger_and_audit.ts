// The credits ledger and the audit log (SPEC §2.2): both append-only, both written in the same
// transaction as the change they record.
import { sql, type Kysely } from 'kysely';

const numeric = 'numeric(14, 4)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION refuse_change_to_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: rows cannot be updated or deleted', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
    END $$`.execute(db);

  await db.schema
    .createTable('credit_transactions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('amount', numeric, (c) => c.notNull())
    .addColumn('balance_after', numeric, (c) => c.notNull())
    .addColumn('usage_daily_id', 'uuid', (c) => c.references('usage_daily.id').onDelete('set null'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'credit_transactions_kind_check',
      sql`kind IN ('purchase', 'grant', 'usage', 'refund', 'adjustment')`,
    )
    .addCheckConstraint('credit_transactions_pool_check', sql`pool IN ('paid', 'free')`)
    .addCheckConstraint('credit_transactions_amount_check', sql`amount <> 0`)
    .addCheckConstraint('credit_transactions_balance_check', sql`balance_after >= 0`)
    .execute();
  await db.schema
    .createIndex('credit_transactions_user_id_created_at_idx')
    .on('credit_transactions')
    .columns(['user_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('credit_transactions_usage_daily_id_idx')
    .on('credit_transactions')
    .column('usage_daily_id')
    .where(sql.ref('usage_daily_id'), 'is not', null)
    .execute();

  // Usage cost that the credits could not cover (a prepaid balance never goes below zero).
  await db.schema
    .alterTable('user_credits')
    .addColumn('unpaid_usage', numeric, (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`unpaid_usage >= 0`),
    )
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_user_id', 'text')
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addCheckConstraint('audit_log_via_check', sql`via IN ('web', 'slack', 'service', 'system')`)
    .execute();
  await db.schema
    .createIndex('audit_log_at_idx')
    .on('audit_log')
    .columns(['at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('audit_log_actor_idx')
    .on('audit_log')
    .columns(['actor_user_id', 'at'])
    .execute();
  await db.schema
    .createIndex('audit_log_target_idx')
    .on('audit_log')
    .columns(['target_id', 'at'])
    .execute();
  await db.schema
    .createIndex('audit_log_action_idx')
    .on('audit_log')
    .columns(['action', 'at'])
    .execute();

  for (const table of ['credit_transactions', 'audit_log']) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)}
        FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only()`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.alterTable('user_credits').dropColumn('unpaid_usage').execute();
  await db.schema.dropTable('credit_transactions').execute();
  await sql`DROP FUNCTION refuse_change_to_append_only()`.execute(db);
}
