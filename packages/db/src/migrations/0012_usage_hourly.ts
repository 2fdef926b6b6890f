// Usage from OpenCost (SPEC §9): what each cluster's OpenCost said about each namespace in each
// UTC hour, and how each hour's collection went.
//
// usage_hourly: one row per (cluster, hour, namespace), replaced whenever the hour is collected
// again, so collecting twice changes nothing. `user_id` is the person the namespace's project
// belongs to at collection time; a namespace of nobody (a system namespace, a namespace without a
// project, a project whose creator is no hops user) has `unmapped_reason` instead and is never
// billed. The figures are OpenCost's, as exact decimals; the user-days are computed from them.
//
// usage_collection_hours: one row per (cluster, hour) tried — complete, partial (its allocations
// cover less than 60 minutes: collected again, three tries in all) or failed (its last error) —
// which is what the admin pages and `/hops clusters` show as the collection's health.
//
// usage_collection_clusters: per cluster, when its gap alert was raised (once per gap).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('usage_hourly')
    .addColumn('cluster_id', 'uuid', (c) =>
      c.notNull().references('hopsworks_clusters.id').onDelete('cascade'),
    )
    .addColumn('hour', 'timestamptz', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('unmapped_reason', 'text')
    .addColumn('minutes', 'numeric', (c) => c.notNull())
    .addColumn('cpu_core_hours', 'numeric', (c) => c.notNull())
    .addColumn('gpu_hours', 'numeric', (c) => c.notNull())
    .addColumn('ram_byte_hours', 'numeric', (c) => c.notNull())
    .addColumn('pv_byte_hours', 'numeric', (c) => c.notNull())
    .addColumn('network_transfer_bytes', 'numeric', (c) => c.notNull())
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('usage_hourly_pkey', ['cluster_id', 'hour', 'namespace'])
    .addCheckConstraint('usage_hourly_hour_check', sql`extract(epoch FROM hour) % 3600 = 0`)
    .addCheckConstraint(
      'usage_hourly_unmapped_reason_check',
      sql`(user_id IS NULL) = (unmapped_reason IS NOT NULL)
          AND (unmapped_reason IS NULL OR unmapped_reason IN ('system', 'no_project', 'no_person'))`,
    )
    .addCheckConstraint(
      'usage_hourly_figures_check',
      sql`minutes >= 0 AND cpu_core_hours >= 0 AND gpu_hours >= 0 AND ram_byte_hours >= 0
          AND pv_byte_hours >= 0 AND network_transfer_bytes >= 0`,
    )
    .execute();
  // A person's hours of a day (the recomputation of user-days).
  await sql`CREATE INDEX usage_hourly_user_idx ON usage_hourly (user_id, hour)
              WHERE user_id IS NOT NULL`.execute(db);

  await db.schema
    .createTable('usage_collection_hours')
    .addColumn('cluster_id', 'uuid', (c) =>
      c.notNull().references('hopsworks_clusters.id').onDelete('cascade'),
    )
    .addColumn('hour', 'timestamptz', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    // The hour's coverage: the most minutes any namespace's allocation covers.
    .addColumn('minutes', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('namespaces', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unmapped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('usage_collection_hours_pkey', ['cluster_id', 'hour'])
    .addCheckConstraint(
      'usage_collection_hours_state_check',
      sql`state IN ('complete', 'partial', 'failed')`,
    )
    .addCheckConstraint(
      'usage_collection_hours_hour_check',
      sql`extract(epoch FROM hour) % 3600 = 0`,
    )
    .execute();

  await db.schema
    .createTable('usage_collection_clusters')
    .addColumn('cluster_id', 'uuid', (c) =>
      c.primaryKey().references('hopsworks_clusters.id').onDelete('cascade'),
    )
    .addColumn('last_run_at', 'timestamptz')
    .addColumn('gap_alerted_at', 'timestamptz')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_collection_clusters').execute();
  await db.schema.dropTable('usage_collection_hours').execute();
  await db.schema.dropTable('usage_hourly').execute();
}
