// Usage and cost (SPEC §3.4): set-based ingestion of daily usage priced on the server, the prepaid
// ledger moves it causes, and the read side (daily series, summaries, top accounts), which only
// sums stored costs, in SQL.
import { sql, type RawBuilder } from 'kysely';
import { dec, round4, type Decimal, type Executor } from '@hops/db';
import type { AuditActor, UserActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import { badRequest, forbidden, notFound, pgCode } from '../errors.ts';
import { daysInMonth, NoRateCardError, priceUsage, type Costs } from '../rates.ts';
import {
  chargeUsage,
  insertLedger,
  lockCredits,
  NUMERIC_OUT_OF_RANGE,
  refundUsage,
  saveCredits,
  type LedgerEntry,
} from './credits.ts';

export const MAX_INGEST_RECORDS = 10_000;

export const QUANTITY_FIELDS = [
  'cpuHours',
  'gpuHours',
  'ramGbHours',
  'onlineStorageGb',
  'offlineStorageGb',
  'networkEgressGb',
] as const;

/** A quantity as a collector sends it: a decimal string ("1.25") or a JSON number. */
export type QuantityInput = string | number;

/** One user-day as a collector sends it: the day's cumulative quantities. */
export interface UsageRecordInput {
  userId: string;
  /** UTC day, YYYY-MM-DD. */
  date: string;
  cpuHours: QuantityInput;
  gpuHours: QuantityInput;
  ramGbHours: QuantityInput;
  onlineStorageGb: QuantityInput;
  offlineStorageGb: QuantityInput;
  networkEgressGb: QuantityInput;
  hopsworksClusterId?: string | null | undefined;
  projectBreakdown?: Record<string, unknown> | null | undefined;
}

/** A record whose quantities were checked: decimal strings, as they are stored. */
type Quantities = Record<(typeof QUANTITY_FIELDS)[number], string>;

/** A record that passed its own checks: its quantities as stored, and their price. */
interface PricedRecord {
  quantities: Quantities;
  costs: Costs;
}

/** A JSON number as the decimal it means (no exponent), a string trimmed; anything else null. */
function quantityText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number')
    return /e/i.test(String(value)) ? value.toFixed(10) : String(value);
  return null;
}

export interface IngestResult {
  /** New user-days. */
  inserted: number;
  /** Existing user-days whose data changed (an identical re-send counts as neither). */
  updated: number;
  /** Sum over the batch of new cost minus previous cost, USD. */
  costDelta: string;
}

const DECIMAL = /^\d{1,10}(\.\d{1,4})?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** numeric(14,4) holds values below 10^10. */
const COLUMN_LIMIT = dec('1e10');

function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** What is wrong with one record on its own (a sentence), or its quantities and price. */
function priceRecord(r: UsageRecordInput, today: string): string | PricedRecord {
  const quantities = {} as Quantities;
  for (const field of QUANTITY_FIELDS) {
    const value = quantityText(r[field]);
    if (value === null || !DECIMAL.test(value)) {
      return `${field} must be a non-negative number with at most 4 decimals and 10 digits before the point (got ${JSON.stringify(r[field])}).`;
    }
    quantities[field] = value;
  }
  if (typeof r.date !== 'string' || !isDay(r.date)) {
    return `date must be a day like 2026-01-31 (got ${JSON.stringify(r.date)}).`;
  }
  if (r.date > today) return `${r.date} is after today (${today}, UTC).`;
  if (r.hopsworksClusterId && !UUID.test(r.hopsworksClusterId)) {
    return `hopsworksClusterId ${JSON.stringify(r.hopsworksClusterId)} is not a cluster id.`;
  }
  let costs: Costs;
  try {
    costs = priceUsage(quantities, r.date);
  } catch (error) {
    if (error instanceof NoRateCardError) {
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
    }
    throw error;
  }
  if (dec(costs.totalCost).gte(COLUMN_LIMIT)) {
    return `its cost (${costs.totalCost} USD) is more than one usage row can hold.`;
  }
  return { quantities, costs };
}

