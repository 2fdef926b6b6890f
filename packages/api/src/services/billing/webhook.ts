// The Stripe webhook's effects (SPEC §8). The raw body is verified first; then, in one
// transaction, the event id is claimed in stripe_events (a repeat, even a concurrent one, waits
// for the first and then finds its id taken) and its effects are applied. Where the order of
// events matters, the state is re-read from Stripe rather than taken from the event's body. A
// Stripe call that fails rolls the whole transaction back, claim included, so Stripe's retry of
// the event finds it unclaimed; the calls that create something carry keys derived from the event's
// cause, so that retry creates nothing twice.
// Over 300 lines: one short function per event type, beside the claim that guards them all.
import type { Db } from '@hops/db';
import type { AuditActor } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Transaction } from '../../db.ts';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../context.ts';
import { centsToUsd } from '../../decimal.ts';
import {
  idempotencyKey,
  type CheckoutSession,
  type Stripe,
  type StripeApi,
} from '../../integrations/stripe.ts';
import { emitEvent } from '../../outbox.ts';
import { autoAssignAccount } from '../assignment.ts';
import { grantCredits } from '../credits/account.ts';
import { mailPaymentFailed } from '../mail/notices.ts';
import type { MailQueueDeps } from '../mail/outbox.ts';
import { lockUserIfAny, type UserRow } from '../users.ts';

export type WebhookOutcome = 'applied' | 'ignored' | 'unknown_customer' | 'duplicate';

export interface WebhookResult {
  eventId: string;
  type: string;
  outcome: WebhookOutcome;
}

type Applied = Exclude<WebhookOutcome, 'duplicate'>;
type StripeObject = Record<string, unknown>;

/** Stripe's deliveries as the audit log and the ledger write them. */
const stripeActor = (eventId: string): AuditActor => ({
  userId: null,
  via: 'system',
  isAdmin: false,
  label: `stripe:${eventId}`,
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : text((value as { id?: unknown } | null)?.id);

/**
 * Verifies one delivery and applies it once. A bad, stale or missing signature is an AppError
 * BAD_REQUEST (the route answers 400) and writes nothing.
 */
export async function applyStripeEvent(
  db: Db,
  deps: { stripe: StripeApi; log: Logger } & Partial<MailQueueDeps>,
  input: { rawBody: string | Buffer; signature: string | undefined },
): Promise<WebhookResult> {
  let event: Stripe.Event;
  try {
    event = deps.stripe.verifyWebhook(input.rawBody, input.signature);
  } catch (error) {
    throw new AppError('BAD_REQUEST', (error as Error).message, { cause: error });
  }
  const result = await db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('stripeEvents')
      .values({ id: event.id, type: event.type })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!claimed) return { outcome: 'duplicate' as const, ownerId: null, customerId: null };
    const applied = await applyEvent(trx, deps, event);
    await trx
      .updateTable('stripeEvents')
      .set({
        outcome: applied.outcome,
        ownerId: applied.ownerId,
        stripeCustomerId: applied.customerId,
        processedAt: new Date(),
      })
      .where('id', '=', event.id)
      .execute();
    return applied;
  });
  if (result.outcome === 'unknown_customer') {
    deps.log.warn(
      { eventId: event.id, type: event.type, customerId: result.customerId },
      'Stripe event for a customer hops does not know; stored and ignored',
    );
  }
  return { eventId: event.id, type: event.type, outcome: result.outcome };
}

interface Effect {
  outcome: Applied;
  ownerId: string | null;
  customerId: string | null;
}

