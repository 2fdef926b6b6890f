// usage_daily's monthly partitions (SPEC §12, migration 0015): the job usage.createPartitions
// makes this month's partition and the next MONTHS_AHEAD months' ahead of time, so that a month's
// rows are never written before its partition exists. Ingestion never fails for want of one: a
// month without its partition is stored in the DEFAULT partition. That only happens to months
// older than the first partition (ingestion refuses days after today, and the months ahead exist
// long before they begin), so the job never has to move rows out of the default partition; if it
// ever finds rows of a month it should create there (the job did not run for months), it leaves
// that month in the default partition — where every query still reads it — and says so.
import { sql } from 'kysely';
import type { Transaction } from '../../db.ts';
import { monthStart, utcToday } from '../../days.ts';

/** Months after the current one that have their partition (migration 0015 makes as many). */
export const MONTHS_AHEAD = 3;

/** pg_advisory_xact_lock key of partition maintenance (the collector's is 7 060 003). */
const PARTITIONS_LOCK = 7_060_004;

/** How long the job waits for usage_daily's lock before giving up until its next run. */
const LOCK_TIMEOUT = '5s';

export interface PartitionsResult {
  /** Partitions made by this run, e.g. `usage_daily_2027_03`. */
  created: string[];
  /** Months (YYYY-MM) whose rows are already in the default partition, left there. */
  leftInDefault: string[];
}

/** The partition of the month of `day`: `usage_daily_YYYY_MM`. */
export function partitionName(day: string): string {
  return `usage_daily_${day.slice(0, 4)}_${day.slice(5, 7)}`;
}

/** The first day of the month `months` after the month of `day`. */
function addMonths(day: string, months: number): string {
  const first = new Date(`${monthStart(day)}T00:00:00Z`);
  first.setUTCMonth(first.getUTCMonth() + months);
  return first.toISOString().slice(0, 10);
}

/**
 * Creates the partitions of this month and the next `monthsAhead` months that do not exist yet.
 * Idempotent, and safe on any number of replicas at once: runs hold one transaction-scoped
 * advisory lock, so a second run waits for the first and then finds its partitions made. Creating
 * a partition locks usage_daily briefly; the run gives up after LOCK_TIMEOUT rather than queue
 * every reader behind a long query, and the next day's run (months ahead) tries again.
 */
export async function createUsagePartitions(
  trx: Transaction,
  options: { monthsAhead?: number; today?: string } = {},
): Promise<PartitionsResult> {
  const monthsAhead = options.monthsAhead ?? MONTHS_AHEAD;
  const today = options.today ?? utcToday();
  await sql`SELECT pg_advisory_xact_lock(${PARTITIONS_LOCK})`.execute(trx);
  await sql`SELECT set_config('lock_timeout', ${LOCK_TIMEOUT}, true)`.execute(trx);
  const { rows: existing } = await sql<{ name: string; isDefault: boolean }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' AS is_default
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'usage_daily'::regclass`.execute(trx);
  const names = new Set(existing.map((p) => p.name));
  const defaultPartition = existing.find((p) => p.isDefault)?.name;

  const result: PartitionsResult = { created: [], leftInDefault: [] };
  for (let m = 0; m <= monthsAhead; m++) {
    const from = addMonths(today, m);
    const to = addMonths(today, m + 1);
    const name = partitionName(from);
    if (names.has(name)) continue;
    if (defaultPartition) {
      // Creating the partition would fail on these rows (they belong to it, but sit in default).
      const { rows } = await sql<{ found: boolean }>`
        SELECT EXISTS (SELECT 1 FROM ${sql.table(defaultPartition)}
                       WHERE date >= ${from}::date AND date < ${to}::date) AS found`.execute(trx);
      if (rows[0]!.found) {
        result.leftInDefault.push(from.slice(0, 7));
        continue;
      }
    }
    await sql`
      CREATE TABLE ${sql.table(name)} PARTITION OF usage_daily
        FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(to)})`.execute(trx);
    result.created.push(name);
  }
  return result;
}
