// usage.ingest (SPEC §3.4): set-based ingestion of daily usage, priced on the server, and the
// prepaid ledger moves it causes, in a constant number of statements whatever the batch size.
import { sql } from 'kysely';
import type { AuditActor } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Transaction } from '../../db.ts';
import { utcToday } from '../../days.ts';
import { PG, badRequest, pgCode } from '../../errors.ts';
import { dec, round4 } from '../../money.ts';
import { AMOUNT_FIELDS, columnOf, type UsageAmounts } from '../../resources.ts';
import type { MailQueueDeps } from '../mail/outbox.ts';
import { checkSpendingCaps } from '../spending-cap.ts';
import { moveCredits, type WrittenRow } from './payers.ts';
import { FirstProblem, priceRecord, type PricedRecord, type UsageRecordInput } from './records.ts';

export type { QuantityInput, UsageRecordInput } from './records.ts';

export const MAX_INGEST_RECORDS = 10_000;

export interface IngestResult {
  /** New user-days. */
  inserted: number;
  /** Existing user-days whose data changed (an identical re-send counts as neither). */
  updated: number;
  /** Sum over the batch of new cost minus previous cost, USD. */
  costDelta: string;
}

interface BatchUser {
  id: string;
  email: string;
  accountOwnerId: string | null;
}

/**
 * usage.ingest: stores a batch of user-days in a constant number of statements, whatever its size.
 * A re-sent day replaces the stored one (same payer, new quantities and cost); an identical re-send
 * changes nothing. Any bad record refuses the whole batch. For prepaid payers the cost differences
 * move the owner's credits through the ledger in the same transaction.
 */
