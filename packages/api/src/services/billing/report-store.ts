// The usage reporter's tables (SPEC §8): which accounts are reported, each day's stored total next
// to what Stripe was told, and the short writes around each meter event (stripe_usage_reports,
// usage_daily.reported_to_stripe). Units are ten-thousandths of a USD, exact: bigint, never floats.
import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Executor, Transaction } from '../../db.ts';
import { roundDecimal } from '../../decimal.ts';

/** A postpaid owner with a live metered subscription. */
export interface ReportedAccount {
  ownerId: string;
  email: string;
  customerId: string;
}

export type ReportState = 'pending' | 'sent' | 'failed' | 'late';

/** The newest stripe_usage_reports row of one day. */
export interface LatestReport {
  id: string;
  revision: number;
  units: bigint;
  identifier: string;
  state: ReportState;
  createdAt: Date;
}

/** One UTC day of an account: what is stored, what Stripe was last told, the newest report. */
export interface ReportDay {
  date: string;
  /** The day's stored total (sum of usage_daily.total_cost of the payer), in units. */
  units: bigint;
  /** Whether every usage_daily row of the day is marked reported_to_stripe. */
  marked: boolean;
  /** Units of the newest `sent` revision, or null when Stripe was never told. */
  sentUnits: bigint | null;
  latest: LatestReport | null;
}

/** "12.3456" (USD, numeric(14,4) as text) → 123456n, exactly. */
export function unitsOf(usd: string): bigint {
  return BigInt(roundDecimal(usd, 4).replace('.', ''));
}