/** The first bad record of a batch: the whole batch is refused with its index. */
class FirstProblem {
  index = Number.POSITIVE_INFINITY;
  message = '';
  note(index: number, message: string): void {
    if (index < this.index) {
      this.index = index;
      this.message = message;
    }
  }
  throwIfAny(): void {
    if (Number.isFinite(this.index)) {
      throw badRequest(`Record ${this.index}: ${this.message} Nothing was saved.`);
    }
  }
}

interface WrittenRow {
  id: string;
  userId: string;
  accountOwnerId: string;
  date: string;
  cpuHours: string;
  gpuHours: string;
  onlineStorageGb: string;
  offlineStorageGb: string;
  totalCost: string;
  /** null when the row is new */
  oldCpuHours: string | null;
  oldGpuHours: string | null;
  oldOnlineStorageGb: string | null;
  oldOfflineStorageGb: string | null;
  oldTotalCost: string | null;
}

/** Held storage of one row in GB-months (the lifetime counter's unit), rounded like a column. */
function gbMonths(online: string | null, offline: string | null, date: string): Decimal {
  if (online === null || offline === null) return dec(0);
  return dec(round4(dec(online).plus(offline).dividedBy(daysInMonth(date))));
}

/**
 * usage.ingest: stores a batch of user-days in a constant number of statements, whatever its size.
 * A re-sent day replaces the stored one (same payer, new quantities and cost); an identical re-send
 * changes nothing. Any bad record refuses the whole batch. For prepaid payers the cost differences
 * move the owner's credits through the ledger in the same transaction.
 */
