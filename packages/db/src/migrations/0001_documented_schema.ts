// The seven tables, three views and functions of the documented design (SPEC §2.1, §2.3, §2.4),
// with the holes of its first implementation closed in the database itself.
import { sql, type Kysely } from 'kysely';

const uuidPk = sql`gen_random_uuid()`;
const numeric = 'numeric(14, 4)';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time and must not depend on the current Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.updated_at := now();
      RETURN NEW;
    END $$`.execute(db);

  // users
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_login_at', 'timestamptz')
    .addColumn('login_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('account_owner_id', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('billing_mode', 'text', (c) => c.notNull().defaultTo('postpaid'))
    .addColumn('stripe_customer_id', 'text')
    .addColumn('stripe_test_customer_id', 'text')
    .addColumn('is_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('feature_flags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('hopsworks_username', 'text')
    .addColumn('registration_source', 'text')
    .addColumn('registration_ip', sql`inet`)
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addCheckConstraint('users_status_check', sql`status IN ('active', 'suspended', 'deleted')`)
    .addCheckConstraint('users_billing_mode_check', sql`billing_mode IN ('prepaid', 'postpaid')`)
    .addCheckConstraint('users_not_own_owner_check', sql`account_owner_id <> id`)
    .execute();
  await sql`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`.execute(db);
  await db.schema.createIndex('users_created_at_idx').on('users').column('created_at').execute();
  await db.schema
    .createIndex('users_account_owner_id_idx')
    .on('users')
    .column('account_owner_id')
    .where(sql.ref('account_owner_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('users_stripe_customer_id_idx')
    .on('users')
    .column('stripe_customer_id')
    .where(sql.ref('stripe_customer_id'), 'is not', null)
    .execute();

  // No nested teams: a member's owner must be an owner, and a user with members cannot become a
  // member. Row locks make the check hold between concurrent transactions too.
  await sql`
    CREATE FUNCTION enforce_no_nested_teams() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      owner_of_owner text;
    BEGIN
      IF NEW.account_owner_id IS NULL THEN
        RETURN NEW;
      END IF;
      -- Wait for anyone adding members to this user, then look with a fresh snapshot.
      PERFORM 1 FROM users WHERE id = NEW.id FOR UPDATE;
      IF EXISTS (SELECT 1 FROM users WHERE account_owner_id = NEW.id) THEN
        RAISE EXCEPTION 'user % has team members and cannot become a member of another account', NEW.id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'users_no_nested_teams';
      END IF;
      SELECT account_owner_id INTO owner_of_owner FROM users WHERE id = NEW.account_owner_id FOR SHARE;
      IF owner_of_owner IS NOT NULL THEN
        RAISE EXCEPTION 'user % is a member of another account and cannot own members', NEW.account_owner_id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'users_no_nested_teams';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER users_no_nested_teams
      BEFORE INSERT OR UPDATE OF account_owner_id ON users
      FOR EACH ROW EXECUTE FUNCTION enforce_no_nested_teams()`.execute(db);
  await updatedAtTrigger(db, 'users');

  // team_invites
  await db.schema
    .createTable('team_invites')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn('account_owner_id', 'text', (c) =>
      c.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('project_role', 'text', (c) => c.notNull().defaultTo('Data scientist'))
    .addColumn('expires_at', 'timestamptz', (c) =>
      c.notNull().defaultTo(sql`now() + interval '7 days'`),
    )
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('accepted_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'team_invites_project_role_check',
      sql`project_role IN ('Data owner', 'Data scientist', 'Observer')`,
    )
    .addCheckConstraint('team_invites_token_sha256_check', sql`token ~ '^[0-9a-f]{64}$'`)
    .execute();
  await sql`
    CREATE UNIQUE INDEX team_invites_one_open_per_email ON team_invites (account_owner_id, lower(email))
      WHERE accepted_at IS NULL AND revoked_at IS NULL`.execute(db);
  await sql`CREATE INDEX team_invites_email_lower_idx ON team_invites (lower(email))`.execute(db);

  // user_credits
  await db.schema
    .createTable('user_credits')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn('user_id', 'text', (c) =>
      c.notNull().unique().references('users.id').onDelete('cascade'),
    )
    .addColumn('total_purchased', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('total_used', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('free_credits_granted', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('free_credits_used', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('cpu_hours_used', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('gpu_hours_used', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('storage_gb_months', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('last_purchase_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'user_credits_non_negative_check',
      sql`total_purchased >= 0 AND total_used >= 0 AND free_credits_granted >= 0 AND free_credits_used >= 0
          AND cpu_hours_used >= 0 AND gpu_hours_used >= 0 AND storage_gb_months >= 0`,
    )
    .addCheckConstraint('user_credits_paid_used_check', sql`total_used <= total_purchased`)
    .addCheckConstraint(
      'user_credits_free_used_check',
      sql`free_credits_used <= free_credits_granted`,
    )
    .execute();
  await updatedAtTrigger(db, 'user_credits');

  // hopsworks_clusters
  await db.schema
    .createTable('hopsworks_clusters')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('api_url', 'text', (c) => c.notNull())
    .addColumn('api_key', 'text', (c) => c.notNull())
    .addColumn('max_users', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('current_users', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('kubeconfig', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('hopsworks_clusters_max_users_check', sql`max_users > 0`)
    .addCheckConstraint('hopsworks_clusters_current_users_check', sql`current_users >= 0`)
    .addCheckConstraint(
      'hopsworks_clusters_status_check',
      sql`status IN ('active', 'maintenance', 'full', 'inactive')`,
    )
    .addCheckConstraint('hopsworks_clusters_api_url_check', sql`api_url ~ '^https://'`)
    .execute();
  await updatedAtTrigger(db, 'hopsworks_clusters');

  // user_hopsworks_assignments
  await db.schema
    .createTable('user_hopsworks_assignments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn('user_id', 'text', (c) =>
      c.notNull().unique().references('users.id').onDelete('cascade'),
    )
    .addColumn('hopsworks_cluster_id', 'uuid', (c) =>
      c.notNull().references('hopsworks_clusters.id').onDelete('restrict'),
    )
    .addColumn('assigned_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('assigned_by', 'text', (c) => c.notNull().defaultTo('system'))
    .addColumn('hopsworks_username', 'text')
    .addCheckConstraint(
      'user_hopsworks_assignments_assigned_by_check',
      sql`assigned_by IN ('system', 'team_member_auto') OR assigned_by LIKE 'admin:%'`,
    )
    .execute();
  await db.schema
    .createIndex('user_hopsworks_assignments_cluster_idx')
    .on('user_hopsworks_assignments')
    .column('hopsworks_cluster_id')
    .execute();

  // current_users is kept by the assignment triggers alone. Writers set a transaction-local flag
  // that the guard on hopsworks_clusters checks, so a hand-written value is refused. Rows are
  // locked in id order so that two moves in opposite directions cannot deadlock, and FOR NO KEY
  // UPDATE (what the UPDATE itself takes), not FOR UPDATE: the foreign-key check on the new
  // cluster runs first and holds FOR KEY SHARE on it, which FOR UPDATE would wait for, and two
  // opposite moves then deadlock on each other's key-share locks.
  await sql`
    CREATE FUNCTION adjust_cluster_users(cluster_id uuid, delta integer) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM set_config('hops.maintaining_current_users', 'on', true);
      UPDATE hopsworks_clusters SET current_users = current_users + delta WHERE id = cluster_id;
      PERFORM set_config('hops.maintaining_current_users', 'off', true);
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION maintain_cluster_current_users() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM adjust_cluster_users(NEW.hopsworks_cluster_id, 1);
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM adjust_cluster_users(OLD.hopsworks_cluster_id, -1);
      ELSIF NEW.hopsworks_cluster_id IS DISTINCT FROM OLD.hopsworks_cluster_id THEN
        PERFORM 1 FROM hopsworks_clusters
          WHERE id IN (OLD.hopsworks_cluster_id, NEW.hopsworks_cluster_id) ORDER BY id
          FOR NO KEY UPDATE;
        PERFORM adjust_cluster_users(OLD.hopsworks_cluster_id, -1);
        PERFORM adjust_cluster_users(NEW.hopsworks_cluster_id, 1);
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER user_hopsworks_assignments_current_users
      AFTER INSERT OR DELETE OR UPDATE OF hopsworks_cluster_id ON user_hopsworks_assignments
      FOR EACH ROW EXECUTE FUNCTION maintain_cluster_current_users()`.execute(db);
  await sql`
    CREATE FUNCTION guard_cluster_current_users() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.current_users <> 0 THEN
          RAISE EXCEPTION 'current_users is kept by the assignment triggers; a new cluster starts at 0'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'hopsworks_clusters_current_users_managed';
        END IF;
      ELSIF NEW.current_users IS DISTINCT FROM OLD.current_users
            AND current_setting('hops.maintaining_current_users', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'current_users is kept by the assignment triggers and cannot be written by hand'
          USING ERRCODE = 'check_violation', CONSTRAINT = 'hopsworks_clusters_current_users_managed';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER hopsworks_clusters_current_users_guard
      BEFORE INSERT OR UPDATE OF current_users ON hopsworks_clusters
      FOR EACH ROW EXECUTE FUNCTION guard_cluster_current_users()`.execute(db);
  // Kept for compatibility with the documented schema. They no longer add or subtract (which is
  // how the count drifted); they recount the cluster's assignments exactly.
  for (const name of ['increment_cluster_users', 'decrement_cluster_users']) {
    await sql`
      CREATE FUNCTION ${sql.raw(name)}(cluster_id uuid) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM set_config('hops.maintaining_current_users', 'on', true);
        UPDATE hopsworks_clusters c
          SET current_users = (SELECT count(*) FROM user_hopsworks_assignments a
                               WHERE a.hopsworks_cluster_id = c.id)
          WHERE c.id = cluster_id;
        PERFORM set_config('hops.maintaining_current_users', 'off', true);
      END $$`.execute(db);
  }

  // usage_daily
  await db.schema
    .createTable('usage_daily')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('account_owner_id', 'text', (c) =>
      c.notNull().references('users.id').onDelete('restrict'),
    )
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('hopsworks_cluster_id', 'uuid', (c) =>
      c.references('hopsworks_clusters.id').onDelete('set null'),
    )
    .addColumn('cpu_hours', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('gpu_hours', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('ram_gb_hours', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('online_storage_gb', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('offline_storage_gb', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('network_egress_gb', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('cpu_cost', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('gpu_cost', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('ram_cost', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('storage_cost', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('network_cost', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('total_cost', numeric, (c) => c.notNull().defaultTo(0))
    .addColumn('project_breakdown', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('rate_card', 'text', (c) => c.notNull())
    .addColumn('reported_to_stripe', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('usage_daily_user_id_date_key', ['user_id', 'date'])
    .addCheckConstraint(
      'usage_daily_quantities_non_negative_check',
      sql`cpu_hours >= 0 AND gpu_hours >= 0 AND ram_gb_hours >= 0 AND online_storage_gb >= 0
          AND offline_storage_gb >= 0 AND network_egress_gb >= 0`,
    )
    .addCheckConstraint(
      'usage_daily_costs_non_negative_check',
      sql`cpu_cost >= 0 AND gpu_cost >= 0 AND ram_cost >= 0 AND storage_cost >= 0 AND network_cost >= 0`,
    )
    .addCheckConstraint(
      'usage_daily_total_cost_check',
      sql`total_cost = cpu_cost + gpu_cost + ram_cost + storage_cost + network_cost`,
    )
    .execute();
  await db.schema
    .createIndex('usage_daily_account_owner_id_date_idx')
    .on('usage_daily')
    .columns(['account_owner_id', 'date'])
    .execute();
  await db.schema.createIndex('usage_daily_date_idx').on('usage_daily').column('date').execute();
  await updatedAtTrigger(db, 'usage_daily');

  // stripe_products (deprecated; kept so the documented schema is complete)
  await db.schema
    .createTable('stripe_products')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
    .addColumn('product_type', 'text', (c) => c.notNull())
    .addColumn('stripe_product_id', 'text', (c) => c.notNull())
    .addColumn('stripe_price_id', 'text', (c) => c.notNull())
    .addColumn('unit_price', 'numeric(14, 6)', (c) => c.notNull())
    .addColumn('unit_name', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await updatedAtTrigger(db, 'stripe_products');

  // Views. Costs are sums of stored costs, never recomputed. Quantities inside jsonb are text so
  // that no decimal turns into a float on the way out.
  await sql`
    CREATE VIEW team_members AS
    SELECT m.id AS member_id, m.email AS member_email, m.name AS member_name,
           COALESCE((SELECT max(i.accepted_at) FROM team_invites i
                     WHERE i.accepted_by_user_id = m.id AND i.account_owner_id = o.id),
                    m.created_at) AS joined_at,
           m.hopsworks_username, m.last_login_at,
           o.id AS owner_id, o.email AS owner_email, o.name AS owner_name
    FROM users m
    JOIN users o ON o.id = m.account_owner_id`.execute(db);
  await sql`
    CREATE VIEW account_usage AS
    SELECT account_owner_id, date,
           sum(cpu_hours) AS total_cpu_hours, sum(gpu_hours) AS total_gpu_hours,
           sum(ram_gb_hours) AS total_ram_gb_hours,
           sum(online_storage_gb) AS total_online_storage_gb,
           sum(offline_storage_gb) AS total_offline_storage_gb,
           sum(network_egress_gb) AS total_network_egress_gb,
           sum(cpu_cost) AS cpu_cost, sum(gpu_cost) AS gpu_cost, sum(ram_cost) AS ram_cost,
           sum(storage_cost) AS storage_cost, sum(network_cost) AS network_cost,
           sum(total_cost) AS total_cost
    FROM usage_daily
    GROUP BY account_owner_id, date`.execute(db);
  await sql`
    CREATE VIEW account_usage_summary AS
    SELECT u.account_owner_id, u.date, o.email AS owner_email,
           sum(u.cpu_hours) AS total_cpu_hours, sum(u.gpu_hours) AS total_gpu_hours,
           sum(u.ram_gb_hours) AS total_ram_gb_hours,
           sum(u.online_storage_gb) AS total_online_storage_gb,
           sum(u.offline_storage_gb) AS total_offline_storage_gb,
           sum(u.network_egress_gb) AS total_network_egress_gb,
           sum(u.cpu_cost) AS cpu_cost, sum(u.gpu_cost) AS gpu_cost, sum(u.ram_cost) AS ram_cost,
           sum(u.storage_cost) AS storage_cost, sum(u.network_cost) AS network_cost,
           sum(u.total_cost) AS total_cost,
           count(DISTINCT u.user_id) AS active_users,
           jsonb_object_agg(u.user_id, jsonb_build_object(
             'cpu_hours', u.cpu_hours::text, 'gpu_hours', u.gpu_hours::text,
             'ram_gb_hours', u.ram_gb_hours::text,
             'online_storage_gb', u.online_storage_gb::text,
             'offline_storage_gb', u.offline_storage_gb::text,
             'network_egress_gb', u.network_egress_gb::text,
             'total_cost', u.total_cost::text)) AS user_breakdown
    FROM usage_daily u
    JOIN users o ON o.id = u.account_owner_id
    GROUP BY u.account_owner_id, u.date, o.email`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP VIEW account_usage_summary, account_usage, team_members`.execute(db);
  for (const table of [
    'stripe_products',
    'usage_daily',
    'user_hopsworks_assignments',
    'hopsworks_clusters',
    'user_credits',
    'team_invites',
    'users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`DROP FUNCTION increment_cluster_users(uuid), decrement_cluster_users(uuid),
            guard_cluster_current_users(), maintain_cluster_current_users(),
            adjust_cluster_users(uuid, integer), enforce_no_nested_teams(),
            update_updated_at_column()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function updatedAtTrigger(db: Kysely<any>, table: string): Promise<void> {
  await sql`
    CREATE TRIGGER ${sql.raw(`${table}_updated_at`)} BEFORE UPDATE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`.execute(db);
}
