// The notice mails of SPEC §10 beyond the invite's: a member removed from a team, a payment that
// failed, prepaid credits running low (below 25 % and 10 % of the last top-up) and exhausted. Each
// is queued in the transaction of its cause; a dedupe key makes the ones that a repeated cause
// could raise twice (a Stripe event re-sent under a new id, parallel ingestions) go out once.
import type { Transaction } from '../../db.ts';
import { dec, round4 } from '../../money.ts';
import type { CreditState } from '../credits/ledger.ts';
import { availableOf } from '../credits/ledger.ts';
import { queueMail, type MailQueueDeps } from './outbox.ts';
import { loadPerson } from '../users.ts';

/** Tells a member that they were removed from `ownerId`'s account. */
export async function mailMemberRemoved(
  trx: Transaction,
  deps: MailQueueDeps,
  input: { memberId: string; ownerId: string },
): Promise<void> {
  const [member, owner] = [
    await loadPerson(trx, input.memberId),
    await loadPerson(trx, input.ownerId),
  ];
  await queueMail(trx, deps, {
    kind: 'member_removed',
    to: member.email,
    toUserId: member.id,
    params: {
      accountName: owner.name ? `${owner.name} (${owner.email})` : owner.email,
      ownerEmail: owner.email,
    },
  });
}

/** Tells the owner a payment failed; once per invoice, whatever Stripe re-sends. */
export async function mailPaymentFailed(
  trx: Transaction,
  deps: MailQueueDeps,
  input: { owner: { id: string; email: string }; invoiceId: string; amount: string; at: Date },
): Promise<void> {
  await queueMail(trx, deps, {
    kind: 'payment_failed',
    to: input.owner.email,
    toUserId: input.owner.id,
    params: { amount: input.amount, invoiceId: input.invoiceId, date: input.at.toISOString() },
    dedupeKey: `payment-failed:${input.invoiceId}`,
  });
}

/** The thresholds of "credits low", in % of the last top-up, highest first. */
export const CREDITS_LOW_PERCENTS = [25, 10] as const;

/**
 * After an ingestion charged prepaid owners: for each whose credits fell under a threshold of
 * their last top-up (the last entry that added credits), the one mail of the lowest threshold
 * reached — exhausted at zero, else 10 %, else 25 % — keyed by that top-up, so each threshold is
 * mailed once per top-up. The callers hold the owners' user_credits rows locked, so parallel
 * ingestions of one owner take turns here, and the keys keep even a repeat from sending twice.
 */
export async function mailCreditThresholds(
  trx: Transaction,
  deps: MailQueueDeps,
  charged: readonly CreditState[],
): Promise<void> {
  if (!deps.mail) return;
  for (const state of charged) {
    if (state.billingMode !== 'prepaid') continue;
    const available = availableOf(state);
    const topUp = await trx
      .selectFrom('creditTransactions')
      .select(['id', 'amount'])
      .where('userId', '=', state.userId)
      .where('kind', 'in', ['purchase', 'grant'])
      .where('amount', '>', '0')
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!topUp) continue;
    const base = { to: state.email, toUserId: state.userId };
    if (available.lte(0)) {
      await queueMail(trx, deps, {
        ...base,
        kind: 'credits_exhausted',
        params: { unpaid: round4(state.unpaidUsage) },
        dedupeKey: `credits-exhausted:${state.userId}:${topUp.id}`,
      });
      continue;
    }
    const percent = [...CREDITS_LOW_PERCENTS]
      .reverse()
      .find((p) => available.lt(dec(topUp.amount).times(p).dividedBy(100)));
    if (percent === undefined) continue;
    await queueMail(trx, deps, {
      ...base,
      kind: 'credits_low',
      params: { available: round4(available), percent, lastTopUp: round4(topUp.amount) },
      dedupeKey: `credits-low:${state.userId}:${topUp.id}:${percent}`,
    });
  }
}