async function applyEvent(
  trx: Transaction,
  deps: { stripe: StripeApi } & Partial<MailQueueDeps>,
  event: Stripe.Event,
) {
  const { stripe } = deps;
  const object = event.data.object as unknown as StripeObject;
  const actor = stripeActor(event.id);
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutCompleted(trx, stripe, event.id, idOf(object)!);
    case 'invoice.payment_failed':
    case 'invoice.paid':
      return invoiceChanged(trx, deps, event, object);
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return subscriptionChanged(trx, stripe, actor, idOf(object)!);
    case 'payment_method.detached':
      return paymentMethodDetached(trx, actor, idOf(object)!);
    default:
      return { outcome: 'ignored', ownerId: null, customerId: null } satisfies Effect;
  }
}

/** The owner a Stripe customer belongs to, locked (users first, like every writer); or null. */
async function lockOwnerOfCustomer(
  trx: Transaction,
  customerId: string | null,
): Promise<UserRow | null> {
  if (!customerId) return null;
  const found =
    (await trx
      .selectFrom('billingAccounts')
      .select('ownerId as id')
      .where('stripeCustomerId', '=', customerId)
      .executeTakeFirst()) ??
    (await trx
      .selectFrom('users')
      .select('id')
      .where('stripeCustomerId', '=', customerId)
      .where('accountOwnerId', 'is', null)
      .executeTakeFirst());
  return found ? lockUserIfAny(trx, found.id) : null;
}

const unknown = (customerId: string | null): Effect => ({
  outcome: 'unknown_customer',
  ownerId: null,
  customerId,
});

/**
 * A paid top-up becomes paid credits of the owner it was made for, once per Checkout Session: the
 * session is claimed in stripe_checkout_credits in this transaction, so a second event about it
 * (another type, or a replay under a new id) finds it taken. Unpaid (a delayed method still
 * pending): nothing yet; `checkout.session.async_payment_succeeded` brings it.
 */
async function topUpPaid(
  trx: Transaction,
  eventId: string,
  session: CheckoutSession,
): Promise<Effect> {
  const ownerId = session.metadata.hops_user_id ?? null;
  const owner = ownerId ? await lockUserIfAny(trx, ownerId) : null;
  const cents = session.amountTotalCents ?? 0;
  if (!owner || owner.accountOwnerId !== null) return unknown(session.customerId);
  const ignored: Effect = { outcome: 'ignored', ownerId: owner.id, customerId: session.customerId };
  if (cents <= 0 || session.paymentStatus !== 'paid') return ignored;
  const amount = centsToUsd(cents);
  const claimed = await trx
    .insertInto('stripeCheckoutCredits')
    .values({ sessionId: session.id, ownerId: owner.id, amount, stripeEventId: eventId })
    .onConflict((oc) => oc.column('sessionId').doNothing())
    .returning('sessionId')
    .executeTakeFirst();
  if (!claimed) return ignored;
  await grantCredits(trx, stripeActor(eventId), {
    userId: owner.id,
    amount,
    pool: 'paid',
    reason: `Bought through Stripe Checkout (${session.id})`,
  });
  return { outcome: 'applied', ownerId: owner.id, customerId: session.customerId };
}

