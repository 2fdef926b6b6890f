// billing.* through the router: Stripe off and on (the fake, through the real SDK), the top-up's
// limits, Stripe failing half-way, and invoices as exact decimal strings of the caller's own account.
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, expectTrpcError, makeUser, testDeps, userDay } from '../../test/helpers.ts';
import { utcToday } from '../days.ts';
import { startStripeWorld } from '../../test/stripe.ts';

const { db } = await useTestDatabase();
const world = await startStripeWorld();
afterAll(() => world.close());
const { fake, deps } = world;

type User = Awaited<ReturnType<typeof makeUser>>;
const as = (user: User, withDeps = deps) => callerAs(db, { userId: user.id }, withDeps);
const customerOf = async (userId: string) =>
  (
    await db
      .selectFrom('users')
      .select('stripeCustomerId')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow()
  ).stripeCustomerId;

describe('billing with Stripe off', () => {
  it('says so in billing.status and refuses the rest with one sentence', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const caller = await as(owner, testDeps());
    expect(await caller.billing.status()).toEqual({
      userId: owner.id,
      billingMode: 'prepaid',
      stripe: false,
      card: null,
      subscriptionStatus: null,
      paymentFailed: null,
      lastReportedDay: null,
      unreportedCost: '0.0000',
    });
    for (const call of [
      caller.billing.setupPayment(),
      caller.billing.portal(),
      caller.billing.invoices(),
      caller.billing.buyCredits({ amount: '25' }),
    ]) {
      expect(await expectTrpcError(call, 'PRECONDITION_FAILED')).toBe(
        'Payment is not configured on this server.',
      );
    }
  });
});

describe('billing.setupPayment', () => {
  it('creates the customer once and answers a setup Checkout page', async () => {
    const owner = await makeUser(db);
    const caller = await as(owner);
    const first = await caller.billing.setupPayment();
    const second = await caller.billing.setupPayment();
    expect(first.url).not.toBe(second.url);
    const customerId = await customerOf(owner.id);
    expect(fake.get(customerId!)).toMatchObject({ metadata: { hops_user_id: owner.id } });
    const created = fake.requests.filter(
      (r) =>
        r.path === '/v1/customers' &&
        r.params.metadata &&
        (r.params.metadata as Record<string, string>).hops_user_id === owner.id,
    );
    expect(created).toHaveLength(1);
    const session = fake.get(first.url.split('/').pop()!)!;
    expect(session).toMatchObject({
      mode: 'setup',
      customer: customerId,
      currency: 'usd',
      success_url: 'http://hops.test/billing?setup=done',
      cancel_url: 'http://hops.test/billing?setup=cancelled',
    });
  });

  it('stores nothing when Stripe answers 503, and the retry finds one customer', async () => {
    const owner = await makeUser(db);
    const caller = await as(owner);
    fake.failNext({ path: '/v1/customers', status: 503 });
    const message = await expectTrpcError(caller.billing.setupPayment(), 'SERVICE_UNAVAILABLE');
    expect(message).toMatch(/Stripe is not answering right now \(createCustomer, HTTP 503\)/);
    expect(await customerOf(owner.id)).toBeNull();

    fake.failNext({ path: '/v1/checkout/sessions', status: 503 });
    await expectTrpcError(caller.billing.setupPayment(), 'SERVICE_UNAVAILABLE');
    expect(await customerOf(owner.id)).toBeNull();
    expect(
      await db.selectFrom('billingAccounts').where('ownerId', '=', owner.id).selectAll().execute(),
    ).toEqual([]);

    await caller.billing.setupPayment();
    const customers = fake
      .all('customer')
      .filter((c) => (c.metadata as Record<string, string>).hops_user_id === owner.id);
    expect(customers.map((c) => c.id)).toEqual([await customerOf(owner.id)]);
  });
});

