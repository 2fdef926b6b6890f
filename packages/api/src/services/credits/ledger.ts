// The ledger's arithmetic (SPEC §2.1, §3.4), on plain objects and no database: how a charge, a
// refund and a grant move an owner's credits, and the ledger entries each move writes. The store
// (./store.ts) locks, reads and saves the states these functions change.
import { Decimal, dec, round4, type DecimalInput } from '../../money.ts';
import type { BillingMode, CreditPool, LedgerKind } from '../../schemas.ts';

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
  billingMode: BillingMode;
  email: string;
}

export interface LedgerEntry {
  userId: string;
  kind: LedgerKind;
  pool: CreditPool;
  /** Positive adds to the pool, negative spends from it. */
  amount: string;
  /** Available credits (paid + free) after this entry. */
  balanceAfter: string;
  usageDailyId: string | null;
  description: string;
}

/** The user_credits totals the balance is computed from (decimal strings or Decimals). */
export interface CreditTotals {
  totalPurchased: DecimalInput;
  totalUsed: DecimalInput;
  freeCreditsGranted: DecimalInput;
  freeCreditsUsed: DecimalInput;
  unpaidUsage: DecimalInput;
}

/** What is left of an owner's credits, 4 decimals. */
export interface CreditsLeft {
  paid: string;
  free: string;
  available: string;
  unpaidUsage: string;
}

export interface Balance extends CreditsLeft {
  userId: string;
  creditsExhausted: boolean;
  billingMode: BillingMode;
}

function paidLeft(s: CreditTotals): Decimal {
  return dec(s.totalPurchased).minus(s.totalUsed);
}

function freeLeft(s: CreditTotals): Decimal {
  return dec(s.freeCreditsGranted).minus(s.freeCreditsUsed);
}

export function availableOf(s: CreditTotals): Decimal {
  return paidLeft(s).plus(freeLeft(s));
}

/** Paid, free and available credits and unpaid usage, as the API shows them. */
export function creditsLeft(s: CreditTotals): CreditsLeft {
  return {
    paid: round4(paidLeft(s)),
    free: round4(freeLeft(s)),
    available: round4(availableOf(s)),
    unpaidUsage: round4(s.unpaidUsage),
  };
}

export function balanceOf(s: CreditState): Balance {
  return {
    userId: s.userId,
    ...creditsLeft(s),
    creditsExhausted: s.exhausted,
    billingMode: s.billingMode,
  };
}

function entry(
  s: CreditState,
  kind: LedgerKind,
  pool: CreditPool,
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
  pool: CreditPool,
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

/**
 * Moves what is left of `from`'s credits to `to` (an ownership transfer, SPEC §11): each pool's
 * remainder leaves `from` and arrives at `to` as an 'adjustment' of the same size, so both ledgers
 * stay balanced pool by pool; the unpaid usage moves with them (it is the account's debt, and is
 * not in the ledger). `from` keeps its lifetime counters and usage: past usage keeps its payer.
 */
export function transferCredits(
  from: CreditState,
  to: CreditState,
  description: { out: string; in: string },
): { out: LedgerEntry[]; in: LedgerEntry[]; paid: string; free: string; unpaidUsage: string } {
  const paid = paidLeft(from);
  const free = freeLeft(from);
  const unpaid = from.unpaidUsage;
  const out: LedgerEntry[] = [];
  const into: LedgerEntry[] = [];
  if (paid.gt(0)) {
    from.totalPurchased = from.totalPurchased.minus(paid);
    out.push(entry(from, 'adjustment', 'paid', paid.neg(), null, description.out));
    to.totalPurchased = to.totalPurchased.plus(paid);
    into.push(entry(to, 'adjustment', 'paid', paid, null, description.in));
  }
  if (free.gt(0)) {
    from.freeCreditsGranted = from.freeCreditsGranted.minus(free);
    out.push(entry(from, 'adjustment', 'free', free.neg(), null, description.out));
    to.freeCreditsGranted = to.freeCreditsGranted.plus(free);
    into.push(entry(to, 'adjustment', 'free', free, null, description.in));
  }
  from.unpaidUsage = dec(0);
  to.unpaidUsage = to.unpaidUsage.plus(unpaid);
  return { out, in: into, paid: round4(paid), free: round4(free), unpaidUsage: round4(unpaid) };
}
