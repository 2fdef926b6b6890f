// The Stripe integration driven through the official SDK against the fake on loopback.
import { signedWebhook, startFakeStripe, type FakeStripe } from '@hops/fakes/stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripe, idempotencyKey, StripeCallError, type StripeConfig } from './stripe.ts';

const WEBHOOK_SECRET = 'whsec_test_secret';
let fake: FakeStripe;
let config: StripeConfig;

beforeAll(async () => {
  fake = await startFakeStripe();
  config = {
    secretKey: 'sk_test_hops',
    apiUrl: fake.url,
    webhookSecret: WEBHOOK_SECRET,
    priceId: 'price_usage',
    meterEventName: 'hops_usage',
  };
});
afterAll(() => fake.close());

async function refusal(promise: Promise<unknown>): Promise<StripeCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StripeCallError);
  return error as StripeCallError;
}

describe('idempotencyKey', () => {
  it('is the same for the same cause and fits Stripe’s 255 characters', () => {
    expect(idempotencyKey('setup', 'u1')).toBe('hops:setup:u1');
    expect(idempotencyKey('setup', 'u1')).not.toBe(idempotencyKey('setup', 'u2'));
    const long = idempotencyKey('meter', 'x'.repeat(300));
    expect(long.length).toBeLessThanOrEqual(255);
    expect(long).toBe(idempotencyKey('meter', 'x'.repeat(300)));
  });
});

