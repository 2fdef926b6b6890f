// Handing an account to one of its members (SPEC §11, team.transferOwnership): in one transaction
// the member becomes the owner and the owner a member of the new one, and everything that belongs
// to the account follows — the other members, open invites, billing mode, the Stripe customer and
// its billing row, and the credits (recorded in both ledgers). The people's cluster rows stay as
// they are: everyone in the account is already on its cluster. Past usage keeps its payer.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { UserCaller } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Executor, Transaction } from '../db.ts';
import { utcToday } from '../days.ts';
import { badRequest, forbidden, notFound, preconditionFailed } from '../errors.ts';
import { idempotencyKey, type StripeApi } from '../integrations/stripe.ts';
import { enqueue } from '../jobs/queue.ts';
import { emitEvent } from '../outbox.ts';
import type { BillingMode } from '../schemas.ts';
import { transferCredits } from './credits/ledger.ts';
import { insertLedger, lockCredits, saveCredits } from './credits/store.ts';
import { clusterOfUser, lockUserIfAny, lockUsers } from './users.ts';

export interface OwnershipTransfer {
  /** Names this transfer (the Stripe job's idempotency key is made from it). */
  transferId: string;
  newOwnerId: string;
  formerOwnerId: string;
  /** Members who moved with the account, besides the former owner. */
  members: number;
  /** Open invites that moved to the new owner. */
  invites: number;
  /** The account's cluster (everyone stays on it), or null. */
  clusterId: string | null;
  billingMode: BillingMode;
  stripeCustomerId: string | null;
  /** What moved of the credits: 4-decimal USD strings. */
  credits: { paid: string; free: string; unpaidUsage: string } | null;
}

/** The owner hands their account to `memberId`, one of their active members. */
export async function transferOwnership(
  trx: Transaction,
  actor: UserCaller,
  memberId: string,
): Promise<OwnershipTransfer> {
  const callerId = actor.user.id;
  if (memberId === callerId) {
    throw badRequest('You already own this account. Choose one of your members to hand it to.');
  }
  // Users rows first, in id order (the order every writer takes them), then user_credits.
  await lockUsers(trx, [callerId, memberId]);
  const owner = await lockUserIfAny(trx, callerId);
  if (!owner || owner.accountOwnerId !== null) {
    throw forbidden('Only the account owner can transfer ownership.');
  }
  const member = await lockUserIfAny(trx, memberId);
  if (member?.accountOwnerId !== owner.id) {
    throw notFound(`There is no member ${memberId} in your team.`);
  }
  if (member.status !== 'active') {
    throw preconditionFailed(
      member.status === 'suspended'
        ? `${member.email} is suspended, so the account cannot be handed to them. Ask an admin to reactivate them first.`
        : `${member.email} has deleted their account, so the account cannot be handed to them.`,
    );
  }

  const others = (
    await trx
      .selectFrom('users')
      .select('id')
      .where('accountOwnerId', '=', owner.id)
      .where('id', '<>', member.id)
      .orderBy('id')
      .execute()
  ).map((r) => r.id);
  await lockUsers(trx, others);

  const full = await trx
    .selectFrom('users')
    .select([
      'stripeTestCustomerId',
      'spendingCapUsd',
      'spendingCapPolicy',
      'spendingSuspendedMonth',
    ])
    .where('id', '=', owner.id)
    .executeTakeFirstOrThrow();

  // The order the no-nested-teams trigger needs: the new owner first stands alone, then the
  // others join them, and the former owner (with no members left) joins last.
  await trx
    .updateTable('users')
    .set({
      accountOwnerId: null,
      billingMode: owner.billingMode,
      stripeCustomerId: owner.stripeCustomerId,
      stripeTestCustomerId: full.stripeTestCustomerId,
      // The spending cap is the account's (SPEC §11): it moves, with a stop in force.
      spendingCapUsd: full.spendingCapUsd,
      spendingCapPolicy: full.spendingCapPolicy,
      spendingSuspendedMonth: full.spendingSuspendedMonth,
    })
    .where('id', '=', member.id)
    .execute();
  if (others.length > 0) {
    await trx
      .updateTable('users')
      .set({ accountOwnerId: member.id })
      .where('id', 'in', others)
      .execute();
  }
  await trx
    .updateTable('users')
    .set({
      accountOwnerId: member.id,
      stripeCustomerId: null,
      stripeTestCustomerId: null,
      spendingCapUsd: null,
      spendingCapPolicy: 'notify',
      spendingSuspendedMonth: null,
    })
    .where('id', '=', owner.id)
    .execute();

  const invites = await trx
    .updateTable('teamInvites')
    .set({ accountOwnerId: member.id })
    .where('accountOwnerId', '=', owner.id)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();

  // The account's Stripe billing row follows it; one the new owner kept from before they joined
  // (a card of their own, no longer billed) gives way.
  const billing = await trx
    .selectFrom('billingAccounts')
    .select('stripeCustomerId')
    .where('ownerId', '=', owner.id)
    .executeTakeFirst();
  let replacedCustomerId: string | null = null;
  if (billing) {
    const replaced = await trx
      .deleteFrom('billingAccounts')
      .where('ownerId', '=', member.id)
      .returning('stripeCustomerId')
      .executeTakeFirst();
    replacedCustomerId = replaced?.stripeCustomerId ?? null;
    await trx
      .updateTable('billingAccounts')
      .set({ ownerId: member.id })
      .where('ownerId', '=', owner.id)
      .execute();
  }
  const customerId = billing?.stripeCustomerId ?? owner.stripeCustomerId;
  if (customerId) await passBilledDays(trx, owner.id, member.id);

  const transferId = randomUUID();
  const credits = await moveCredits(trx, actor, owner, member);

  const clusterId = (await clusterOfUser(trx, member.id))?.id ?? null;
  const result: OwnershipTransfer = {
    transferId,
    newOwnerId: member.id,
    formerOwnerId: owner.id,
    members: others.length,
    invites: Number(invites.numUpdatedRows),
    clusterId,
    billingMode: owner.billingMode,
    stripeCustomerId: customerId,
    credits,
  };
  await recordAudit(
    trx,
    actor,
    'team.transferOwnership',
    { type: 'user', id: member.id },
    {
      ...result,
      formerOwnerEmail: owner.email,
      newOwnerEmail: member.email,
      ...(replacedCustomerId ? { replacedStripeCustomerId: replacedCustomerId } : {}),
    },
  );
  await emitEvent(trx, {
    kind: 'team.ownership_transferred',
    payload: {
      formerOwnerId: owner.id,
      formerOwnerEmail: owner.email,
      newOwnerId: member.id,
      newOwnerEmail: member.email,
      members: others.length + 1,
    },
  });
  if (customerId) {
    // One job per customer: a second transfer before it runs only updates its payload, and the
    // job writes whoever owns the customer when it runs.
    await enqueue(
      trx,
      'billing.updateCustomerOwner',
      { customerId, transferId },
      { jobKey: `billing:customer-owner:${customerId}` },
    );
  }
  return result;
}