async function checkoutCompleted(
  trx: Transaction,
  stripe: StripeApi,
  eventId: string,
  sessionId: string,
): Promise<Effect> {
  const actor = stripeActor(eventId);
  const session = await stripe.retrieveCheckoutSession(sessionId);
  if (session.status !== 'complete') {
    return { outcome: 'ignored', ownerId: null, customerId: session.customerId };
  }
  if (session.mode === 'payment') return topUpPaid(trx, eventId, session);
  if (session.mode !== 'setup' || !session.setupIntentId) {
    return { outcome: 'ignored', ownerId: null, customerId: session.customerId };
  }
  const owner = await lockOwnerOfCustomer(trx, session.customerId);
  if (!owner) return unknown(session.customerId);
  const customerId = session.customerId!;
  const intent = await stripe.retrieveSetupIntent(session.setupIntentId);
  if (intent.status !== 'succeeded' || !intent.paymentMethodId) {
    return { outcome: 'ignored', ownerId: owner.id, customerId };
  }
  await stripe.setDefaultPaymentMethod(
    customerId,
    intent.paymentMethodId,
    idempotencyKey('default-payment-method', session.id),
  );
  const billing = await trx
    .insertInto('billingAccounts')
    .values({ ownerId: owner.id, stripeCustomerId: customerId })
    .onConflict((oc) => oc.column('ownerId').doUpdateSet({ stripeCustomerId: customerId }))
    .returning(['stripeSubscriptionId', 'subscriptionStatus'])
    .executeTakeFirstOrThrow();
  let subscription = { id: billing.stripeSubscriptionId, status: billing.subscriptionStatus };
  if (!subscription.id || subscription.status === 'canceled') {
    // Keyed by the session: a retry of this event finds the same subscription, and a later setup
    // after the subscription ended makes a new one.
    subscription = await stripe.createSubscription(
      { customerId, ownerId: owner.id },
      idempotencyKey('subscription', owner.id, session.id),
    );
  }
  const card = intent.card;
  await trx
    .updateTable('billingAccounts')
    .set({
      defaultPaymentMethodId: intent.paymentMethodId,
      cardBrand: card?.brand ?? null,
      cardLast4: card?.last4 ?? null,
      cardExpMonth: card?.expMonth ?? null,
      cardExpYear: card?.expYear ?? null,
      stripeSubscriptionId: subscription.id,
      subscriptionStatus: subscription.status,
    })
    .where('ownerId', '=', owner.id)
    .execute();
  if (owner.stripeCustomerId !== customerId) {
    await trx
      .updateTable('users')
      .set({ stripeCustomerId: customerId })
      .where('id', '=', owner.id)
      .execute();
  }
  const details = { brand: card?.brand ?? 'card', last4: card?.last4 ?? '????' };
  await recordAudit(
    trx,
    actor,
    'billing.payment_method_added',
    { type: 'user', id: owner.id },
    {
      ...details,
      stripeCustomerId: customerId,
      subscriptionId: subscription.id,
    },
  );
  await emitEvent(trx, {
    kind: 'billing.payment_method_added',
    payload: { ownerId: owner.id, email: owner.email, ...details },
  });
  await autoAssignAccount(trx, actor, owner.id, { admin: false });
  return { outcome: 'applied', ownerId: owner.id, customerId };
}

async function invoiceChanged(
  trx: Transaction,
  deps: { stripe: StripeApi } & Partial<MailQueueDeps>,
  event: Stripe.Event,
  invoice: StripeObject,
): Promise<Effect> {
  const { stripe } = deps;
  const customerId = idOf(invoice.customer);
  const invoiceId = idOf(invoice)!;
  const owner = await lockOwnerOfCustomer(trx, customerId);
  if (!owner) return unknown(customerId);
  const applied: Effect = { outcome: 'applied', ownerId: owner.id, customerId };
  await trx
    .insertInto('billingAccounts')
    .values({ ownerId: owner.id, stripeCustomerId: customerId! })
    .onConflict((oc) => oc.column('ownerId').doNothing())
    .execute();
  if (event.type === 'invoice.paid') {
    await trx
      .updateTable('billingAccounts')
      .set({ paymentFailedInvoiceId: null, paymentFailedAmount: null, paymentFailedAt: null })
      .where('ownerId', '=', owner.id)
      .where('paymentFailedInvoiceId', '=', invoiceId)
      .execute();
    return applied;
  }
  // A failure delivered after the invoice was paid (events arrive in any order) flags nothing.
  const now = (await stripe.listInvoices(customerId!)).find((i) => i.id === invoiceId);
  if (now && (now.status === 'paid' || now.status === 'void')) {
    return { outcome: 'ignored', ownerId: owner.id, customerId };
  }
  const amount = centsToUsd(now?.amountDueCents ?? Number(invoice.amount_due ?? 0));
  await trx
    .updateTable('billingAccounts')
    .set({
      paymentFailedInvoiceId: invoiceId,
      paymentFailedAmount: amount,
      paymentFailedAt: new Date(event.created * 1000),
    })
    .where('ownerId', '=', owner.id)
    .execute();
  await recordAudit(
    trx,
    stripeActor(event.id),
    'billing.payment_failed',
    {
      type: 'user',
      id: owner.id,
    },
    { invoiceId, amount },
  );
  await emitEvent(trx, {
    kind: 'billing.payment_failed',
    payload: { ownerId: owner.id, email: owner.email, invoiceId, amount },
  });
  if (deps.mail && deps.secrets) {
    await mailPaymentFailed(
      trx,
      { mail: deps.mail, secrets: deps.secrets },
      { owner, invoiceId, amount, at: new Date(event.created * 1000) },
    );
  }
  return applied;
}