export async function ingestUsage(
  trx: Executor,
  actor: AuditActor,
  records: readonly UsageRecordInput[],
  options: { today?: string } = {},
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
  const { rows: users } = await sql<{ id: string; email: string; accountOwnerId: string | null }>`
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
    return await writeBatch(trx, actor, records, priced, userById);
  } catch (error) {
    if (pgCode(error) === NUMERIC_OUT_OF_RANGE) {
      throw badRequest(
        'This batch would take a total past what the database holds (10 digits before the point). Nothing was saved.',
      );
    }
    throw error;
  }
}

async function writeBatch(
  trx: Executor,
  actor: AuditActor,
  records: readonly UsageRecordInput[],
  priced: readonly PricedRecord[],
  userById: Map<string, { id: string; email: string; accountOwnerId: string | null }>,
): Promise<IngestResult> {
  const input = JSON.stringify(
    records.map((r, i) => {
      const { quantities: q, costs: c } = priced[i]!;
      return {
        user_id: r.userId,
        // The payer of a new row: the user's owner now (the owner's own id for owners).
        account_owner_id: userById.get(r.userId)!.accountOwnerId ?? r.userId,
        date: r.date,
        hopsworks_cluster_id: r.hopsworksClusterId || null,
        cpu_hours: q.cpuHours,
        gpu_hours: q.gpuHours,
        ram_gb_hours: q.ramGbHours,
        online_storage_gb: q.onlineStorageGb,
        offline_storage_gb: q.offlineStorageGb,
        network_egress_gb: q.networkEgressGb,
        cpu_cost: c.cpuCost,
        gpu_cost: c.gpuCost,
        ram_cost: c.ramCost,
        storage_cost: c.storageCost,
        network_cost: c.networkCost,
        total_cost: c.totalCost,
        rate_card: c.rateCard,
        project_breakdown: r.projectBreakdown ?? null,
      };
    }),
  );

  // One statement for the whole batch. `previous` reads (and locks) the stored rows first: the
  // InitPlan `(SELECT count(*) FROM previous)` makes PostgreSQL materialize it before the INSERT
  // runs, so it holds the values before this statement. A re-sent day keeps its payer (fixed at
  // the first ingestion), and keeps its cluster and project breakdown when the record omits them.
  // Rows whose data is identical are not touched, so they are not returned.
  const { rows: written } = await sql<WrittenRow>`
    WITH input AS (
      SELECT e.id AS existing_id, r.user_id, r.account_owner_id, r.date,
             coalesce(r.hopsworks_cluster_id, e.hopsworks_cluster_id, a.hopsworks_cluster_id)
               AS hopsworks_cluster_id,
             r.cpu_hours, r.gpu_hours, r.ram_gb_hours, r.online_storage_gb, r.offline_storage_gb,
             r.network_egress_gb, r.cpu_cost, r.gpu_cost, r.ram_cost, r.storage_cost,
             r.network_cost, r.total_cost,
             coalesce(r.project_breakdown, e.project_breakdown, '{}'::jsonb) AS project_breakdown,
             r.rate_card
      FROM jsonb_to_recordset(${input}::jsonb) AS r(
        user_id text, account_owner_id text, date date, hopsworks_cluster_id uuid,
        cpu_hours numeric, gpu_hours numeric, ram_gb_hours numeric, online_storage_gb numeric,
        offline_storage_gb numeric, network_egress_gb numeric, cpu_cost numeric,
        gpu_cost numeric, ram_cost numeric, storage_cost numeric, network_cost numeric,
        total_cost numeric, rate_card text, project_breakdown jsonb)
      LEFT JOIN usage_daily e ON e.user_id = r.user_id AND e.date = r.date
      LEFT JOIN user_hopsworks_assignments a ON a.user_id = r.user_id
    ),
    previous AS MATERIALIZED (
      SELECT d.id, d.cpu_hours, d.gpu_hours, d.online_storage_gb, d.offline_storage_gb,
             d.total_cost
      FROM input i
      JOIN usage_daily d ON d.id = i.existing_id
      FOR UPDATE OF d
    ),
    written AS (
      INSERT INTO usage_daily AS d (
        user_id, account_owner_id, date, hopsworks_cluster_id, cpu_hours, gpu_hours,
        ram_gb_hours, online_storage_gb, offline_storage_gb, network_egress_gb, cpu_cost,
        gpu_cost, ram_cost, storage_cost, network_cost, total_cost, project_breakdown, rate_card)
      SELECT user_id, account_owner_id, date, hopsworks_cluster_id, cpu_hours, gpu_hours,
             ram_gb_hours, online_storage_gb, offline_storage_gb, network_egress_gb, cpu_cost,
             gpu_cost, ram_cost, storage_cost, network_cost, total_cost, project_breakdown,
             rate_card
      FROM input
      WHERE (SELECT count(*) FROM previous) >= 0
      ON CONFLICT (user_id, date) DO UPDATE SET
        hopsworks_cluster_id = EXCLUDED.hopsworks_cluster_id,
        cpu_hours = EXCLUDED.cpu_hours, gpu_hours = EXCLUDED.gpu_hours,
        ram_gb_hours = EXCLUDED.ram_gb_hours, online_storage_gb = EXCLUDED.online_storage_gb,
        offline_storage_gb = EXCLUDED.offline_storage_gb,
        network_egress_gb = EXCLUDED.network_egress_gb,
        cpu_cost = EXCLUDED.cpu_cost, gpu_cost = EXCLUDED.gpu_cost, ram_cost = EXCLUDED.ram_cost,
        storage_cost = EXCLUDED.storage_cost, network_cost = EXCLUDED.network_cost,
        total_cost = EXCLUDED.total_cost, project_breakdown = EXCLUDED.project_breakdown,
        rate_card = EXCLUDED.rate_card,
        -- changed figures must reach Stripe again
        reported_to_stripe = false
      WHERE (d.hopsworks_cluster_id, d.cpu_hours, d.gpu_hours, d.ram_gb_hours,
             d.online_storage_gb, d.offline_storage_gb, d.network_egress_gb, d.cpu_cost,
             d.gpu_cost, d.ram_cost, d.storage_cost, d.network_cost, d.total_cost,
             d.project_breakdown, d.rate_card)
        IS DISTINCT FROM
            (EXCLUDED.hopsworks_cluster_id, EXCLUDED.cpu_hours, EXCLUDED.gpu_hours,
             EXCLUDED.ram_gb_hours, EXCLUDED.online_storage_gb, EXCLUDED.offline_storage_gb,
             EXCLUDED.network_egress_gb, EXCLUDED.cpu_cost, EXCLUDED.gpu_cost, EXCLUDED.ram_cost,
             EXCLUDED.storage_cost, EXCLUDED.network_cost, EXCLUDED.total_cost,
             EXCLUDED.project_breakdown, EXCLUDED.rate_card)
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

  if (written.length > 0) await moveCredits(trx, actor, written, userById);
  const result = { inserted, updated, costDelta: round4(costDelta) };
  await recordAudit(trx, actor, 'usage.ingest', null, { records: records.length, ...result });
  return result;
}

/**
 * The payers' side of a batch: lifetime counters for every payer with a credits row, and for
 * prepaid payers the cost differences through the ledger (refunds first, then charges, each in
 * date order), all in a constant number of statements.
 */
async function moveCredits(
  trx: Executor,
  actor: AuditActor,
  written: readonly WrittenRow[],
  userById: Map<string, { email: string }>,
): Promise<void> {
  const payers = [...new Set(written.map((w) => w.accountOwnerId))].sort();
  // Payers of re-sent rows may be former owners not locked yet: users rows before user_credits.
  await sql`SELECT 1 FROM users WHERE id = ANY(${payers}::text[]) ORDER BY id FOR NO KEY UPDATE`.execute(
    trx,
  );
  const states = await lockCredits(trx, payers, { createFor: 'prepaid' });
  const entries: LedgerEntry[] = [];
  const byDate = (a: WrittenRow, b: WrittenRow) =>
    a.date.localeCompare(b.date) || a.userId.localeCompare(b.userId);
  const rowsByPayer = new Map<string, WrittenRow[]>();
  for (const w of written) {
    const rows = rowsByPayer.get(w.accountOwnerId);
    if (rows) rows.push(w);
    else rowsByPayer.set(w.accountOwnerId, [w]);
  }
  for (const payer of payers) {
    const state = states.get(payer);
    if (!state) continue;
    const rows = rowsByPayer.get(payer)!;
    for (const w of rows) {
      const old = w.oldTotalCost !== null;
      state.cpuHoursUsed = nonNegative(
        state.cpuHoursUsed.plus(w.cpuHours).minus(old ? w.oldCpuHours! : 0),
      );
      state.gpuHoursUsed = nonNegative(
        state.gpuHoursUsed.plus(w.gpuHours).minus(old ? w.oldGpuHours! : 0),
      );
      state.storageGbMonths = nonNegative(
        state.storageGbMonths
          .plus(gbMonths(w.onlineStorageGb, w.offlineStorageGb, w.date))
          .minus(gbMonths(w.oldOnlineStorageGb, w.oldOfflineStorageGb, w.date)),
      );
    }
    if (state.billingMode !== 'prepaid') continue;
    const delta = (w: WrittenRow) => dec(w.totalCost).minus(w.oldTotalCost ?? 0);
    const label = (w: WrittenRow) =>
      `Usage ${w.date} (${userById.get(w.userId)?.email ?? w.userId})`;
    for (const w of rows.filter((r) => delta(r).lt(0)).sort(byDate)) {
      entries.push(...refundUsage(state, delta(w).neg(), w.id, `${label(w)} lowered`));
    }
    for (const w of rows.filter((r) => delta(r).gt(0)).sort(byDate)) {
      entries.push(...chargeUsage(state, delta(w), w.id, label(w)));
    }
  }
  await insertLedger(trx, actor, entries);
  await saveCredits(trx, [...states.values()]);
}

function nonNegative(value: Decimal): Decimal {
  return value.isNegative() ? dec(0) : value;
}

// ---------------------------------------------------------------------------------------------
// Reading usage

/** Whose usage a question covers: one user's, one payer's, or one user's within one payer's. */
export interface UsageScope {
  userId: string | null;
  accountOwnerId: string | null;
}

/**
 * SPEC §3.4: members see their own usage; owners the account's and each member's; admins anyone's.
 * Without a userId / accountOwnerId a member gets their own usage and an owner their account's.
 */
export async function usageScope(
  trx: Executor,
  caller: UserActor,
  ask: { userId?: string | undefined; accountOwnerId?: string | undefined },
): Promise<UsageScope> {
  if (caller.isAdmin && (ask.userId !== undefined || ask.accountOwnerId !== undefined)) {
    const ids = [ask.userId, ask.accountOwnerId].filter((id): id is string => id !== undefined);
    const found = await trx.selectFrom('users').select('id').where('id', 'in', ids).execute();
    const missing = ids.find((id) => !found.some((f) => f.id === id));
    if (missing) throw notFound(`There is no user with id ${missing}.`);
    return { userId: ask.userId ?? null, accountOwnerId: ask.accountOwnerId ?? null };
  }
  const isOwner = caller.accountOwnerId === null;
  if (!isOwner) {
    if (ask.accountOwnerId !== undefined) {
      throw forbidden("Only the account owner sees the account's usage; you can see your own.");
    }
    if (ask.userId !== undefined && ask.userId !== caller.id) {
      throw forbidden("You can see your own usage only; the account owner sees the team's.");
    }
    return { userId: caller.id, accountOwnerId: null };
  }
  if (ask.accountOwnerId !== undefined && ask.accountOwnerId !== caller.id) {
    throw forbidden('You can see the usage of your own account only.');
  }
  if (ask.userId === undefined) return { userId: null, accountOwnerId: caller.id };
  if (ask.userId === caller.id) return { userId: caller.id, accountOwnerId: null };
  // A member, or a former member whose usage the account paid: only what the account paid.
  const { rows } = await sql`
    SELECT 1 FROM users WHERE id = ${ask.userId} AND account_owner_id = ${caller.id}
    UNION ALL
    SELECT 1 FROM usage_daily WHERE user_id = ${ask.userId} AND account_owner_id = ${caller.id}
    LIMIT 1`.execute(trx);
  if (rows.length === 0) {
    throw forbidden('You can see the usage of the members of your own account only.');
  }
  return { userId: ask.userId, accountOwnerId: caller.id };
}

/** Quantities and costs of a period, USD and units, decimal strings with 4 decimals. */
export interface UsageAmounts {
  cpuHours: string;
  gpuHours: string;
  ramGbHours: string;
  /** Summed over days: GB-days (each day holds that day's average GB). */
  onlineStorageGb: string;
  offlineStorageGb: string;
  networkEgressGb: string;
  cpuCost: string;
  gpuCost: string;
  ramCost: string;
  storageCost: string;
  networkCost: string;
  totalCost: string;
}

/** The summed usage columns, in the order the read statements give them. */
export const SUMMED_COLUMNS = [
  'cpu_hours',
  'gpu_hours',
  'ram_gb_hours',
  'online_storage_gb',
  'offline_storage_gb',
  'network_egress_gb',
  'cpu_cost',
  'gpu_cost',
  'ram_cost',
  'storage_cost',
  'network_cost',
  'total_cost',
] as const;

/** numeric sums of the stored columns of `u` (never re-priced), 4 decimals, 0 when empty. */
const SUMS = sql.raw(
  SUMMED_COLUMNS.map((c) => `round(coalesce(sum(u.${c}), 0), 4) AS ${c}`).join(',\n'),
);

function scopeFilter(scope: UsageScope): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  if (scope.userId !== null) parts.push(sql`u.user_id = ${scope.userId}`);
  if (scope.accountOwnerId !== null) parts.push(sql`u.account_owner_id = ${scope.accountOwnerId}`);
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}

