// Reading usage (SPEC §3.4): the daily series, the summary by member, the top accounts, and the
// sums of one scope. Every figure is a sum of stored costs and quantities, in SQL, never re-priced.
import { sql } from 'kysely';
import type { UserCaller } from '../../actor.ts';
import type { Executor } from '../../db.ts';
import type { DayRange } from '../../days.ts';
import { AMOUNT_FIELDS, columnOf, type UsageAmounts } from '../../resources.ts';
import { scopeFilter, usageScope, type UsageAsk, type UsageScope } from './scope.ts';

/** numeric sums of the stored columns of `u` (never re-priced), 4 decimals, 0 when empty. */
const SUMS = sql.raw(
  AMOUNT_FIELDS.map(columnOf)
    .map((c) => `round(coalesce(sum(u.${c}), 0), 4) AS ${c}`)
    .join(',\n'),
);

/** The amounts of one scope summed over a range (zeros when it has no usage). */
export async function sumUsage(
  db: Executor,
  scope: UsageScope,
  range: DayRange,
): Promise<UsageAmounts> {
  const { rows } = await sql<UsageAmounts>`
    SELECT ${SUMS}
    FROM usage_daily u
    WHERE u.date BETWEEN ${range.from}::date AND ${range.to}::date AND ${scopeFilter(scope)}`.execute(
    db,
  );
  return rows[0]!;
}

export interface DailyUsageRow extends UsageAmounts {
  date: string;
}

/** usage.daily: one row per day of the range, days without usage as zero rows. */
export async function getDailyUsage(
  db: Executor,
  actor: UserCaller,
  input: DayRange & UsageAsk,
): Promise<DailyUsageRow[]> {
  const scope = await usageScope(db, actor, input);
  const { rows } = await sql<DailyUsageRow>`
    SELECT to_char(d, 'YYYY-MM-DD') AS date, ${SUMS}
    FROM generate_series(${input.from}::timestamp, ${input.to}::timestamp, interval '1 day') AS d
    -- The range spelled on usage_daily too: the planner then reads only its months' partitions.
    LEFT JOIN usage_daily u ON u.date = d::date
      AND u.date BETWEEN ${input.from}::date AND ${input.to}::date AND ${scopeFilter(scope)}
    GROUP BY d
    ORDER BY d`.execute(db);
  return rows;
}

export interface MemberUsage extends UsageAmounts {
  userId: string;
  email: string;
  name: string | null;
  /**
   * No longer in the account summed (removed, or left): the account paid for their usage in the
   * range while they were in it. Always false for one user's own summary.
   */
  formerMember: boolean;
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
  /**
   * The account's people (current members and owner, and anyone whose usage it paid, marked
   * `formerMember`), costliest first.
   */
  byMember: MemberUsage[];
}

/**
 * usage.summary: totals by resource over a range, and one line per member; with `userId`, one
 * person's (scoped as usage.daily).
 */
export async function summarizeUsage(
  db: Executor,
  actor: UserCaller,
  input: DayRange & UsageAsk,
): Promise<UsageSummary> {
  const scope = await usageScope(db, actor, input);
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
  const former =
    scope.accountOwnerId === null
      ? sql<boolean>`false`
      : sql<boolean>`(p.id <> ${scope.accountOwnerId} AND m.account_owner_id IS DISTINCT FROM ${scope.accountOwnerId})`;
  const { rows } = await sql<MemberUsage & { isTotal: boolean }>`
    WITH people AS (${people})
    SELECT grouping(p.id) = 1 AS is_total, p.id AS user_id, m.email, m.name,
           coalesce(${former}, false) AS former_member, ${SUMS}
    FROM people p
    JOIN users m ON m.id = p.id
    LEFT JOIN usage_daily u ON u.user_id = p.id AND ${inRange} AND ${filter}
    GROUP BY GROUPING SETS ((p.id, m.email, m.name, m.account_owner_id), ())
    ORDER BY is_total, total_cost DESC, m.email`.execute(db);
  const {
    isTotal: _total,
    userId: _user,
    email: _email,
    name: _name,
    formerMember: _former,
    ...totals
  } = rows.at(-1)!;
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
 * usage.top: the accounts that cost most over a range (ties by owner id). Ranked on the rollup
 * usage_account_months (migration 0019: each account's running total day by day, kept exact by
 * usage_daily's own triggers), so a 30-day range reads two rows per account whatever its users
 * and days: the range's cost of an account is, for each month it touches, the running total on
 * its last day in the range minus the one before its first. Only the winners' rows of usage_daily
 * are read then, for their distinct users. An account whose usage in the range cost nothing is
 * not in the rollup's ranking; when fewer accounts than asked cost anything, the whole answer
 * comes from usage_daily (rankRows) so such accounts are listed as before.
 */
export async function listTopAccounts(
  db: Executor,
  input: DayRange & { limit: number },
): Promise<TopAccount[]> {
  const fromMonth = sql`date_trunc('month', ${input.from}::date)::date`;
  const toMonth = sql`date_trunc('month', ${input.to}::date)::date`;
  const { rows } = await sql<TopAccount>`
    WITH per_account AS (
      SELECT account_owner_id,
             sum(cum[CASE WHEN month = ${toMonth} THEN extract(day FROM ${input.to}::date)::int
                          ELSE cardinality(cum) END]
                 - coalesce(cum[CASE WHEN month = ${fromMonth}
                                     THEN extract(day FROM ${input.from}::date)::int
                                     ELSE 1 END - 1], 0)) AS cost
      FROM usage_account_months
      WHERE month BETWEEN ${fromMonth} AND ${toMonth}
      GROUP BY account_owner_id
    ), winners AS (
      SELECT account_owner_id, cost FROM per_account
      WHERE cost > 0
      ORDER BY cost DESC, account_owner_id
      LIMIT ${input.limit}
    )
    SELECT w.account_owner_id, o.email AS owner_email, o.name AS owner_name,
           round(w.cost, 4) AS total_cost,
           (SELECT count(DISTINCT u.user_id)::int FROM usage_daily u
            WHERE u.account_owner_id = w.account_owner_id
              AND u.date BETWEEN ${input.from}::date AND ${input.to}::date) AS active_users
    FROM winners w
    JOIN users o ON o.id = w.account_owner_id
    ORDER BY w.cost DESC, w.account_owner_id`.execute(db);
  if (rows.length === input.limit) return rows;
  return rankRows(db, input);
}

/**
 * The same ranking from usage_daily itself: every account with usage in the range, costing
 * something or not. Summed per user first, then per account, so the distinct-user count needs no
 * sort; reads only the covering index on `date` (migration 0004).
 */
async function rankRows(db: Executor, input: DayRange & { limit: number }): Promise<TopAccount[]> {
  const { rows } = await rankRowsStatement(input).execute(db);
  return rows;
}

/** rankRows' statement (also the benchmark's "before the rollup" baseline). */
export function rankRowsStatement(input: DayRange & { limit: number }) {
  return sql<TopAccount>`
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
    ORDER BY a.cost DESC, a.account_owner_id`;
}
