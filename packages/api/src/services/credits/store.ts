// Prepaid credits in the database (SPEC §2.1 user_credits, §2.2 credit_transactions): every change
// of an owner's credits goes through the append-only ledger in the transaction that causes it,
// with the owner's user_credits row locked, so the ledger always sums to the user_credits totals.
// Lock order everywhere: users rows first, then user_credits, each in user id order.
import { sql } from 'kysely';
import type { AuditActor } from '../../actor.ts';
import type { Executor, Transaction } from '../../db.ts';
import { emitEvent } from '../../outbox.ts';
import { dec, round4 } from '../../money.ts';
import type { BillingMode } from '../../schemas.ts';
import { exhaustedAfter, type CreditState, type CreditTotals, type LedgerEntry } from './ledger.ts';

/** An owner's user_credits totals as they stand (no lock: for showing a balance); null without a row. */
export async function readCreditTotals(db: Executor, userId: string): Promise<CreditTotals | null> {
  const row = await db
    .selectFrom('userCredits')
    .select(['totalPurchased', 'totalUsed', 'freeCreditsGranted', 'freeCreditsUsed', 'unpaidUsage'])
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row ?? null;
}

interface CreditRow {
  userId: string;
  totalPurchased: string;
  totalUsed: string;
  freeCreditsGranted: string;
  freeCreditsUsed: string;
  unpaidUsage: string;
  cpuHoursUsed: string;
  gpuHoursUsed: string;
  storageGbMonths: string;
  exhausted: boolean;
  billingMode: BillingMode;
  email: string;
}

/**
 * Locks the user_credits rows of `userIds` (in user id order, the order every writer uses) and
 * reads them. With `create`, rows are first created for those of them that are prepaid owners.
 * Callers lock the owners' `users` rows before this (users before user_credits, everywhere).
 */
export async function lockCredits(
  trx: Transaction,
  userIds: readonly string[],
  options: { createFor: 'prepaid' | 'all' },
): Promise<Map<string, CreditState>> {
  const states = new Map<string, CreditState>();
  if (userIds.length === 0) return states;
  await sql`
    INSERT INTO user_credits (user_id)
    SELECT id FROM users
    WHERE id = ANY(${userIds}::text[])
      AND (${options.createFor === 'all'} OR billing_mode = 'prepaid')
    ON CONFLICT (user_id) DO NOTHING`.execute(trx);
  const { rows } = await sql<CreditRow>`
    SELECT c.user_id, c.total_purchased, c.total_used, c.free_credits_granted, c.free_credits_used,
           c.unpaid_usage, c.cpu_hours_used, c.gpu_hours_used, c.storage_gb_months,
           coalesce(u.feature_flags -> 'credits_exhausted' = 'true'::jsonb, false) AS exhausted,
           u.billing_mode, u.email
    FROM user_credits c
    JOIN users u ON u.id = c.user_id
    WHERE c.user_id = ANY(${userIds}::text[])
    ORDER BY c.user_id
    FOR UPDATE OF c`.execute(trx);
  for (const r of rows) {
    states.set(r.userId, {
      userId: r.userId,
      totalPurchased: dec(r.totalPurchased),
      totalUsed: dec(r.totalUsed),
      freeCreditsGranted: dec(r.freeCreditsGranted),
      freeCreditsUsed: dec(r.freeCreditsUsed),
      unpaidUsage: dec(r.unpaidUsage),
      cpuHoursUsed: dec(r.cpuHoursUsed),
      gpuHoursUsed: dec(r.gpuHoursUsed),
      storageGbMonths: dec(r.storageGbMonths),
      exhausted: r.exhausted,
      billingMode: r.billingMode,
      email: r.email,
    });
  }
  return states;
}

/**
 * A ledger entry as stored. An entry for a usage row names it by usage_daily's key, (id, date):
 * usage_daily is partitioned by month (migration 0015), and the reference is to both.
 */
export type StoredLedgerEntry = LedgerEntry & { usageDailyDate?: string | null };

