// The owner's ways to Stripe's own pages (SPEC §8): Checkout in setup mode to put a card on file,
// Checkout in payment mode to buy prepaid credits, and the Billing Portal. Every Stripe call is made
// before anything is written, so a refused call leaves our tables as they were.
import { randomUUID } from 'node:crypto';
import { inTransaction, type Db } from '@hops/db';
import type { UserCaller } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Executor, Transaction } from '../../db.ts';
import { preconditionFailed } from '../../errors.ts';
import { idempotencyKey } from '../../integrations/stripe.ts';
import { usdToCents } from '../../decimal.ts';
import { lockUser } from '../users.ts';
import {
  billingOwner,
  billingUrl,
  callStripe,
  requireStripe,
  type BillingDeps,
} from './account.ts';

/**
 * billing.setupPayment: the URL of a Checkout Session in setup mode for the caller's account,
 * creating its Stripe customer first if it has none. The customer's idempotency key comes from the
 * owner id, so a retry (or a second click) after a failure finds the same customer. It takes the
 * `Db` and writes in its own transaction, after Stripe answered: no transaction waits on Stripe.
 */
export async function setupPayment(
  db: Db,
  actor: UserCaller,
  deps: BillingDeps,
): Promise<{ url: string }> {
  const stripe = requireStripe(deps);
  const owner = await billingOwner(db, actor);
  const customerId =
    owner.stripeCustomerId ??
    (
      await callStripe(() =>
        stripe.createCustomer(
          { ownerId: owner.id, email: owner.email, name: owner.name ?? undefined },
          idempotencyKey('customer', owner.id),
        ),
      )
    ).id;
  const session = await callStripe(() =>
    stripe.createSetupSession(
      {
        customerId,
        successUrl: billingUrl(deps, '?setup=done'),
        cancelUrl: billingUrl(deps, '?setup=cancelled'),
      },
      // One session per request: each click deserves a fresh page.
      idempotencyKey('setup-session', owner.id, randomUUID()),
    ),
  );
  if (!session.url) throw preconditionFailed('Stripe answered a Checkout Session without a URL.');
  await inTransaction(db, (trx) => rememberCustomer(trx, actor, owner.id, customerId));
  return { url: session.url };
}

/**
 * Stores the account's Stripe customer and opens its billing_accounts row: from now on the
 * account's eligibility is its card's (services/assignment.ts).
 */
async function rememberCustomer(
  trx: Transaction,
  actor: UserCaller,
  ownerId: string,
  customerId: string,
): Promise<void> {
  const owner = await lockUser(trx, ownerId);
  if (owner.stripeCustomerId !== customerId) {
    await trx
      .updateTable('users')
      .set({ stripeCustomerId: customerId })
      .where('id', '=', ownerId)
      .execute();
    await recordAudit(
      trx,
      actor,
      'billing.customer_created',
      { type: 'user', id: ownerId },
      {
        stripeCustomerId: customerId,
      },
    );
  }
  await trx
    .insertInto('billingAccounts')
    .values({ ownerId, stripeCustomerId: customerId })
    .onConflict((oc) => oc.column('ownerId').doUpdateSet({ stripeCustomerId: customerId }))
    .execute();
}

/** billing.portal: the URL of a Billing Portal session for the caller's Stripe customer. */
export async function openBillingPortal(
  db: Executor,
  actor: UserCaller,
  deps: BillingDeps,
): Promise<{ url: string }> {
  const stripe = requireStripe(deps);
  const owner = await billingOwner(db, actor);
  if (!owner.stripeCustomerId) {
    throw preconditionFailed('There is no card on file yet. Add one first (billing.setupPayment).');
  }
  const customerId = owner.stripeCustomerId;
  return callStripe(() =>
    stripe.createPortalSession(
      { customerId, returnUrl: billingUrl(deps) },
      idempotencyKey('portal', owner.id, randomUUID()),
    ),
  );
}

/**
 * billing.buyCredits: the URL of a Checkout Session in payment mode for `amount` USD of prepaid
 * credits; the webhook adds them when Stripe says the session is paid (metadata hops_user_id).
 */
export async function buyCredits(
  db: Executor,
  actor: UserCaller,
  deps: BillingDeps,
  input: { amount: string },
): Promise<{ url: string }> {
  const stripe = requireStripe(deps);
  const owner = await billingOwner(db, actor);
  if (owner.billingMode !== 'prepaid') {
    throw preconditionFailed(
      'Only prepaid accounts buy credits; this account is billed monthly for its usage.',
    );
  }
  const amountCents = usdToCents(input.amount);
  if (amountCents === null) throw preconditionFailed('The amount must be whole cents.');
  const session = await callStripe(() =>
    stripe.createTopUpSession(
      {
        ownerId: owner.id,
        customerId: owner.stripeCustomerId ?? undefined,
        amountCents,
        successUrl: billingUrl(deps, '?topup=done'),
        cancelUrl: billingUrl(deps, '?topup=cancelled'),
      },
      idempotencyKey('top-up', owner.id, randomUUID()),
    ),
  );
  if (!session.url) throw preconditionFailed('Stripe answered a Checkout Session without a URL.');
  return { url: session.url };
}