export interface DailyUsageRow extends UsageAmounts {
  date: string;
}

/** usage.daily: one row per day of the range, days without usage as zero rows. */
export async function dailyUsage(
  trx: Executor,
  caller: UserActor,
  input: {
    from: string;
    to: string;
    userId?: string | undefined;
    accountOwnerId?: string | undefined;
  },
): Promise<DailyUsageRow[]> {
  const scope = await usageScope(trx, caller, input);
  const { rows } = await sql<DailyUsageRow>`
    SELECT to_char(d, 'YYYY-MM-DD') AS date, ${SUMS}
    FROM generate_series(${input.from}::timestamp, ${input.to}::timestamp, interval '1 day') AS d
    LEFT JOIN usage_daily u ON u.date = d::date AND ${scopeFilter(scope)}
    GROUP BY d
    ORDER BY d`.execute(trx);
  return rows;
}

export interface MemberUsage extends UsageAmounts {
  userId: string;
  email: string;
  name: string | null;
}

export interface UsageSummary {
  from: string;
  to: string;
  /** The account summed (null when the summary is one user's own usage). */
  accountOwnerId: string | null;
  /** The user summed (null for a whole account). */
  userId: string | null;
  totals: UsageAmounts;
  totalCost: string;
  /** The account's people (current members and owner, and anyone whose usage it paid), costliest first. */
  byMember: MemberUsage[];
}

