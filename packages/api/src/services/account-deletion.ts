// Deleting an account (SPEC §11): the person themself (`account.delete`) or an admin
// (`admin.users.delete`). Refused while the account has members (they are removed or the account
// handed over first) or an invoice is unpaid. Otherwise, in the caller's one transaction: the mail
// `account_deleted` to the address as it was, open invites revoked, the cluster assignment ended
// through the assignment service, the Stripe subscription's cancellation (with a final invoice)
// queued as a job, every session ended, and the person's row kept as status `deleted` with the
// e-mail replaced, name and registration IP cleared — so usage, ledger and audit rows keep
// pointing at it, a sign-in with that id is refused, and the e-mail is free for a new account.
import { createHash } from 'node:crypto';
import type { Db } from '@hops/db';
import { sql } from 'kysely';
import type { AuditActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Logger } from '../context.ts';
import type { Transaction } from '../db.ts';
import { badRequest, conflict, forbidden, preconditionFailed } from '../errors.ts';
import { formatUsd } from '../decimal.ts';
import type { StripeApi } from '../integrations/stripe.ts';
import { enqueue } from '../jobs/queue.ts';
import { dropAssignment, unassignAccount } from './assignment.ts';
import { queueMail, type MailQueueDeps } from './mail/outbox.ts';
import { revokeSessions } from './sessions.ts';
import { countMembers, lockUser } from './users.ts';
import { emailKey, sameEmail } from '../schemas.ts';

export interface AccountDeletion {
  userId: string;
  /** The cluster the person (and, for an owner, the account) was taken off, or null. */
  droppedClusterId: string | null;
  /** Open invites revoked: sent by the account, or addressed to the person. */
  revokedInvites: number;
  /** Whether a job cancels a Stripe subscription with a final invoice. */
  subscriptionCancelled: boolean;
  /** Whether the mail to the former address was queued (false: mail is off). */
  mailed: boolean;
}

/** The address a deleted person's row keeps: unique, never deliverable, not the person's. */
export const deletedEmailOf = (userId: string) =>
  `deleted-${createHash('sha256').update(userId).digest('hex').slice(0, 24)}@deleted.invalid`;

/** What the job that cancels a deleted account's subscription carries. */
export const CANCEL_JOB = { maxAttempts: 25 } as const;

/** The checks the confirmation of `account.delete` makes: the caller types their own e-mail. */
export function checkDeletionConfirmation(email: string, typed: string): void {
  if (!sameEmail(typed, email)) {
    throw badRequest(
      `To delete your account, type your e-mail address (${email}) exactly as shown.`,
    );
  }
}

/**
 * Deletes `input.userId`'s account in `trx`. `input.self`: the person deletes their own (else an
 * admin, who may not delete their own account this way).
 */