/** 123456n → "12.3456". */
export function usdOf(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(5, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/**
 * `hops-<first 16 hex of sha256(owner id)>-<YYYY-MM-DD>-<revision>`: deterministic (a re-send
 * after a crash carries the same one, so Stripe counts it once), at most 100 characters, and no
 * owner id in Stripe's logs.
 */
export function reportIdentifier(ownerId: string, date: string, revision: number): string {
  const hash = createHash('sha256').update(ownerId).digest('hex').slice(0, 16);
  return `hops-${hash}-${date}-${revision}`;
}

export async function reportedAccounts(db: Executor): Promise<ReportedAccount[]> {
  return db
    .selectFrom('billingAccounts as b')
    .innerJoin('users as u', 'u.id', 'b.ownerId')
    .select(['b.ownerId', 'u.email', 'b.stripeCustomerId as customerId'])
    .where('u.billingMode', '=', 'postpaid')
    .where('b.stripeSubscriptionId', 'is not', null)
    .where((eb) =>
      eb.or([eb('b.subscriptionStatus', 'is', null), eb('b.subscriptionStatus', '!=', 'canceled')]),
    )
    .orderBy('b.ownerId')
    .execute();
}

interface DayRow {
  ownerId: string;
  date: string;
  total: string;
  marked: boolean;
  sentUnits: string | null;
  id: string | null;
  revision: number | null;
  units: string | null;
  identifier: string | null;
  state: ReportState | null;
  createdAt: Date | null;
}

/**
 * The owner-days of these owners that may need telling Stripe, oldest first per owner: a usage row
 * not marked reported (ingestion clears the mark whenever a row changes, so every change since
 * Stripe was told shows here) or a revision still pending. Days marked and settled are not read at
 * all, so a run costs what changed since the last one, not the accounts' whole history.
 */
export async function reportDays(
  db: Executor,
  ownerIds: readonly string[],
): Promise<Map<string, ReportDay[]>> {
  const days = new Map<string, ReportDay[]>();
  if (ownerIds.length === 0) return days;
  const { rows } = await sql<DayRow>`
    WITH owners AS (SELECT unnest(${ownerIds}::text[]) AS owner_id),
    payers AS (${payersOf(sql`owners`)}),
    candidates AS (
      SELECT p.owner_id, u.date
      FROM payers p JOIN usage_daily u
        ON u.account_owner_id = p.payer_id AND NOT u.reported_to_stripe
       AND (p.through IS NULL OR u.date <= p.through)
      UNION
      SELECT r.owner_id, r.date
      FROM owners o JOIN stripe_usage_reports r
        ON r.owner_id = o.owner_id AND r.state = 'pending'
    )
    SELECT c.owner_id, to_char(c.date, 'YYYY-MM-DD') AS date,
           coalesce(t.total, 0)::text AS total, coalesce(t.marked, true) AS marked,
           s.units::text AS sent_units,
           l.id, l.revision, l.units::text AS units, l.identifier, l.state, l.created_at
    FROM candidates c
    CROSS JOIN LATERAL (
      SELECT sum(u.total_cost) AS total, bool_and(u.reported_to_stripe) AS marked
      FROM payers p JOIN usage_daily u
        ON u.account_owner_id = p.payer_id AND (p.through IS NULL OR u.date <= p.through)
      WHERE p.owner_id = c.owner_id AND u.date = c.date
    ) t
    LEFT JOIN LATERAL (
      SELECT id, revision, units, identifier, state, created_at
      FROM stripe_usage_reports WHERE owner_id = c.owner_id AND date = c.date
      ORDER BY revision DESC LIMIT 1
    ) l ON true
    LEFT JOIN LATERAL (
      SELECT units FROM stripe_usage_reports
      WHERE owner_id = c.owner_id AND date = c.date AND state = 'sent'
      ORDER BY revision DESC LIMIT 1
    ) s ON true
    ORDER BY c.owner_id, c.date`.execute(db);
  for (const r of rows) {
    const day: ReportDay = {
      date: r.date,
      units: unitsOf(r.total),
      marked: r.marked,
      sentUnits: r.sentUnits === null ? null : BigInt(r.sentUnits),
      latest:
        r.id === null
          ? null
          : {
              id: r.id,
              revision: r.revision!,
              units: BigInt(r.units!),
              identifier: r.identifier!,
              state: r.state!,
              createdAt: r.createdAt!,
            },
    };
    const list = days.get(r.ownerId);
    if (list) list.push(day);
    else days.set(r.ownerId, [day]);
  }
  return days;
}

/**
 * Whose usage rows make an owner's days: their own, and (up to the day of the transfer) those of
 * the former owners whose account, and Stripe customer, they took over (billing_predecessors).
 * `owners` is a relation with an `owner_id` column.
 */
function payersOf(owners: RawBuilder<unknown>) {
  return sql`
    SELECT o.owner_id, o.owner_id AS payer_id, NULL::date AS through FROM ${owners} AS o
    UNION ALL
    SELECT b.owner_id, b.payer_id, b.through
    FROM billing_predecessors b WHERE b.owner_id IN (SELECT x.owner_id FROM ${owners} AS x)`;
}

/** A revision to write: the day's total, `pending` (to go out) or `late` (never sent). */
export interface NewRevision {
  date: string;
  units: bigint;
  /** The day's newest revision so far plus one (one reporter runs at a time; the key checks it). */
  revision: number;
  state: 'pending' | 'late';
  error?: string | null;
}

/**
 * Writes the next revisions of an owner's days in one statement. `created_at` is the run's clock:
 * a re-send derives the same timestamp from it, so the request is byte-identical.
 */
export async function insertRevisions(
  trx: Transaction,
  ownerId: string,
  revisions: readonly NewRevision[],
  now: Date,
): Promise<(LatestReport & { date: string })[]> {
  if (revisions.length === 0) return [];
  const rows = revisions.map((r) => ({
    ownerId,
    date: r.date,
    revision: r.revision,
    units: sql<number>`${r.units.toString()}::bigint`,
    identifier: reportIdentifier(ownerId, r.date, r.revision),
    state: r.state,
    error: r.error ?? null,
    createdAt: now,
  }));
  const inserted = await trx
    .insertInto('stripeUsageReports')
    .values(rows)
    .returning(['id', 'identifier', 'createdAt'])
    .execute();
  const byIdentifier = new Map(inserted.map((row) => [row.identifier, row]));
  return revisions.map((r, i) => {
    const row = byIdentifier.get(rows[i]!.identifier)!;
    return {
      id: row.id,
      date: r.date,
      revision: r.revision,
      units: r.units,
      identifier: row.identifier,
      state: r.state,
      createdAt: row.createdAt,
    };
  });
}

/** A day Stripe now holds `units` for. */
export interface Included {
  date: string;
  units: bigint;
}

/**
 * Stripe took these revisions: they are `sent`, and their days' usage rows are marked (only where
 * the day's total is still what was sent).
 */
export async function markSent(
  trx: Transaction,
  ownerId: string,
  reports: readonly (Pick<LatestReport, 'id'> & Included)[],
): Promise<void> {
  if (reports.length === 0) return;
  await trx
    .updateTable('stripeUsageReports')
    .set({ state: 'sent', sentAt: sql`now()`, error: null })
    .where(
      'id',
      'in',
      reports.map((r) => r.id),
    )
    .execute();
  await markIncluded(trx, ownerId, reports);
}

/**
 * Marks the usage rows of each day whose total is the `units` Stripe now holds. The rows are locked
 * first (FOR UPDATE reads their newest committed values), so an ingest running beside us either
 * commits before we sum, or waits for us and clears the mark again when it changes the row.
 */
export async function markIncluded(
  trx: Transaction,
  ownerId: string,
  days: readonly Included[],
): Promise<void> {
  if (days.length === 0) return;
  const { rows } = await sql<{ id: string; date: string; cost: string }>`
    WITH payers AS (${payersOf(sql`(SELECT ${ownerId}::text AS owner_id)`)})
    SELECT u.id, to_char(u.date, 'YYYY-MM-DD') AS date, u.total_cost::text AS cost
    FROM payers p JOIN usage_daily u
      ON u.account_owner_id = p.payer_id AND (p.through IS NULL OR u.date <= p.through)
    WHERE u.date = ANY(${days.map((d) => d.date)}::date[])
    FOR UPDATE OF u`.execute(trx);
  const totals = new Map<string, bigint>();
  for (const r of rows) totals.set(r.date, (totals.get(r.date) ?? 0n) + unitsOf(r.cost));
  const wanted = new Map(days.map((d) => [d.date, d.units]));
  const ids = rows.filter((r) => totals.get(r.date) === wanted.get(r.date)).map((r) => r.id);
  if (ids.length === 0) return;
  await trx
    .updateTable('usageDaily')
    .set({ reportedToStripe: true })
    .where('id', 'in', ids)
    .where('reportedToStripe', '=', false)
    .execute();
}

/** A refusal: `failed` for good (a new total makes a new revision), or still `pending`. */
export async function recordFailure(
  db: Executor,
  reportId: string,
  error: string,
  state: 'failed' | 'pending',
): Promise<void> {
  await db
    .updateTable('stripeUsageReports')
    .set({ state, error })
    .where('id', '=', reportId)
    .execute();
}