/** usage.summary: totals by resource over a range, and one line per member. */
export async function usageSummary(
  trx: Executor,
  caller: UserActor,
  input: { from: string; to: string; accountOwnerId?: string | undefined },
): Promise<UsageSummary> {
  const scope = await usageScope(trx, caller, { accountOwnerId: input.accountOwnerId });
  const inRange = sql`u.date BETWEEN ${input.from}::date AND ${input.to}::date`;
  const filter = scopeFilter(scope);
  // Every usage row in scope belongs to one of `people` (they include whoever has usage in the
  // range), so the grand total of the grouping sets is the scope's total: one statement.
  const people =
    scope.userId !== null
      ? sql`SELECT ${scope.userId}::text AS id`
      : sql`SELECT id FROM users WHERE id = ${scope.accountOwnerId} OR account_owner_id = ${scope.accountOwnerId}
            UNION
            SELECT u.user_id FROM usage_daily u WHERE ${inRange} AND ${filter}`;
  const { rows } = await sql<MemberUsage & { isTotal: boolean }>`
    WITH people AS (${people})
    SELECT grouping(p.id) = 1 AS is_total, p.id AS user_id, m.email, m.name, ${SUMS}
    FROM people p
    JOIN users m ON m.id = p.id
    LEFT JOIN usage_daily u ON u.user_id = p.id AND ${inRange} AND ${filter}
    GROUP BY GROUPING SETS ((p.id, m.email, m.name), ())
    ORDER BY is_total, total_cost DESC, m.email`.execute(trx);
  const { isTotal: _total, userId: _user, email: _email, name: _name, ...totals } = rows.at(-1)!;
  const byMember = rows.slice(0, -1).map(({ isTotal: _, ...member }) => member);
  return {
    from: input.from,
    to: input.to,
    accountOwnerId: scope.accountOwnerId,
    userId: scope.userId,
    totals,
    totalCost: totals.totalCost,
    byMember,
  };
}