async function subscriptionChanged(
  trx: Transaction,
  stripe: StripeApi,
  actor: AuditActor,
  subscriptionId: string,
): Promise<Effect> {
  // Updates and deletions can arrive in any order: the status is Stripe's current one.
  const subscription = await stripe.retrieveSubscription(subscriptionId);
  const owner = await lockOwnerOfCustomer(trx, subscription.customerId);
  if (!owner) return unknown(subscription.customerId);
  const applied: Effect = {
    outcome: 'applied',
    ownerId: owner.id,
    customerId: subscription.customerId,
  };
  const billing = await trx
    .selectFrom('billingAccounts')
    .select(['stripeSubscriptionId', 'subscriptionStatus'])
    .where('ownerId', '=', owner.id)
    .forNoKeyUpdate()
    .executeTakeFirst();
  // An older subscription of the account (replaced after it ended) changes nothing.
  if (
    !billing ||
    (billing.stripeSubscriptionId && billing.stripeSubscriptionId !== subscription.id)
  ) {
    return { ...applied, outcome: 'ignored' };
  }
  await trx
    .updateTable('billingAccounts')
    .set({ stripeSubscriptionId: subscription.id, subscriptionStatus: subscription.status })
    .where('ownerId', '=', owner.id)
    .execute();
  if (subscription.status === 'canceled' && billing.subscriptionStatus !== 'canceled') {
    await recordAudit(
      trx,
      actor,
      'billing.subscription_ended',
      { type: 'user', id: owner.id },
      {
        subscriptionId: subscription.id,
      },
    );
    await emitEvent(trx, {
      kind: 'billing.subscription_ended',
      payload: { ownerId: owner.id, email: owner.email, subscriptionId: subscription.id },
    });
  }
  return applied;
}

/**
 * A detached payment method can never be attached again (Stripe's rule), so the event itself is
 * the fact: if it was the account's card, the account has none. Its current assignment stays.
 */
async function paymentMethodDetached(
  trx: Transaction,
  actor: AuditActor,
  paymentMethodId: string,
): Promise<Effect> {
  const billing = await trx
    .selectFrom('billingAccounts')
    .select(['ownerId', 'stripeCustomerId'])
    .where('defaultPaymentMethodId', '=', paymentMethodId)
    .executeTakeFirst();
  if (!billing) return { outcome: 'ignored', ownerId: null, customerId: null };
  const owner = await lockUserIfAny(trx, billing.ownerId);
  await trx
    .updateTable('billingAccounts')
    .set({
      defaultPaymentMethodId: null,
      cardBrand: null,
      cardLast4: null,
      cardExpMonth: null,
      cardExpYear: null,
    })
    .where('ownerId', '=', billing.ownerId)
    .where('defaultPaymentMethodId', '=', paymentMethodId)
    .execute();
  await recordAudit(
    trx,
    actor,
    'billing.payment_method_removed',
    {
      type: 'user',
      id: billing.ownerId,
    },
    { paymentMethodId },
  );
  return {
    outcome: 'applied',
    ownerId: owner?.id ?? billing.ownerId,
    customerId: billing.stripeCustomerId,
  };
}