/** Appends ledger entries in one statement, in the order given (created_at = time of writing). */
export async function insertLedger(
  trx: Transaction,
  actor: AuditActor,
  entries: readonly StoredLedgerEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const n = entries.length;
  const users = new Array<string>(n);
  const kinds = new Array<string>(n);
  const pools = new Array<string>(n);
  const amounts = new Array<string>(n);
  const balances = new Array<string>(n);
  const rowIds = new Array<string | null>(n);
  const rowDates = new Array<string | null>(n);
  const descriptions = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    if (e.usageDailyId !== null && !e.usageDailyDate) {
      throw new Error(`Ledger entry for usage row ${e.usageDailyId} is missing the row's date.`);
    }
    users[i] = e.userId;
    kinds[i] = e.kind;
    pools[i] = e.pool;
    amounts[i] = e.amount;
    balances[i] = e.balanceAfter;
    rowIds[i] = e.usageDailyId;
    rowDates[i] = e.usageDailyId === null ? null : e.usageDailyDate!;
    descriptions[i] = e.description;
  }
  // PostgreSQL checks each entry's reference into usage_daily with one query per row (its
  // foreign-key trigger), and on the partitioned table the plan cache's `auto` mode plans that
  // query afresh for every row (its one-partition custom plan looks cheaper than the generic plan
  // over all partitions, which prunes to that one partition when it runs anyway). Measured on 650
  // entries: 150 ms planned per row, 41 ms with the generic plan, 20 ms without references. So
  // the generic plan for this statement only, and the transaction's mode back after it.
  const referencesUsage = rowIds.some((id) => id !== null);
  let mode: string | undefined;
  if (referencesUsage) {
    const { rows } = await sql<{ mode: string }>`
      SELECT current_setting('plan_cache_mode') AS mode,
             set_config('plan_cache_mode', 'force_generic_plan', true)`.execute(trx);
    mode = rows[0]!.mode;
  }
  // Typed arrays (cheaper to parse than a JSON document), in the order given. clock_timestamp(),
  // not now(): a transaction that waited for the owner's lock writes entries that come after the
  // ones it waited for, and the ledger lists them newest first.
  await sql`
    INSERT INTO credit_transactions
      (user_id, kind, pool, amount, balance_after, usage_daily_id, usage_daily_date, description,
       actor, created_at)
    SELECT e.user_id, e.kind, e.pool, e.amount, e.balance_after, e.usage_daily_id,
           e.usage_daily_date, e.description, ${actor.label}, clock_timestamp()
    FROM unnest(${users}::text[], ${kinds}::text[], ${pools}::text[], ${amounts}::numeric[],
                ${balances}::numeric[], ${rowIds}::uuid[], ${rowDates}::date[],
                ${descriptions}::text[]) WITH ORDINALITY AS e(
      user_id, kind, pool, amount, balance_after, usage_daily_id, usage_daily_date, description,
      seq)
    ORDER BY e.seq`.execute(trx);
  if (mode !== undefined) {
    await sql`SELECT set_config('plan_cache_mode', ${mode}, true)`.execute(trx);
  }
}

/** Writes the states back in one statement, and flips `credits_exhausted` where it changed. */
export async function saveCredits(
  trx: Transaction,
  states: readonly CreditState[],
  options: { purchased?: boolean } = {},
): Promise<void> {
  if (states.length === 0) return;
  const json = JSON.stringify(
    states.map((s) => ({
      user_id: s.userId,
      total_purchased: round4(s.totalPurchased),
      total_used: round4(s.totalUsed),
      free_credits_granted: round4(s.freeCreditsGranted),
      free_credits_used: round4(s.freeCreditsUsed),
      unpaid_usage: round4(s.unpaidUsage),
      cpu_hours_used: round4(s.cpuHoursUsed),
      gpu_hours_used: round4(s.gpuHoursUsed),
      storage_gb_months: round4(s.storageGbMonths),
    })),
  );
  await sql`
    UPDATE user_credits c
    SET total_purchased = n.total_purchased, total_used = n.total_used,
        free_credits_granted = n.free_credits_granted, free_credits_used = n.free_credits_used,
        unpaid_usage = n.unpaid_usage, cpu_hours_used = n.cpu_hours_used,
        gpu_hours_used = n.gpu_hours_used, storage_gb_months = n.storage_gb_months,
        last_purchase_at = CASE WHEN ${options.purchased === true} THEN now()
                                ELSE c.last_purchase_at END
    FROM jsonb_to_recordset(${json}::jsonb) AS n(
      user_id text, total_purchased numeric, total_used numeric, free_credits_granted numeric,
      free_credits_used numeric, unpaid_usage numeric, cpu_hours_used numeric,
      gpu_hours_used numeric, storage_gb_months numeric)
    WHERE c.user_id = n.user_id`.execute(trx);

  const flips = states
    .map((s) => ({ s, after: exhaustedAfter(s) }))
    .filter(({ s, after }) => after !== s.exhausted);
  if (flips.length === 0) return;
  await sql`
    UPDATE users u
    SET feature_flags = CASE WHEN f.exhausted
                             THEN u.feature_flags || '{"credits_exhausted": true}'::jsonb
                             ELSE u.feature_flags - 'credits_exhausted' END
    FROM unnest(${flips.map((f) => f.s.userId)}::text[], ${flips.map((f) => f.after)}::boolean[])
      AS f(user_id, exhausted)
    WHERE u.id = f.user_id`.execute(trx);
  // One alert each time an owner's flag turns on (rare: only owners who just ran out).
  for (const { s, after } of flips) {
    if (after) {
      await emitEvent(trx, {
        kind: 'credits.exhausted',
        payload: { ownerId: s.userId, email: s.email, unpaidUsage: round4(s.unpaidUsage) },
      });
    }
    s.exhausted = after;
  }
}
