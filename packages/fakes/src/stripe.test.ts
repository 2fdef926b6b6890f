import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { parseForm } from './form.ts';
import { signedWebhook, startFakeStripe, type FakeStripe } from './stripe.ts';

let fake: FakeStripe | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options?: Parameters<typeof startFakeStripe>[0]) {
  fake = await startFakeStripe(options);
  const { hostname, port, protocol } = new URL(fake.url);
  const stripe = new Stripe('sk_test_fake', {
    host: hostname,
    port: Number(port),
    protocol: protocol === 'http:' ? 'http' : 'https',
    maxNetworkRetries: 0,
    telemetry: false,
  });
  return { fake, stripe };
}

describe('parseForm', () => {
  it('reads nested keys and indexed arrays as the SDK encodes them', () => {
    expect(
      parseForm(
        'mode=setup&metadata[hops_user_id]=u1&items[0][price]=price_1&items[1][price]=p2' +
          '&invoice_settings[default_payment_method]=pm_1&expand[0]=payment_method&e=a%20b',
      ),
    ).toEqual({
      mode: 'setup',
      metadata: { hops_user_id: 'u1' },
      items: [{ price: 'price_1' }, { price: 'p2' }],
      invoice_settings: { default_payment_method: 'pm_1' },
      expand: ['payment_method'],
      e: 'a b',
    });
  });
});

describe('the fake Stripe', () => {
  it('replays a repeated idempotency key and refuses it with other parameters', async () => {
    const { fake, stripe } = await start();
    const first = await stripe.customers.create({ email: 'a@x.test' }, { idempotencyKey: 'k1' });
    const again = await stripe.customers.create({ email: 'a@x.test' }, { idempotencyKey: 'k1' });
    expect(again.id).toBe(first.id);
    const other = stripe.customers.create({ email: 'b@x.test' }, { idempotencyKey: 'k1' });
    await expect(other).rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
    expect(fake.requests.filter((r) => r.path === '/v1/customers')).toHaveLength(3);
    const customers = await stripe.customers.create({}, { idempotencyKey: 'k2' });
    expect(customers.id).not.toBe(first.id);
  });

  it('fails the next matching requests as asked, then answers again', async () => {
    const { fake, stripe } = await start();
    fake.failNext({ path: '/v1/customers', status: 503, times: 2 });
    await expect(stripe.customers.create({})).rejects.toMatchObject({
      type: 'StripeAPIError',
      statusCode: 503,
    });
    await expect(stripe.customers.create({})).rejects.toMatchObject({ statusCode: 503 });
    const customer = await stripe.customers.create({});
    fake.failNext({ status: 429, retryAfter: 7 });
    const limited = await stripe.customers.retrieve(customer.id).catch((e: unknown) => e);
    expect(limited).toMatchObject({ type: 'StripeRateLimitError', statusCode: 429 });
    expect((limited as Stripe.errors.StripeError).headers?.['retry-after']).toBe('7');
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 200, 429]);
  });

  it('answers 429 with Retry-After beyond its rate limit', async () => {
    const { stripe } = await start({ requestsPerSecond: 2 });
    const answers = await Promise.allSettled([1, 2, 3].map(() => stripe.customers.create({})));
    expect(answers.map((a) => a.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refused = answers.find((a) => a.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    expect((refused.reason as Stripe.errors.StripeError).headers?.['retry-after']).toBe('1');
  });

  it('completes a setup session with a card on its SetupIntent', async () => {
    const { fake, stripe } = await start();
    const customer = await stripe.customers.create({ metadata: { hops_user_id: 'u1' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      currency: 'usd',
      success_url: 'http://x.test/ok',
    });
    const event = fake.completeSetup(session.id, { brand: 'mastercard', last4: '4444' });
    expect(event).toMatchObject({ type: 'checkout.session.completed' });
    expect(event.data.object).toMatchObject({ id: session.id, status: 'complete', mode: 'setup' });
    const intent = await stripe.setupIntents.retrieve(session.setup_intent as string, {
      expand: ['payment_method'],
    });
    expect(intent.payment_method).toMatchObject({ card: { brand: 'mastercard', last4: '4444' } });
  });

  it('counts a meter event once per identifier and bills the newest of each day', async () => {
    const { fake, stripe } = await start();
    const customer = await stripe.customers.create({});
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_meter' }],
    });
    const day = Math.floor(Date.now() / 86_400_000) * 86_400;
    const send = (identifier: string, value: string) =>
      stripe.billing.meterEvents.create({
        event_name: 'hops_usage',
        identifier,
        timestamp: day + 60,
        payload: { stripe_customer_id: customer.id, value },
      });
    await send('a', '120000');
    await send('a', '120000');
    await send('b', '250049');
    expect(fake.meterEvents.map((e) => e.identifier)).toEqual(['a', 'b']);
    await stripe.subscriptions.cancel(subscription.id, { invoice_now: true });
    const invoices = await stripe.invoices.list({ customer: customer.id });
    expect(invoices.data.map((i) => i.total)).toEqual([2500]);
  });

  it('signs webhooks that the SDK verifies', () => {
    const { body, signature } = signedWebhook({ id: 'evt_1', object: 'event' }, 'whsec_x');
    expect(Stripe.webhooks.constructEvent(body, signature, 'whsec_x').id).toBe('evt_1');
  });
});