export async function ingestUsage(
  trx: Transaction,
  actor: AuditActor,
  records: readonly UsageRecordInput[],
  options: { today?: string; mail?: MailQueueDeps } = {},
): Promise<IngestResult> {
  if (records.length > MAX_INGEST_RECORDS) {
    throw badRequest(`Send at most 10 000 records per call; this batch has ${records.length}.`);
  }
  if (records.length === 0) return { inserted: 0, updated: 0, costDelta: round4(0) };
  const today = options.today ?? utcToday();

  // 1. Each record on its own, and duplicates inside the batch.
  const problem = new FirstProblem();
  const priced: PricedRecord[] = [];
  const seen = new Map<string, number>();
  for (const [i, r] of records.entries()) {
    const checked = priceRecord(r, today);
    if (typeof checked === 'string') {
      problem.note(i, checked);
      break;
    }
    const key = `${r.userId}\u0000${r.date}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problem.note(
        i,
        `${r.userId} on ${r.date} is already in record ${first}; send each user-day once.`,
      );
      break;
    }
    seen.set(key, i);
    priced.push(checked);
  }

  // 2. One query checks every user and locks them with their owners, in id order: concurrent
  //    ingests of the same user-day queue here, and membership cannot change under us.
  const userIds = [...new Set(records.map((r) => r.userId))];
  const { rows: users } = await sql<BatchUser>`
    SELECT id, email, account_owner_id FROM users
    WHERE id = ANY(${userIds}::text[])
       OR id IN (SELECT account_owner_id FROM users WHERE id = ANY(${userIds}::text[]))
    ORDER BY id
    FOR NO KEY UPDATE`.execute(trx);
  const userById = new Map(users.map((u) => [u.id, u]));
  const unknownUser = records.findIndex((r) => !userById.has(r.userId));
  if (unknownUser >= 0) {
    problem.note(unknownUser, `there is no user ${records[unknownUser]!.userId}.`);
  }
  const clusterIds = [
    ...new Set(
      records
        .slice(0, priced.length)
        .flatMap((r) => (r.hopsworksClusterId ? [r.hopsworksClusterId.toLowerCase()] : [])),
    ),
  ];
  if (clusterIds.length > 0) {
    const { rows: clusters } = await sql<{ id: string }>`
      SELECT id FROM hopsworks_clusters WHERE id = ANY(${clusterIds}::uuid[])`.execute(trx);
    const known = new Set(clusters.map((c) => c.id));
    const unknownCluster = records.findIndex(
      (r, i) =>
        i < priced.length && r.hopsworksClusterId && !known.has(r.hopsworksClusterId.toLowerCase()),
    );
    if (unknownCluster >= 0) {
      problem.note(
        unknownCluster,
        `there is no cluster ${records[unknownCluster]!.hopsworksClusterId}.`,
      );
    }
  }
  problem.throwIfAny();

  try {
    return await writeBatch(trx, actor, records, priced, userById, options.mail, today);
  } catch (error) {
    if (pgCode(error) === PG.numericOutOfRange) {
      throw badRequest(
        'This batch would take a total past what the database holds (10 digits before the point). Nothing was saved.',
      );
    }
    throw error;
  }
}

// The usage_daily columns of the resources (quantities, costs, total), in resources.ts order,
// spelled once for each place the ingestion statement lists them.
const AMOUNT_COLUMNS = AMOUNT_FIELDS.map((field) => ({ field, column: columnOf(field) }));
const columns = (format: (column: string) => string) =>
  sql.raw(AMOUNT_COLUMNS.map(({ column }) => format(column)).join(', '));
const AMOUNTS = {
  definitions: columns((c) => `${c} numeric`),
  input: columns((c) => `r.${c}`),
  names: columns((c) => c),
  set: columns((c) => `${c} = EXCLUDED.${c}`),
  stored: columns((c) => `d.${c}`),
  excluded: columns((c) => `EXCLUDED.${c}`),
};

async function writeBatch(
  trx: Transaction,
  actor: AuditActor,
  records: readonly UsageRecordInput[],
  priced: readonly PricedRecord[],
  userById: Map<string, BatchUser>,
  mail: MailQueueDeps | undefined,
  today: string,
): Promise<IngestResult> {
  const input = JSON.stringify(
    records.map((r, i) => {
      const { quantities, costs } = priced[i]!;
      const amounts: UsageAmounts = { ...quantities, ...costs };
      const row: Record<string, unknown> = {
        user_id: r.userId,
        // The payer of a new row: the user's owner now (the owner's own id for owners).
        account_owner_id: userById.get(r.userId)!.accountOwnerId ?? r.userId,
        date: r.date,
        hopsworks_cluster_id: r.hopsworksClusterId || null,
        rate_card: costs.rateCard,
        project_breakdown: r.projectBreakdown ?? null,
      };
      for (const { field, column } of AMOUNT_COLUMNS) row[column] = amounts[field];
      return row;
    }),
  );

  // One statement for the whole batch. `previous` reads (and locks) the stored rows first: the
  // InitPlan `(SELECT count(*) FROM previous)` makes PostgreSQL materialize it before the INSERT
  // runs, so it holds the values before this statement. A re-sent day keeps its payer (fixed at
  // the first ingestion), and keeps its cluster and project breakdown when the record omits them.
  // Rows whose data is identical are not touched, so they are not returned. `previous` and
  // RETURNING name the columns the lifetime counters of user_credits follow (moveCredits).
  const { rows: written } = await sql<WrittenRow>`
    WITH input AS (
      SELECT e.id AS existing_id, r.user_id, r.account_owner_id, r.date,
             coalesce(r.hopsworks_cluster_id, e.hopsworks_cluster_id, a.hopsworks_cluster_id)
               AS hopsworks_cluster_id,
             ${AMOUNTS.input},
             coalesce(r.project_breakdown, e.project_breakdown, '{}'::jsonb) AS project_breakdown,
             r.rate_card
      FROM jsonb_to_recordset(${input}::jsonb) AS r(
        user_id text, account_owner_id text, date date, hopsworks_cluster_id uuid,
        ${AMOUNTS.definitions}, rate_card text, project_breakdown jsonb)
      LEFT JOIN usage_daily e ON e.user_id = r.user_id AND e.date = r.date
      LEFT JOIN user_hopsworks_assignments a ON a.user_id = r.user_id
    ),
    previous AS MATERIALIZED (
      SELECT d.id, d.cpu_hours, d.gpu_hours, d.online_storage_gb, d.offline_storage_gb,
             d.total_cost
      FROM input i
      -- with the date, one partition's key is probed instead of every month's
      JOIN usage_daily d ON d.id = i.existing_id AND d.date = i.date
      FOR UPDATE OF d
    ),
    written AS (
      INSERT INTO usage_daily AS d (
        user_id, account_owner_id, date, hopsworks_cluster_id, ${AMOUNTS.names},
        project_breakdown, rate_card)
      SELECT user_id, account_owner_id, date, hopsworks_cluster_id, ${AMOUNTS.names},
             project_breakdown, rate_card
      FROM input
      WHERE (SELECT count(*) FROM previous) >= 0
      ON CONFLICT (user_id, date) DO UPDATE SET
        hopsworks_cluster_id = EXCLUDED.hopsworks_cluster_id,
        ${AMOUNTS.set},
        project_breakdown = EXCLUDED.project_breakdown,
        rate_card = EXCLUDED.rate_card,
        -- changed figures must reach Stripe again
        reported_to_stripe = false
      WHERE (d.hopsworks_cluster_id, ${AMOUNTS.stored}, d.project_breakdown, d.rate_card)
        IS DISTINCT FROM
            (EXCLUDED.hopsworks_cluster_id, ${AMOUNTS.excluded}, EXCLUDED.project_breakdown,
             EXCLUDED.rate_card)
      RETURNING d.id, d.user_id, d.account_owner_id, d.date, d.cpu_hours, d.gpu_hours,
                d.online_storage_gb, d.offline_storage_gb, d.total_cost
    )
    SELECT w.*, p.cpu_hours AS old_cpu_hours, p.gpu_hours AS old_gpu_hours,
           p.online_storage_gb AS old_online_storage_gb,
           p.offline_storage_gb AS old_offline_storage_gb, p.total_cost AS old_total_cost
    FROM written w
    LEFT JOIN previous p ON p.id = w.id`.execute(trx);

  const inserted = written.filter((w) => w.oldTotalCost === null).length;
  const updated = written.length - inserted;
  let costDelta = dec(0);
  for (const w of written) costDelta = costDelta.plus(dec(w.totalCost).minus(w.oldTotalCost ?? 0));

  if (written.length > 0) {
    await moveCredits(trx, actor, written, userById, mail);
    // The payers are locked above (owners of the batch's users), so caps are crossed once.
    await checkSpendingCaps(trx, [...new Set(written.map((w) => w.accountOwnerId))], {
      mail,
      today,
    });
  }
  const result = { inserted, updated, costDelta: round4(costDelta) };
  await recordAudit(trx, actor, 'usage.ingest', null, { records: records.length, ...result });
  return result;
}