describe('the Stripe integration', () => {
  it('spaces meter events out so that a rate-limited Stripe never answers 429', async () => {
    const limited = await startFakeStripe({ requestsPerSecond: 10 });
    try {
      const stripe = createStripe({ ...config, apiUrl: limited.url, meterEventsPerSecond: 10 });
      const sent = [];
      for (let i = 0; i < 35; i++) {
        sent.push(
          await stripe.sendMeterEvent({
            customerId: 'cus_paced',
            units: i,
            timestamp: new Date('2026-11-30T12:00:00Z'),
            identifier: `hops-paced-${i}`,
          }),
        );
      }
      expect(sent).toHaveLength(35);
      expect(limited.requests.map((r) => r.status)).toEqual(Array(35).fill(200));
      expect(limited.meterEvents).toHaveLength(35);
    } finally {
      await limited.close();
    }
  });

  it('creates a customer once under a repeated idempotency key', async () => {
    const stripe = createStripe(config);
    const key = idempotencyKey('customer', 'owner-1');
    const first = await stripe.createCustomer({ ownerId: 'owner-1', email: 'a@acme.test' }, key);
    const again = await stripe.createCustomer({ ownerId: 'owner-1', email: 'a@acme.test' }, key);
    expect(again.id).toBe(first.id);
    expect(fake.get(first.id)).toMatchObject({ metadata: { hops_user_id: 'owner-1' } });
    const created = fake.requests.filter(
      (r) => r.path === '/v1/customers' && r.idempotencyKey === key,
    );
    expect(created).toHaveLength(2);
    expect(await stripe.retrieveCustomer(first.id)).toEqual({
      id: first.id,
      deleted: false,
      defaultPaymentMethodId: null,
      ownerId: 'owner-1',
    });
  });

  it('reads a completed setup session back to its card, then subscribes the customer', async () => {
    const stripe = createStripe(config);
    const customer = await stripe.createCustomer(
      { ownerId: 'owner-2' },
      idempotencyKey('c', 'owner-2'),
    );
    const session = await stripe.createSetupSession(
      {
        customerId: customer.id,
        successUrl: 'https://hops.test/billing?setup=done',
        cancelUrl: 'https://hops.test/billing?setup=cancelled',
      },
      idempotencyKey('setup', 'owner-2', 1),
    );
    expect(session).toMatchObject({ mode: 'setup', status: 'open', customerId: customer.id });
    expect(session.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(fake.requests.at(-1)?.params).toMatchObject({ mode: 'setup', currency: 'usd' });

    const event = fake.completeSetup(session.id, {
      brand: 'visa',
      last4: '4242',
      exp_month: 3,
      exp_year: 2031,
    });
    const { body, signature } = signedWebhook(event, WEBHOOK_SECRET);
    expect(stripe.verifyWebhook(body, signature).type).toBe('checkout.session.completed');

    const reread = await stripe.retrieveCheckoutSession(session.id);
    expect(reread.status).toBe('complete');
    const intent = await stripe.retrieveSetupIntent(reread.setupIntentId!);
    expect(intent).toMatchObject({
      status: 'succeeded',
      customerId: customer.id,
      card: { brand: 'visa', last4: '4242', expMonth: 3, expYear: 2031 },
    });

    await stripe.setDefaultPaymentMethod(
      customer.id,
      intent.paymentMethodId!,
      idempotencyKey('pm', session.id),
    );
    expect((await stripe.retrieveCustomer(customer.id)) as object).toMatchObject({
      defaultPaymentMethodId: intent.paymentMethodId,
    });
    const subscription = await stripe.createSubscription(
      { customerId: customer.id, ownerId: 'owner-2' },
      idempotencyKey('subscription', 'owner-2'),
    );
    expect(subscription).toMatchObject({ status: 'active', customerId: customer.id });
    expect(fake.get(subscription.id)).toMatchObject({
      items: { data: [{ price: { id: 'price_usage' } }] },
    });
    expect(await stripe.retrieveSubscription(subscription.id)).toEqual(subscription);

    const portal = await stripe.createPortalSession(
      { customerId: customer.id, returnUrl: 'https://hops.test/billing' },
      idempotencyKey('portal', 'owner-2', 1),
    );
    expect(portal.url).toContain(fake.url);
  });

  it('creates a top-up session of exact integer cents and reads its amount back', async () => {
    const stripe = createStripe(config);
    const session = await stripe.createTopUpSession(
      {
        ownerId: 'owner-3',
        amountCents: 123_456,
        successUrl: 'https://hops.test/ok',
        cancelUrl: 'https://hops.test/no',
      },
      idempotencyKey('top-up', 'owner-3', 1),
    );
    fake.completePayment(session.id);
    expect(await stripe.retrieveCheckoutSession(session.id)).toMatchObject({
      mode: 'payment',
      status: 'complete',
      amountTotalCents: 123_456,
      metadata: { hops_user_id: 'owner-3' },
    });
    const fractional = stripe.createTopUpSession(
      {
        ownerId: 'owner-3',
        amountCents: 10.5,
        successUrl: 'https://x.test',
        cancelUrl: 'https://x.test',
      },
      'k',
    );
    expect((await refusal(fractional)).retryable).toBe(false);
  });

  it('lists invoices of the given customer only', async () => {
    const stripe = createStripe(config);
    const mine = await stripe.createCustomer(
      { ownerId: 'owner-4' },
      idempotencyKey('c', 'owner-4'),
    );
    const theirs = await stripe.createCustomer(
      { ownerId: 'owner-5' },
      idempotencyKey('c', 'owner-5'),
    );
    const invoice = fake.addInvoice(mine.id, { total: 4_210, amount_due: 4_210, status: 'paid' });
    fake.addInvoice(theirs.id, { total: 99 });
    expect(await stripe.listInvoices(mine.id)).toEqual([
      expect.objectContaining({
        id: invoice.id,
        status: 'paid',
        totalCents: 4_210,
        amountDueCents: 4_210,
      }),
    ]);
    expect(fake.requests.at(-1)).toMatchObject({
      path: '/v1/invoices',
      params: { customer: mine.id },
    });
  });

  it('sends meter events to the same host, once per identifier', async () => {
    const stripe = createStripe(config);
    const customer = await stripe.createCustomer(
      { ownerId: 'owner-6' },
      idempotencyKey('c', 'owner-6'),
    );
    const event = {
      customerId: customer.id,
      units: 12_345_678n,
      timestamp: new Date(Date.now() - 60_000),
      identifier: 'hops-abc-2026-01-01-1',
    };
    await stripe.sendMeterEvent(event);
    await stripe.sendMeterEvent(event);
    const sent = fake.meterEvents.filter((e) => e.identifier === event.identifier);
    expect(sent).toEqual([
      expect.objectContaining({
        event_name: 'hops_usage',
        payload: { stripe_customer_id: customer.id, value: '12345678' },
      }),
    ]);
  });

  it('surfaces a 503 and a 429 with Retry-After as retryable errors naming the call', async () => {
    const stripe = createStripe(config);
    fake.failNext({ path: '/v1/customers', status: 503 });
    const down = await refusal(stripe.createCustomer({ ownerId: 'o' }, 'k-503'));
    expect(down).toMatchObject({
      system: 'Stripe',
      call: 'createCustomer',
      status: 503,
      retryable: true,
    });
    expect(down.message).toMatch(/^Stripe createCustomer was refused \(HTTP 503\)/);

    fake.failNext({ path: '/v1/billing/meter_events', status: 429, retryAfter: 30 });
    const limited = await refusal(
      stripe.sendMeterEvent({
        customerId: 'cus_x',
        units: 1,
        timestamp: new Date(),
        identifier: 'i-429',
      }),
    );
    expect(limited).toMatchObject({
      call: 'sendMeterEvent',
      status: 429,
      retryAfter: 30,
      retryable: true,
    });

    const missing = await refusal(stripe.retrieveSubscription('sub_missing'));
    expect(missing).toMatchObject({ status: 404, code: 'resource_missing', retryable: false });
  });

  it('surfaces a timeout as retryable, and the retry under the same key creates nothing new', async () => {
    const stripe = createStripe({ ...config, timeoutMs: 200 });
    const key = idempotencyKey('customer', 'owner-slow');
    fake.delayNext(1_000);
    const slow = await refusal(stripe.createCustomer({ ownerId: 'owner-slow' }, key));
    expect(slow).toMatchObject({ call: 'createCustomer', status: null, retryable: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const retried = await stripe.createCustomer({ ownerId: 'owner-slow' }, key);
    expect(fake.requests.filter((r) => r.idempotencyKey === key)).toHaveLength(2);
    const theirs = fake
      .all('customer')
      .filter((c) => (c.metadata as Record<string, string>).hops_user_id === 'owner-slow');
    expect(theirs.map((c) => c.id)).toEqual([retried.id]);
  });

  it('verifies a signed webhook and refuses a tampered, stale or unsigned one', () => {
    const stripe = createStripe(config);
    const payload = { id: 'evt_1', object: 'event', type: 'invoice.paid', data: { object: {} } };
    const { body, signature } = signedWebhook(payload, WEBHOOK_SECRET);
    expect(stripe.verifyWebhook(Buffer.from(body), signature).id).toBe('evt_1');

    const tampered = body.replace('invoice.paid', 'invoice.payment_failed');
    expect(() => stripe.verifyWebhook(tampered, signature)).toThrow(StripeCallError);
    const stale = signedWebhook(payload, WEBHOOK_SECRET, {
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    expect(() => stripe.verifyWebhook(stale.body, stale.signature)).toThrow(
      /signature was refused/,
    );
    const foreign = signedWebhook(payload, 'whsec_someone_else');
    expect(() => stripe.verifyWebhook(foreign.body, foreign.signature)).toThrow(StripeCallError);
    expect(() => stripe.verifyWebhook(body, undefined)).toThrow(
      /Stripe-Signature header is missing/,
    );
  });
});