export async function deleteAccount(
  trx: Transaction,
  actor: AuditActor,
  deps: MailQueueDeps,
  input: { userId: string; reason: string | null; self: boolean },
): Promise<AccountDeletion> {
  if (!input.self && input.userId === actor.userId) {
    throw forbidden('You cannot delete your own account from the admin pages; use Settings.');
  }
  const user = await lockUser(trx, input.userId);
  if (user.status === 'deleted') throw conflict(`${user.email} is already deleted.`);
  const whose = input.self ? 'your account' : `the account of ${user.email}`;
  const isOwner = user.accountOwnerId === null;
  if (isOwner) {
    const members = await countMembers(trx, user.id);
    if (members > 0) {
      throw preconditionFailed(
        `${input.self ? 'Your account has' : `${user.email} has`} ${members} ${members === 1 ? 'member' : 'members'}: remove ${members === 1 ? 'them' : 'them all'} or transfer ownership first, then delete ${whose}.`,
      );
    }
  }
  const billing = await trx
    .selectFrom('billingAccounts')
    .select([
      'stripeSubscriptionId',
      'subscriptionStatus',
      'paymentFailedInvoiceId',
      'paymentFailedAmount',
    ])
    .where('ownerId', '=', user.id)
    .executeTakeFirst();
  if (billing?.paymentFailedInvoiceId) {
    throw preconditionFailed(
      `Invoice ${billing.paymentFailedInvoiceId} of ${formatUsd(billing.paymentFailedAmount ?? '0')} is unpaid: it must be paid before ${whose} can be deleted.`,
    );
  }

  // The mail first, to the address as it still is.
  const mailId = await queueMail(trx, deps, {
    kind: 'account_deleted',
    to: user.email,
    toUserId: user.id,
    params: { email: user.email },
  });

  const revoked = await trx
    .updateTable('teamInvites')
    .set({ revokedAt: sql`now()` })
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .where((eb) =>
      eb.or([
        eb('accountOwnerId', '=', user.id),
        eb(eb.fn('lower', ['email']), '=', emailKey(user.email)),
      ]),
    )
    .executeTakeFirst();

  let droppedClusterId: string | null;
  if (isOwner) {
    droppedClusterId = (await unassignAccount(trx, actor, user.id, 'delete')).from;
  } else {
    droppedClusterId = await dropAssignment(trx, user.id, 'delete');
  }

  const subscriptionId =
    user.billingMode === 'postpaid' &&
    billing?.stripeSubscriptionId &&
    billing.subscriptionStatus !== 'canceled'
      ? billing.stripeSubscriptionId
      : null;
  if (subscriptionId) {
    await enqueue(
      trx,
      'billing.cancelSubscription',
      { subscriptionId, ownerId: user.id },
      { jobKey: `cancel-subscription:${subscriptionId}`, ...CANCEL_JOB },
    );
  }

  await trx
    .updateTable('users')
    .set({
      status: 'deleted',
      email: deletedEmailOf(user.id),
      name: null,
      registrationIp: null,
      accountOwnerId: null,
    })
    .where('id', '=', user.id)
    .execute();
  await revokeSessions(trx, user.id);

  const result: AccountDeletion = {
    userId: user.id,
    droppedClusterId,
    revokedInvites: Number(revoked.numUpdatedRows),
    subscriptionCancelled: subscriptionId !== null,
    mailed: mailId !== null,
  };
  await recordAudit(
    trx,
    actor,
    input.self ? 'account.delete' : 'admin.users.delete',
    { type: 'user', id: user.id },
    {
      reason: input.reason,
      role: isOwner ? 'owner' : 'member',
      formerOwnerId: user.accountOwnerId,
      droppedClusterId,
      revokedInvites: result.revokedInvites,
      subscriptionId,
    },
  );
  return result;
}

/**
 * The job: cancels a deleted account's subscription at Stripe with a final invoice of the usage
 * to date. Already cancelled (a retry after Stripe answered): nothing to do. Stripe off on this
 * server: thrown, so the job waits (with backoff) for a server that has it.
 */
export async function cancelDeletedSubscription(
  db: Db,
  deps: { stripe: StripeApi | null | undefined; log: Logger },
  payload: { subscriptionId: string; ownerId: string },
): Promise<'cancelled' | 'already'> {
  if (!deps.stripe) {
    throw new Error('Stripe is off on this server; the cancellation waits for one with Stripe.');
  }
  const current = await deps.stripe.retrieveSubscription(payload.subscriptionId);
  if (current.status === 'canceled') return 'already';
  const cancelled = await deps.stripe.cancelSubscription(payload.subscriptionId);
  await db
    .updateTable('billingAccounts')
    .set({ subscriptionStatus: cancelled.status })
    .where('ownerId', '=', payload.ownerId)
    .where('stripeSubscriptionId', '=', payload.subscriptionId)
    .execute();
  deps.log.info(
    { subscriptionId: payload.subscriptionId, ownerId: payload.ownerId },
    'subscription of a deleted account cancelled with a final invoice',
  );
  return 'cancelled';
}
