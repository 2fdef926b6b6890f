// The webhook's effects against a real PostgreSQL and the fake Stripe, driven by the real SDK.
import { signedWebhook } from '@hops/fakes/stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { auditRows, callerAs, clusterOf, makeCluster, makeUser } from '../../../test/helpers.ts';
import { sessionIdOf, startStripeWorld } from '../../../test/stripe.ts';
import { SYSTEM_ACTOR } from '../../actor.ts';
import { autoAssignAccount, unassignAccount } from '../assignment.ts';
import { applyStripeEvent } from './webhook.ts';

const { db } = await useTestDatabase({ max: 6 });
const world = await startStripeWorld();
afterAll(() => world.close());
const { fake, deps, deliver } = world;

type User = Awaited<ReturnType<typeof makeUser>>;

/** The owner asks for a card page; the fake completes it; answers the completion event. */
async function completeSetup(owner: User, card = {}) {
  const caller = await callerAs(db, { userId: owner.id }, deps);
  const { url } = await caller.billing.setupPayment();
  return fake.completeSetup(sessionIdOf(url), card);
}

const billingOf = (ownerId: string) =>
  db.selectFrom('billingAccounts').selectAll().where('ownerId', '=', ownerId).executeTakeFirst();
const storedEvents = () => db.selectFrom('stripeEvents').select('id').execute();

