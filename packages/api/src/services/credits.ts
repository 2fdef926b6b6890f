// Prepaid credits (SPEC §2.1 user_credits, §2.2 credit_transactions, §3.4): every change of an
// owner's credits goes through the append-only ledger in the transaction that causes it, with the
// owner's user_credits row locked, so that the ledger always sums to the user_credits totals.
import { sql } from 'kysely';
import { Decimal, dec, round4, type Executor } from '@hops/db';
import type { AuditActor, UserActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import { badRequest, forbidden, notFound, pgCode } from '../errors.ts';
import { emitEvent } from '../events.ts';
import { beforeCursor, decodeTimeCursor, pageOf, timeKey, UUID } from '../pagination.ts';
import { autoAssignAccount } from './assignment.ts';

export type Pool = 'paid' | 'free';

/** An owner's credits while a transaction works on them (USD; all values exact decimals). */
export interface CreditState {
  userId: string;
  totalPurchased: Decimal;
  totalUsed: Decimal;
  freeCreditsGranted: Decimal;
  freeCreditsUsed: Decimal;
  unpaidUsage: Decimal;
  cpuHoursUsed: Decimal;
  gpuHoursUsed: Decimal;
  storageGbMonths: Decimal;
  /** `feature_flags.credits_exhausted` of the owner. */
  exhausted: boolean;
  billingMode: string;
  email: string;
}

export interface LedgerEntry {
  userId: string;
  kind: 'purchase' | 'grant' | 'usage' | 'refund';
  pool: Pool;
  /** Positive adds to the pool, negative spends from it. */
  amount: string;
  /** Available credits (paid + free) after this entry. */
  balanceAfter: string;
  usageDailyId: string | null;
  description: string;
}

export interface Balance {
  userId: string;
  paid: string;
  free: string;
  available: string;
  unpaidUsage: string;
  creditsExhausted: boolean;
  billingMode: 'prepaid' | 'postpaid';
}

const ZERO = dec(0);

/** SQLSTATE numeric_value_out_of_range: a sum past numeric(14,4). */
export const NUMERIC_OUT_OF_RANGE = '22003';

export function paidLeft(s: CreditState): Decimal {
  return s.totalPurchased.minus(s.totalUsed);
}

export function freeLeft(s: CreditState): Decimal {
  return s.freeCreditsGranted.minus(s.freeCreditsUsed);
}

export function availableOf(s: CreditState): Decimal {
  return paidLeft(s).plus(freeLeft(s));
}

function entry(
  s: CreditState,
  kind: LedgerEntry['kind'],
  pool: Pool,
  amount: Decimal,
  usageDailyId: string | null,
  description: string,
): LedgerEntry {
  return {
    userId: s.userId,
    kind,
    pool,
    amount: round4(amount),
    balanceAfter: round4(availableOf(s)),
    usageDailyId,
    description,
  };
}

/**
 * Spends `cost` (> 0) for a usage row: free credits first, then paid. What the credits cannot
 * cover is added to `unpaidUsage` (the balance never goes below zero).
 */
export function chargeUsage(
  s: CreditState,
  cost: Decimal,
  usageDailyId: string | null,
  description: string,
): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let due = cost;
  const fromFree = Decimal.min(due, freeLeft(s));
  if (fromFree.gt(0)) {
    s.freeCreditsUsed = s.freeCreditsUsed.plus(fromFree);
    due = due.minus(fromFree);
    entries.push(entry(s, 'usage', 'free', fromFree.neg(), usageDailyId, description));
  }
  const fromPaid = Decimal.min(due, paidLeft(s));
  if (fromPaid.gt(0)) {
    s.totalUsed = s.totalUsed.plus(fromPaid);
    due = due.minus(fromPaid);
    entries.push(entry(s, 'usage', 'paid', fromPaid.neg(), usageDailyId, description));
  }
  if (due.gt(0)) s.unpaidUsage = s.unpaidUsage.plus(due);
  return entries;
}

/**
 * Gives back `amount` (> 0) when a usage row's cost went down: it first reduces unpaid usage, then
 * returns credits to the paid pool, then to the free pool (the reverse of spending). Never more
 * than was spent: cost that was never charged to credits (priced while the owner was postpaid) is
 * not turned into credits.
 */
export function refundUsage(
  s: CreditState,
  amount: Decimal,
  usageDailyId: string | null,
  description: string,
): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const fromUnpaid = Decimal.min(amount, s.unpaidUsage);
  s.unpaidUsage = s.unpaidUsage.minus(fromUnpaid);
  let rest = amount.minus(fromUnpaid);
  const toPaid = Decimal.min(rest, s.totalUsed);
  if (toPaid.gt(0)) {
    s.totalUsed = s.totalUsed.minus(toPaid);
    rest = rest.minus(toPaid);
    entries.push(entry(s, 'refund', 'paid', toPaid, usageDailyId, description));
  }
  const toFree = Decimal.min(rest, s.freeCreditsUsed);
  if (toFree.gt(0)) {
    s.freeCreditsUsed = s.freeCreditsUsed.minus(toFree);
    entries.push(entry(s, 'refund', 'free', toFree, usageDailyId, description));
  }
  return entries;
}

