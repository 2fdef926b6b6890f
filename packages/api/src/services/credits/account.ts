// An owner's credits as the procedures see them (SPEC §3.4): the balance, the ledger page by page,
// and admin grants. Balances belong to account owners; members have none of their own.
import type { AuditActor, UserCaller } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Executor, Transaction } from '../../db.ts';
import { PG, badRequest, forbidden, pgCode } from '../../errors.ts';
import { dec, round4 } from '../../money.ts';
import { beforeCursor, decodeTimeCursor, pageOf, timeKey, UUID } from '../../pagination.ts';
import type { CreditPool, LedgerKind } from '../../schemas.ts';
import { autoAssignAccount } from '../assignment.ts';
import { hasFlag, loadUser, lockUser, requireOwner } from '../users.ts';
import { addCredits, availableOf, balanceOf, creditsLeft, type Balance } from './ledger.ts';
import { insertLedger, lockCredits, readCreditTotals, saveCredits } from './store.ts';

/** The balance of an owner who never had a user_credits row. */
const NO_CREDITS = {
  totalPurchased: 0,
  totalUsed: 0,
  freeCreditsGranted: 0,
  freeCreditsUsed: 0,
  unpaidUsage: 0,
};

/** The account owner whose credits the caller asks about: their own, or (admins) anyone's. */
async function creditsOwner(db: Executor, actor: UserCaller, userId: string | undefined) {
  const caller = actor.user;
  const target = userId ?? caller.id;
  if (target !== caller.id && !caller.isAdmin) {
    throw forbidden('You can only see the credits of your own account.');
  }
  return requireOwner(
    await loadUser(db, target),
    (ownerId) => `; credits belong to the account owner (${ownerId}).`,
  );
}

/** credits.balance: an owner's paid and free credits, what is available, and what is unpaid. */
export async function getCreditBalance(
  db: Executor,
  actor: UserCaller,
  input: { userId?: string | undefined } = {},
): Promise<Balance> {
  const owner = await creditsOwner(db, actor, input.userId);
  const totals = await readCreditTotals(db, owner.id);
  return {
    userId: owner.id,
    ...creditsLeft(totals ?? NO_CREDITS),
    creditsExhausted: hasFlag(owner, 'credits_exhausted'),
    billingMode: owner.billingMode,
  };
}

export interface LedgerLine {
  id: string;
  kind: LedgerKind;
  pool: CreditPool;
  amount: string;
  balanceAfter: string;
  usageDailyId: string | null;
  description: string;
  actor: string;
  createdAt: string;
}

/** credits.transactions: the owner's ledger, newest first, one keyset page at a time. */
export async function listCreditTransactions(
  db: Executor,
  actor: UserCaller,
  input: { userId?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ items: LedgerLine[]; nextCursor: string | null }> {
  const owner = await creditsOwner(db, actor, input.userId);
  const after = decodeTimeCursor(input.cursor, UUID);
  const rows = await db
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
    items: page.items.map(({ createdAtKey: _key, createdAt, kind, pool, ...r }) => ({
      ...r,
      kind: kind,
      pool: pool,
      createdAt: createdAt.toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}

export interface GrantInput {
  userId: string;
  /** USD, > 0, at most 4 decimals. */
  amount: string;
  pool: CreditPool;
  reason: string;
}

/**
 * credits.grant: adds paid (a purchase) or free (a grant) credits to an owner, settles unpaid usage
 * from them, clears `credits_exhausted` once the balance is positive again, and then places the
 * account on a cluster if it just became eligible (no room never fails the grant).
 */
export async function grantCredits(
  trx: Transaction,
  actor: AuditActor,
  input: GrantInput,
): Promise<Balance> {
  const amount = dec(input.amount);
  if (!amount.gt(0)) throw badRequest('The amount must be greater than zero.');
  // users before user_credits, like every other writer (autoAssignAccount locks the same row).
  const owner = requireOwner(
    await lockUser(trx, input.userId),
    '; grant credits to the account owner instead.',
  );
  const state = (await lockCredits(trx, [owner.id], { createFor: 'all' })).get(owner.id)!;
  const unpaidBefore = state.unpaidUsage;
  const entries = addCredits(state, input.pool, amount, input.reason);
  try {
    await insertLedger(trx, actor, entries);
    await saveCredits(trx, [state], { purchased: input.pool === 'paid' });
  } catch (error) {
    if (pgCode(error) === PG.numericOutOfRange) {
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
  await autoAssignAccount(trx, actor, owner.id, { admin: false });
  return balanceOf(state);
}