describe('the Stripe webhook', () => {
  it('refuses a bad or missing signature and writes nothing', async () => {
    const owner = await makeUser(db);
    const event = await completeSetup(owner);
    const before = await storedEvents();
    const bad = signedWebhook(event, 'whsec_someone_else');
    for (const signature of [bad.signature, undefined, 't=1,v1=00']) {
      await expect(
        applyStripeEvent(db, world, { rawBody: bad.body, signature }),
      ).rejects.toMatchObject({ kind: 'BAD_REQUEST' });
    }
    expect(await storedEvents()).toEqual(before);
    expect((await billingOf(owner.id))?.defaultPaymentMethodId).toBeNull();
  });

  it('stores the card, subscribes once and assigns the owner when a setup completes', async () => {
    await makeCluster(db, { maxUsers: 1_000 });
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    const event = await completeSetup(owner, { brand: 'mastercard', last4: '4444' });
    expect(await clusterOf(db, owner.id)).toBeNull();

    expect(await deliver(db, event)).toMatchObject({ eventId: event.id, outcome: 'applied' });
    expect(await deliver(db, event)).toMatchObject({ outcome: 'duplicate' });

    const billing = (await billingOf(owner.id))!;
    expect(billing).toMatchObject({ cardBrand: 'mastercard', cardLast4: '4444' });
    expect(billing.subscriptionStatus).toBe('active');
    const customerId = billing.stripeCustomerId;
    const subscriptions = fake.all('subscription').filter((s) => s.customer === customerId);
    expect(subscriptions.map((s) => s.id)).toEqual([billing.stripeSubscriptionId]);
    expect(fake.get(customerId)).toMatchObject({
      invoice_settings: { default_payment_method: billing.defaultPaymentMethodId },
    });
    // The least-loaded active cluster: ours, unless another test's cluster is emptier.
    expect(await clusterOf(db, owner.id)).not.toBeNull();
    expect(await auditRows(db, 'billing.payment_method_added', owner.id)).toHaveLength(1);
    const events = await db
      .selectFrom('events')
      .select('payload')
      .where('kind', '=', 'billing.payment_method_added')
      .execute();
    expect(events.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({ ownerId: owner.id, last4: '4444' }),
    );

    const status = await (await callerAs(db, { userId: owner.id }, deps)).billing.status();
    expect(status).toMatchObject({
      stripe: true,
      card: { brand: 'mastercard', last4: '4444', expMonth: 12, expYear: 2034 },
      subscriptionStatus: 'active',
      paymentFailed: null,
    });
  });

  it('applies one delivery once when two connections deliver it at the same moment', async () => {
    const owner = await makeUser(db);
    const event = await completeSetup(owner);
    const outcomes = await Promise.all([deliver(db, event), deliver(db, event)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['applied', 'duplicate']);
    const billing = (await billingOf(owner.id))!;
    expect(
      fake.all('subscription').filter((s) => s.customer === billing.stripeCustomerId),
    ).toHaveLength(1);
    expect(await auditRows(db, 'billing.payment_method_added', owner.id)).toHaveLength(1);
  });

  it('credits a top-up once, to the cent, as a purchase', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const caller = await callerAs(db, { userId: owner.id }, deps);
    const { url } = await caller.billing.buyCredits({ amount: '1234.56' });
    const event = fake.completePayment(sessionIdOf(url));
    const outcomes = await Promise.all([deliver(db, event), deliver(db, event)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['applied', 'duplicate']);
    expect(await deliver(db, event)).toMatchObject({ outcome: 'duplicate' });
    const ledger = await db
      .selectFrom('creditTransactions')
      .select(['kind', 'pool', 'amount'])
      .where('userId', '=', owner.id)
      .execute();
    expect(ledger).toEqual([{ kind: 'purchase', pool: 'paid', amount: '1234.5600' }]);
    expect(await caller.credits.balance()).toMatchObject({ paid: '1234.5600' });

    // The same session announced again under other event ids (a replay, the async-payment event):
    // stored, and credited no second time.
    const replay = { ...event, id: `${event.id}_replayed` };
    const asyncPaid = {
      ...event,
      id: `${event.id}_async`,
      type: 'checkout.session.async_payment_succeeded',
    };
    expect(await deliver(db, replay)).toMatchObject({ outcome: 'ignored' });
    expect(await deliver(db, asyncPaid)).toMatchObject({ outcome: 'ignored' });
    expect(
      await db
        .selectFrom('creditTransactions')
        .select('amount')
        .where('userId', '=', owner.id)
        .execute(),
    ).toEqual([{ amount: '1234.5600' }]);
    expect(await caller.credits.balance()).toMatchObject({ paid: '1234.5600' });
    expect(
      await db
        .selectFrom('stripeCheckoutCredits')
        .select(['ownerId', 'amount', 'stripeEventId'])
        .where('sessionId', '=', sessionIdOf(url))
        .execute(),
    ).toEqual([{ ownerId: owner.id, amount: '1234.56', stripeEventId: event.id }]);
  });

  it('ends in Stripe’s state when subscription events arrive out of order', async () => {
    const owner = await makeUser(db);
    const setup = await completeSetup(owner);
    await deliver(db, setup);
    const { stripeSubscriptionId } = (await billingOf(owner.id))!;
    const updated = fake.eventOf('customer.subscription.updated', stripeSubscriptionId!);
    await world.stripe.cancelSubscription(stripeSubscriptionId!);
    const deleted = fake.eventOf('customer.subscription.deleted', stripeSubscriptionId!);

    await deliver(db, deleted);
    await deliver(db, updated); // older, its body says active: Stripe says canceled
    expect((await billingOf(owner.id))?.subscriptionStatus).toBe('canceled');
    expect(await auditRows(db, 'billing.subscription_ended', owner.id)).toHaveLength(1);

    // Ineligible for new assignments; the current one stays.
    const before = await clusterOf(db, owner.id);
    expect(before).not.toBeNull();
    const result = await inTransaction(db, async (trx) => {
      await unassignAccount(trx, SYSTEM_ACTOR, owner.id);
      return autoAssignAccount(trx, SYSTEM_ACTOR, owner.id, { admin: false });
    });
    expect(result).toMatchObject({ status: 'not_eligible' });
  });

  it('flags a failed invoice, clears it when paid, and forgets a detached card', async () => {
    const owner = await makeUser(db);
    await deliver(db, await completeSetup(owner));
    const billing = (await billingOf(owner.id))!;
    const invoice = fake.addInvoice(billing.stripeCustomerId, { total: 1234, amount_due: 1234 });
    await deliver(db, fake.eventOf('invoice.payment_failed', invoice.id));
    const caller = await callerAs(db, { userId: owner.id }, deps);
    expect((await caller.billing.status()).paymentFailed).toMatchObject({
      invoiceId: invoice.id,
      amount: '12.34',
    });
    const events = await db
      .selectFrom('events')
      .select('payload')
      .where('kind', '=', 'billing.payment_failed')
      .execute();
    expect(events.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({ ownerId: owner.id, invoiceId: invoice.id, amount: '12.34' }),
    );
    await deliver(db, fake.eventOf('invoice.paid', invoice.id));
    expect((await caller.billing.status()).paymentFailed).toBeNull();

    const cluster = await clusterOf(db, owner.id);
    await deliver(db, fake.eventOf('payment_method.detached', billing.defaultPaymentMethodId!));
    expect((await caller.billing.status()).card).toBeNull();
    expect(await clusterOf(db, owner.id)).toBe(cluster);
  });

  it('stores and ignores other types, and logs unknown customers', async () => {
    const stranger = await world.stripe.createCustomer({ ownerId: 'nobody' }, 'k-stranger');
    const invoice = fake.addInvoice(stranger.id, { amount_due: 500 });
    expect(await deliver(db, fake.eventOf('invoice.payment_failed', invoice.id))).toMatchObject({
      outcome: 'unknown_customer',
    });
    expect(world.log.lines.some((l) => l.level === 'warn')).toBe(true);
    const other = fake.eventOf('customer.updated', stranger.id);
    expect(await deliver(db, other)).toMatchObject({ outcome: 'ignored' });
    const row = await db
      .selectFrom('stripeEvents')
      .selectAll()
      .where('id', '=', other.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: 'customer.updated', outcome: 'ignored' });
    expect(row.processedAt).not.toBeNull();
  });
});