describe('billing.buyCredits', () => {
  it('refuses amounts outside $10..$10 000 or with more than 2 decimals, and writes nothing', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const caller = await as(owner);
    const before = fake.requests.length;
    const refusals = {
      '9.99': /at least \$10\.00 and at most \$10,000\.00/,
      '10000.01': /at least \$10\.00 and at most \$10,000\.00/,
      '12.345': /at most 2 decimals/,
    };
    for (const [amount, sentence] of Object.entries(refusals)) {
      expect(await expectTrpcError(caller.billing.buyCredits({ amount }), 'BAD_REQUEST')).toMatch(
        sentence,
      );
    }
    expect(fake.requests.length).toBe(before);
    expect(await customerOf(owner.id)).toBeNull();
  });

  it('answers a payment page for the exact amount, for prepaid accounts only', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const { url } = await (await as(owner)).billing.buyCredits({ amount: 10_000 });
    expect(fake.get(url.split('/').pop()!)).toMatchObject({
      mode: 'payment',
      amount_total: 1_000_000,
      metadata: { hops_user_id: owner.id },
    });
    const postpaid = await makeUser(db);
    expect(
      await expectTrpcError(
        (await as(postpaid)).billing.buyCredits({ amount: 10 }),
        'PRECONDITION_FAILED',
      ),
    ).toMatch(/Only prepaid accounts buy credits/);
  });
});

describe('billing.invoices and billing.portal', () => {
  it('lists the account’s own invoices in exact dollars; admins may name the owner', async () => {
    const owner = await makeUser(db);
    const other = await makeUser(db);
    const admin = await makeUser(db, { isAdmin: true });
    await (await as(owner)).billing.setupPayment();
    await (await as(other)).billing.setupPayment();
    const customerId = (await customerOf(owner.id))!;
    fake.addInvoice(customerId, { total: 123_456_789, amount_due: 5 });
    fake.addInvoice((await customerOf(other.id))!, { total: 1 });

    const invoices = await (await as(owner)).billing.invoices();
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ total: '1234567.89', amountDue: '0.05', currency: 'usd' });
    expect(await (await as(admin)).billing.invoices({ userId: owner.id })).toEqual(invoices);
    await expectTrpcError((await as(other)).billing.invoices({ userId: owner.id }), 'FORBIDDEN');

    const portal = await (await as(owner)).billing.portal();
    expect(portal.url).toContain(fake.url);
    await expectTrpcError((await as(admin)).billing.portal(), 'PRECONDITION_FAILED');
  });
});

describe('billing.reportNow', () => {
  it('runs the usage reporter at once for an admin, and refuses with Stripe off', async () => {
    const admin = await makeUser(db, { isAdmin: true });
    expect(
      await expectTrpcError(
        as(admin, testDeps()).then((c) => c.billing.reportNow()),
        'PRECONDITION_FAILED',
      ),
    ).toBe('Payment is not configured on this server.');
    const owner = await makeUser(db);
    const customer = await world.stripe.createCustomer({ ownerId: owner.id }, `now-${owner.id}`);
    await db
      .insertInto('billingAccounts')
      .values({
        ownerId: owner.id,
        stripeCustomerId: customer.id,
        stripeSubscriptionId: 'sub_report_now',
        subscriptionStatus: 'active',
      })
      .execute();
    await (
      await callerAs(db, { service: true }, deps)
    ).usage.ingest({
      records: [userDay(owner.id, utcToday(), { cpuHours: '1' })],
    });
    const answer = await (await as(admin)).billing.reportNow();
    const sent = fake.meterEvents.filter(
      (e) => (e.payload as Record<string, string>).stripe_customer_id === customer.id,
    );
    expect(sent).toHaveLength(1);
    expect(answer).toMatchObject({ accounts: 1, events: 1 });
    expect(answer.units).toBe((sent[0]!.payload as Record<string, string>).value);
    expect(await (await as(admin)).billing.reportNow()).toEqual({
      accounts: 0,
      events: 0,
      retryAfter: null,
      units: '0',
    });
  });
});