/** Adds credits to a pool, then settles unpaid usage from them (SPEC: a grant pays the debt first). */
export function addCredits(
  s: CreditState,
  pool: Pool,
  amount: Decimal,
  description: string,
): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  if (pool === 'paid') s.totalPurchased = s.totalPurchased.plus(amount);
  else s.freeCreditsGranted = s.freeCreditsGranted.plus(amount);
  entries.push(entry(s, pool === 'paid' ? 'purchase' : 'grant', pool, amount, null, description));
  const settle = Decimal.min(amount, s.unpaidUsage);
  if (settle.gt(0)) {
    s.unpaidUsage = s.unpaidUsage.minus(settle);
    if (pool === 'paid') s.totalUsed = s.totalUsed.plus(settle);
    else s.freeCreditsUsed = s.freeCreditsUsed.plus(settle);
    entries.push(entry(s, 'usage', pool, settle.neg(), null, 'Settles unpaid usage'));
  }
  return entries;
}

/**
 * The `credits_exhausted` flag after a change: on while usage is unpaid; off again once nothing is
 * unpaid and the balance is positive; otherwise unchanged.
 */
export function exhaustedAfter(s: CreditState): boolean {
  if (s.unpaidUsage.gt(0)) return true;
  if (availableOf(s).gt(0)) return false;
  return s.exhausted;
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
  billingMode: string;
  email: string;
}

/**
 * Locks the user_credits rows of `userIds` (in user id order, the order every writer uses) and
 * reads them. With `create`, rows are first created for those of them that are prepaid owners.
 * Callers lock the owners' `users` rows before this (users before user_credits, everywhere).
 */
export async function lockCredits(
  trx: Executor,
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

/** Appends ledger entries in one statement, in the order given (created_at = time of writing). */
export async function insertLedger(
  trx: Executor,
  actor: AuditActor,
  entries: readonly LedgerEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const json = JSON.stringify(
    entries.map((e, seq) => ({
      seq,
      user_id: e.userId,
      kind: e.kind,
      pool: e.pool,
      amount: e.amount,
      balance_after: e.balanceAfter,
      usage_daily_id: e.usageDailyId,
      description: e.description,
    })),
  );
  // clock_timestamp(), not now(): a transaction that waited for the owner's lock writes entries
  // that come after the ones it waited for, and the ledger lists them newest first.
  await sql`
    INSERT INTO credit_transactions
      (user_id, kind, pool, amount, balance_after, usage_daily_id, description, actor, created_at)
    SELECT e.user_id, e.kind, e.pool, e.amount, e.balance_after, e.usage_daily_id, e.description,
           ${actor.label}, clock_timestamp()
    FROM jsonb_to_recordset(${json}::jsonb) AS e(
      seq int, user_id text, kind text, pool text, amount numeric, balance_after numeric,
      usage_daily_id uuid, description text)
    ORDER BY e.seq`.execute(trx);
}

/** Writes the states back in one statement, and flips `credits_exhausted` where it changed. */
export async function saveCredits(
  trx: Executor,
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
      await emitEvent(trx, 'credits.exhausted', {
        ownerId: s.userId,
        email: s.email,
        unpaidUsage: round4(s.unpaidUsage),
      });
    }
    s.exhausted = after;
  }
}

function balanceOf(s: CreditState): Balance {
  return {
    userId: s.userId,
    paid: round4(paidLeft(s)),
    free: round4(freeLeft(s)),
    available: round4(availableOf(s)),
    unpaidUsage: round4(s.unpaidUsage),
    creditsExhausted: s.exhausted,
    billingMode: s.billingMode as Balance['billingMode'],
  };
}

/** The account owner whose credits `caller` asks about: their own, or (admins) anyone's. */
async function creditsOwner(trx: Executor, caller: UserActor, userId: string | undefined) {
  const target = userId ?? caller.id;
  if (target !== caller.id && !caller.isAdmin) {
    throw forbidden('You can only see the credits of your own account.');
  }
  const user = await trx
    .selectFrom('users')
    .select(['id', 'email', 'accountOwnerId', 'billingMode', 'featureFlags'])
    .where('id', '=', target)
    .executeTakeFirst();
  if (!user) throw notFound(`There is no user with id ${target}.`);
  if (user.accountOwnerId) {
    throw badRequest(
      `${user.email} is a member of another account; credits belong to the account owner (${user.accountOwnerId}).`,
    );
  }
  return user;
}

