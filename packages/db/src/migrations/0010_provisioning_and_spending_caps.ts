// Accounts on the Hopsworks clusters (SPEC §9) and spending caps (SPEC §11).
//
// hopsworks_provisioning: one row per change of a person's place on a cluster (assigned, moved,
// joined, removed, suspended, capped, …), written in the transaction of that change and carried
// out by a job: the row says what the cluster should do (activate or deactivate the person), and
// keeps the job's state, attempts and last error for the admin pages. The newest row of a
// (user, cluster) is what counts; an older one still waiting is superseded. `lease_until` lets one
// worker at a time talk to the cluster about one person.
//
// Spending caps: per account owner, a monthly cap in USD and its policy; one row per threshold
// crossed per month and cap (the warning is sent once), and the month an account is stopped for.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hopsworks_provisioning')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('cluster_id', 'uuid', (c) =>
      c.notNull().references('hopsworks_clusters.id').onDelete('cascade'),
    )
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('hopsworks_user_id', 'integer')
    .addColumn('hopsworks_username', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addCheckConstraint(
      'hopsworks_provisioning_action_check',
      sql`action IN ('activate', 'deactivate')`,
    )
    .addCheckConstraint(
      'hopsworks_provisioning_reason_check',
      sql`reason IN ('assign', 'move', 'join', 'unassign', 'remove', 'leave', 'suspend',
                     'reactivate', 'delete', 'spending_cap', 'spending_cap_lifted')`,
    )
    .addCheckConstraint(
      'hopsworks_provisioning_state_check',
      sql`state IN ('pending', 'done', 'failed', 'superseded', 'skipped')`,
    )
    .execute();
  await sql`CREATE TRIGGER hopsworks_provisioning_updated_at BEFORE UPDATE ON hopsworks_provisioning
              FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`.execute(db);
  await sql`CREATE INDEX hopsworks_provisioning_user_idx
              ON hopsworks_provisioning (user_id, cluster_id, id DESC)`.execute(db);
  await sql`CREATE INDEX hopsworks_provisioning_cluster_idx
              ON hopsworks_provisioning (cluster_id, id DESC)`.execute(db);

  await db.schema
    .alterTable('users')
    .addColumn('spending_cap_usd', sql`numeric(14, 2)`)
    .addColumn('spending_cap_policy', 'text', (c) => c.notNull().defaultTo('notify'))
    .addColumn('spending_suspended_month', 'date')
    .execute();
  await sql`
    ALTER TABLE users
      ADD CONSTRAINT users_spending_cap_usd_check
        CHECK (spending_cap_usd IS NULL OR spending_cap_usd > 0),
      ADD CONSTRAINT users_spending_cap_policy_check
        CHECK (spending_cap_policy IN ('notify', 'suspend'))`.execute(db);

  await db.schema
    .createTable('spending_cap_alerts')
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('cap_usd', sql`numeric(14, 2)`, (c) => c.notNull())
    .addColumn('threshold', 'smallint', (c) => c.notNull())
    .addColumn('month_to_date_usd', sql`numeric(14, 4)`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('spending_cap_alerts_pkey', [
      'owner_id',
      'month',
      'cap_usd',
      'threshold',
    ])
    .addCheckConstraint('spending_cap_alerts_threshold_check', sql`threshold IN (50, 80, 100)`)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('spending_cap_alerts').execute();
  await db.schema
    .alterTable('users')
    .dropColumn('spending_suspended_month')
    .dropColumn('spending_cap_policy')
    .dropColumn('spending_cap_usd')
    .execute();
  await db.schema.dropTable('hopsworks_provisioning').execute();
}