/**
 * The days the former owner paid (to this day) are billed on the customer the new owner now
 * holds, and so are those of the owners before them: the usage reporter sums an owner's days over
 * these predecessors, so what the former owner had not reported yet still reaches Stripe.
 */
async function passBilledDays(trx: Transaction, formerOwnerId: string, newOwnerId: string) {
  await trx
    .updateTable('billingPredecessors')
    .set({ ownerId: newOwnerId })
    .where('ownerId', '=', formerOwnerId)
    .execute();
  // Handed back: the new owner's own days are theirs again, without a limit.
  await trx.deleteFrom('billingPredecessors').where('payerId', '=', newOwnerId).execute();
  await trx
    .insertInto('billingPredecessors')
    .values({ payerId: formerOwnerId, ownerId: newOwnerId, through: utcToday() })
    .onConflict((oc) =>
      oc.column('payerId').doUpdateSet((eb) => ({
        ownerId: eb.ref('excluded.ownerId'),
        through: eb.ref('excluded.through'),
      })),
    )
    .execute();
}

/** Moves the former owner's credits to the new owner, through both ledgers. */
async function moveCredits(
  trx: Transaction,
  actor: UserCaller,
  from: { id: string; email: string },
  to: { id: string; email: string },
): Promise<OwnershipTransfer['credits']> {
  const has = await trx
    .selectFrom('userCredits')
    .select('userId')
    .where('userId', '=', from.id)
    .executeTakeFirst();
  if (!has) return null;
  const states = await lockCredits(trx, [from.id, to.id].sort(), { createFor: 'all' });
  const fromState = states.get(from.id)!;
  const toState = states.get(to.id)!;
  const wasExhausted = fromState.exhausted;
  const moved = transferCredits(fromState, toState, {
    out: `Account handed to ${to.email}`,
    in: `Account taken over from ${from.email}`,
  });
  await insertLedger(trx, actor, [...moved.out, ...moved.in]);
  await saveCredits(
    trx,
    [fromState, toState].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
  );
  if (wasExhausted) {
    // The former owner pays for nothing any more: their flag goes (the new owner's follows the
    // account's credits, set by saveCredits).
    await sql`UPDATE users SET feature_flags = feature_flags - 'credits_exhausted'
              WHERE id = ${from.id}`.execute(trx);
  }
  return { paid: moved.paid, free: moved.free, unpaidUsage: moved.unpaidUsage };
}

/**
 * The job after a transfer (billing.updateCustomerOwner): Stripe's customer metadata names the
 * account's owner as it is when the job runs (so two quick transfers end right whatever order
 * their jobs take). The idempotency key comes from the transfer: a retry is one update.
 */
export async function syncCustomerOwner(
  db: Executor,
  stripe: StripeApi,
  input: { customerId: string; transferId: string },
): Promise<{ ownerId: string } | null> {
  const owner =
    (await db
      .selectFrom('billingAccounts')
      .select('ownerId')
      .where('stripeCustomerId', '=', input.customerId)
      .executeTakeFirst()) ??
    (await db
      .selectFrom('users')
      .select('id as ownerId')
      .where('stripeCustomerId', '=', input.customerId)
      .where('accountOwnerId', 'is', null)
      .executeTakeFirst());
  if (!owner) return null;
  await stripe.setCustomerOwner(
    input.customerId,
    owner.ownerId,
    idempotencyKey('customer-owner', input.customerId, input.transferId, owner.ownerId),
  );
  return owner;
}