export interface TopAccount {
  accountOwnerId: string;
  ownerEmail: string;
  ownerName: string | null;
  totalCost: string;
  /** Distinct users with usage in the range. */
  activeUsers: number;
}

/**
 * usage.top: the accounts that cost most over a range (ties by owner id). Summed per user first,
 * then per account, so the distinct-user count needs no sort; reads only the covering index on
 * `date` (migration 0004) and joins the owners of the winners only.
 */
export async function topAccounts(
  trx: Executor,
  input: { from: string; to: string; limit: number },
): Promise<TopAccount[]> {
  const { rows } = await sql<TopAccount>`
    WITH per_user AS (
      SELECT account_owner_id, user_id, sum(total_cost) AS cost
      FROM usage_daily
      WHERE date BETWEEN ${input.from}::date AND ${input.to}::date
      GROUP BY account_owner_id, user_id
    ), per_account AS (
      SELECT account_owner_id, sum(cost) AS cost, count(*)::int AS active_users
      FROM per_user
      GROUP BY account_owner_id
      ORDER BY sum(cost) DESC, account_owner_id
      LIMIT ${input.limit}
    )
    SELECT a.account_owner_id, o.email AS owner_email, o.name AS owner_name,
           round(a.cost, 4) AS total_cost, a.active_users
    FROM per_account a
    JOIN users o ON o.id = a.account_owner_id
    ORDER BY a.cost DESC, a.account_owner_id`.execute(trx);
  return rows;
}
