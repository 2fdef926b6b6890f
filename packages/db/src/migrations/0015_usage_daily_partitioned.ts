// usage_daily partitioned by month (SPEC §12): native range partitions `usage_daily_YYYY_MM` on
// `date`, one for every month from the first month with usage to three months after this one, and
// a DEFAULT partition so that a row of a month without its partition (a backfill older than the
// first, a test's fixed date) is still stored. A month is dropped by DETACH + DROP instead of a
// DELETE of all its rows. Every unique key holds the partition key: the primary key becomes
// (id, date); UNIQUE (user_id, date) already does. The ledger's reference to a usage row becomes
// (usage_daily_id, usage_daily_date) → (id, date); a writer that gives only the id (an older
// replica during a rolling deploy) gets the date filled in by a trigger, and MATCH FULL refuses a
// reference that names no row. The API's usage.createPartitions job keeps the months ahead
// (packages/api/src/services/usage/partitions.ts). On a large table this rewrites it in one
// transaction that holds usage_daily exclusively (measured in BENCHMARKS.md, "Partitioned
// usage_daily"): run it in a quiet hour.
import { sql, type Kysely } from 'kysely';

/** Months created after the current one; partitions.ts keeps the same distance. */
const MONTHS_AHEAD = 3;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await dropDependents(db);
  await sql`
    ALTER TABLE credit_transactions DROP CONSTRAINT credit_transactions_usage_daily_id_fkey`.execute(
    db,
  );
  await sql`ALTER TABLE usage_daily RENAME TO usage_daily_unpartitioned`.execute(db);
  // Same columns, defaults, NOT NULLs and CHECKs (by name); keys and indexes once the rows are in.
  await sql`
    CREATE TABLE usage_daily
      (LIKE usage_daily_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
      PARTITION BY RANGE (date)`.execute(db);
  const { rows: months } = await sql<{ month: string }>`
    SELECT to_char(m, 'YYYY-MM-DD') AS month
    FROM generate_series(
      date_trunc('month', coalesce((SELECT min(date) FROM usage_daily_unpartitioned),
                                   (now() AT TIME ZONE 'UTC')::date)),
      date_trunc('month', greatest((SELECT max(date) FROM usage_daily_unpartitioned),
                                   (now() AT TIME ZONE 'UTC')::date))
        + make_interval(months => ${MONTHS_AHEAD}),
      interval '1 month') AS m`.execute(db);
  for (const { month } of months) {
    const name = `usage_daily_${month.slice(0, 4)}_${month.slice(5, 7)}`;
    await sql`
      CREATE TABLE ${sql.table(name)} PARTITION OF usage_daily
        FOR VALUES FROM (${sql.lit(month)}) TO (${sql.lit(nextMonth(month))})`.execute(db);
  }
  await sql`CREATE TABLE usage_daily_default PARTITION OF usage_daily DEFAULT`.execute(db);
  await sql`INSERT INTO usage_daily SELECT * FROM usage_daily_unpartitioned`.execute(db);
  await sql`DROP TABLE usage_daily_unpartitioned`.execute(db);

  await sql`ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_pkey PRIMARY KEY (id, date)`.execute(
    db,
  );
  await addKeysIndexesAndTrigger(db);

  await sql`ALTER TABLE credit_transactions ADD COLUMN usage_daily_date date`.execute(db);
  // The ledger is append-only; filling the new column in is the one change made to its rows.
  await sql`ALTER TABLE credit_transactions DISABLE TRIGGER credit_transactions_append_only`.execute(
    db,
  );
  await sql`
    UPDATE credit_transactions t SET usage_daily_date = u.date
    FROM usage_daily u WHERE u.id = t.usage_daily_id`.execute(db);
  await sql`ALTER TABLE credit_transactions ENABLE TRIGGER credit_transactions_append_only`.execute(
    db,
  );
  await sql`
    ALTER TABLE credit_transactions ADD CONSTRAINT credit_transactions_usage_daily_fkey
      FOREIGN KEY (usage_daily_id, usage_daily_date) REFERENCES usage_daily (id, date)
      MATCH FULL ON DELETE SET NULL (usage_daily_id, usage_daily_date)`.execute(db);
  await sql`
    CREATE FUNCTION fill_credit_transaction_usage_date() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.usage_daily_id IS NOT NULL AND NEW.usage_daily_date IS NULL THEN
        SELECT date INTO NEW.usage_daily_date FROM usage_daily WHERE id = NEW.usage_daily_id;
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER credit_transactions_usage_daily_date
      BEFORE INSERT ON credit_transactions
      FOR EACH ROW EXECUTE FUNCTION fill_credit_transaction_usage_date()`.execute(db);
  await createViews(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER credit_transactions_usage_daily_date ON credit_transactions`.execute(db);
  await sql`DROP FUNCTION fill_credit_transaction_usage_date()`.execute(db);
  await sql`ALTER TABLE credit_transactions DROP CONSTRAINT credit_transactions_usage_daily_fkey`.execute(
    db,
  );
  await sql`ALTER TABLE credit_transactions DROP COLUMN usage_daily_date`.execute(db);
  await dropDependents(db);
  await sql`ALTER TABLE usage_daily RENAME TO usage_daily_partitioned`.execute(db);
  await sql`
    CREATE TABLE usage_daily
      (LIKE usage_daily_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(db);
  await sql`INSERT INTO usage_daily SELECT * FROM usage_daily_partitioned`.execute(db);
  // Drops every partition with it.
  await sql`DROP TABLE usage_daily_partitioned`.execute(db);
  await sql`ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_pkey PRIMARY KEY (id)`.execute(db);
  await addKeysIndexesAndTrigger(db);
  await sql`
    ALTER TABLE credit_transactions ADD CONSTRAINT credit_transactions_usage_daily_id_fkey
      FOREIGN KEY (usage_daily_id) REFERENCES usage_daily (id) ON DELETE SET NULL`.execute(db);
  await createViews(db);
}

/** 'YYYY-MM-01' → the first day of the month after it. */
function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const next = Number(month.slice(5, 7)) + 1;
  return next > 12 ? `${year + 1}-01-01` : `${year}-${String(next).padStart(2, '0')}-01`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function dropDependents(db: Kysely<any>): Promise<void> {
  await sql`DROP VIEW account_usage_summary, account_usage`.execute(db);
}

/**
 * What usage_daily has besides its columns and primary key (migrations 0001, 0004, 0007), by the
 * same names; added after the rows are copied, so each is built once instead of row by row.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function addKeysIndexesAndTrigger(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE usage_daily ADD CONSTRAINT usage_daily_user_id_date_key UNIQUE (user_id, date)`.execute(
    db,
  );
  await sql`
    ALTER TABLE usage_daily
      ADD CONSTRAINT usage_daily_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,
      ADD CONSTRAINT usage_daily_account_owner_id_fkey
        FOREIGN KEY (account_owner_id) REFERENCES users (id) ON DELETE RESTRICT,
      ADD CONSTRAINT usage_daily_hopsworks_cluster_id_fkey
        FOREIGN KEY (hopsworks_cluster_id) REFERENCES hopsworks_clusters (id) ON DELETE SET NULL`.execute(
    db,
  );
  await sql`
    CREATE INDEX usage_daily_account_owner_id_date_idx ON usage_daily (account_owner_id, date)`.execute(
    db,
  );
  await sql`
    CREATE INDEX usage_daily_date_idx ON usage_daily (date)
      INCLUDE (account_owner_id, user_id, total_cost)`.execute(db);
  await sql`
    CREATE INDEX usage_daily_unreported_idx ON usage_daily (account_owner_id, date)
      WHERE NOT reported_to_stripe`.execute(db);
  await sql`
    CREATE TRIGGER usage_daily_updated_at BEFORE UPDATE ON usage_daily
      FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`.execute(db);
}

/** The two views of migration 0001 over usage_daily, word for word. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function createViews(db: Kysely<any>): Promise<void> {
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