/** credits.balance: an owner's paid and free credits, what is available, and what is unpaid. */
export async function creditBalance(
  trx: Executor,
  caller: UserActor,
  userId?: string,
): Promise<Balance> {
  const owner = await creditsOwner(trx, caller, userId);
  const row = await trx
    .selectFrom('userCredits')
    .selectAll()
    .where('userId', '=', owner.id)
    .executeTakeFirst();
  const flags = (owner.featureFlags ?? {}) as Record<string, unknown>;
  return balanceOf({
    userId: owner.id,
    email: owner.email,
    billingMode: owner.billingMode,
    exhausted: flags['credits_exhausted'] === true,
    totalPurchased: dec(row?.totalPurchased ?? 0),
    totalUsed: dec(row?.totalUsed ?? 0),
    freeCreditsGranted: dec(row?.freeCreditsGranted ?? 0),
    freeCreditsUsed: dec(row?.freeCreditsUsed ?? 0),
    unpaidUsage: dec(row?.unpaidUsage ?? 0),
    cpuHoursUsed: ZERO,
    gpuHoursUsed: ZERO,
    storageGbMonths: ZERO,
  });
}

export interface LedgerLine {
  id: string;
  kind: string;
  pool: string;
  amount: string;
  balanceAfter: string;
  usageDailyId: string | null;
  description: string;
  actor: string;
  createdAt: string;
}

/** credits.transactions: the owner's ledger, newest first, one keyset page at a time. */
export async function creditLedger(
  trx: Executor,
  caller: UserActor,
  input: { userId?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ items: LedgerLine[]; nextCursor: string | null }> {
  const owner = await creditsOwner(trx, caller, input.userId);
  const after = decodeTimeCursor(input.cursor, UUID);
  const rows = await trx
    .selectFrom('creditTransactions')
    .select([
      'id',
      'kind',
      'pool',
      'amount',
      'balanceAfter',
      'usageDailyId',
      'description',
      'actor',
      'createdAt',
      timeKey('createdAt').as('createdAtKey'),
    ])
    .where('userId', '=', owner.id)
    .$if(after !== null, (q) => q.where(beforeCursor('createdAt', 'id', after!)))
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(input.limit + 1)
    .execute();
  const page = pageOf(rows, input.limit, (r) => [r.createdAtKey, r.id]);
  return {
    items: page.items.map(({ createdAtKey: _key, createdAt, ...r }) => ({
      ...r,
      createdAt: createdAt.toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}

export interface GrantInput {
  userId: string;
  /** USD, > 0, at most 4 decimals. */
  amount: string;
  pool: Pool;
  reason: string;
}

/**
 * credits.grant: adds paid (a purchase) or free (a grant) credits to an owner, settles unpaid usage
 * from them, clears `credits_exhausted` once the balance is positive again, and then places the
 * account on a cluster if it just became eligible (no room never fails the grant).
 */
export async function grantCredits(
  trx: Executor,
  actor: AuditActor,
  input: GrantInput,
): Promise<Balance> {
  const amount = dec(input.amount);
  if (!amount.gt(0)) throw badRequest('The amount must be greater than zero.');
  // users before user_credits, like every other writer (autoAssignAccount locks the same row).
  const owner = await trx
    .selectFrom('users')
    .select(['id', 'email', 'accountOwnerId'])
    .where('id', '=', input.userId)
    .forUpdate()
    .executeTakeFirst();
  if (!owner) throw notFound(`There is no user with id ${input.userId}.`);
  if (owner.accountOwnerId) {
    throw badRequest(
      `${owner.email} is a member of another account; grant credits to the account owner instead.`,
    );
  }
  const state = (await lockCredits(trx, [owner.id], { createFor: 'all' })).get(owner.id)!;
  const unpaidBefore = state.unpaidUsage;
  const entries = addCredits(state, input.pool, amount, input.reason);
  try {
    await insertLedger(trx, actor, entries);
    await saveCredits(trx, [state], { purchased: input.pool === 'paid' });
  } catch (error) {
    if (pgCode(error) === NUMERIC_OUT_OF_RANGE) {
      throw badRequest('That grant would take the balance past what an account can hold.');
    }
    throw error;
  }
  await recordAudit(
    trx,
    actor,
    'credits.grant',
    { type: 'user', id: owner.id },
    {
      amount: round4(amount),
      pool: input.pool,
      reason: input.reason,
      settledUnpaidUsage: round4(unpaidBefore.minus(state.unpaidUsage)),
      available: round4(availableOf(state)),
    },
  );
  await autoAssignAccount(trx, owner.id, actor, { admin: false });
  return balanceOf(state);
}
