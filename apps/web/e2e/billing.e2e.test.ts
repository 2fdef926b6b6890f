// Adding a card end to end (issue 11), in Chromium against a server with Stripe on: a new postpaid
// owner without a cluster goes to Checkout (intercepted: the browser never reaches Stripe, nor the
// fake), the fake completes it, its event reaches the real server as a signed webhook, and the
// Billing page then shows the card while the owner has a cluster. Then a prepaid owner buys
// credits the same way: wrong amounts are sentences, a right one is credited once.
import { usdToCents } from '@hops/api/decimal';
import { clusterOf } from '@hops/api/testing';
import { PRICE_ID, WEBHOOK_SECRET, sessionIdOf } from '@hops/api/testing/stripe';
import { signedWebhook, startFakeStripe, type FakeStripe } from '@hops/fakes/stripe';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebStripeConfig } from '../server/env.ts';
import {
  chromiumMissing,
  horizontalOverflow,
  newContext,
  screenshot,
  signInAs,
  startStack,
  type Stack,
} from './harness.ts';

const OWNER = 'pat.postpaid@newco.test';
const OWNER_ID = `dev|${OWNER}`;
const CARD = { brand: 'mastercard', last4: '4444', exp_month: 8, exp_year: 2031 };

describe.skipIf(chromiumMissing)('adding a card in Chromium', () => {
  let fake: FakeStripe;
  let stack: Stack;
  let context: BrowserContext;
  let owner: Page;
  /** The Checkout URLs the browser was sent to (and held back from). */
  const checkouts: string[] = [];

  beforeAll(async () => {
    fake = await startFakeStripe();
    const stripe: WebStripeConfig = {
      secretKey: 'sk_test_hops_e2e',
      apiUrl: fake.url,
      webhookSecret: WEBHOOK_SECRET,
      priceId: PRICE_ID,
      meterEventName: 'hops_usage',
      timeoutMs: 5_000,
      reportIntervalMs: 3_600_000,
    };
    stack = await startStack({ env: { stripe } });
    context = await newContext(stack);
    // Checkout is Stripe's page, not ours: note where the browser was sent and answer in its place.
    await context.route(`${fake.url}/**`, async (route) => {
      checkouts.push(route.request().url());
      await route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><title>Checkout</title><h1>Stripe Checkout (held back)</h1>',
      });
    });
    owner = await context.newPage();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const [index, page] of context.pages().entries()) {
      await screenshot(page, `failed-billing-${task.name.slice(0, 2)}${index}`).catch(
        () => undefined,
      );
    }
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await stack?.close();
    await fake?.close();
  });

  it('12. a new postpaid owner has no cluster and is offered to add a payment method', async () => {
    await owner.goto('/login');
    await owner.getByLabel('E-mail').fill(OWNER);
    await owner.getByLabel('Name (optional)').fill('Pat Postpaid');
    await owner.getByRole('button', { name: 'Sign in as new user' }).click();
    await owner.waitForURL((url) => url.pathname === '/');

    const cluster = owner.getByTestId('overview-cluster');
    await cluster.getByText('None yet').waitFor();
    await cluster.getByText('You get a cluster once a payment method is on file.').waitFor();
    expect(await clusterOf(stack.database.db, OWNER_ID)).toBeNull();

    await cluster.getByRole('link', { name: 'Add a payment method' }).click();
    await owner.waitForURL((url) => url.pathname === '/billing');
    const method = owner.getByTestId('billing-payment-method');
    await method.getByText(/No card on file/).waitFor();
    await owner.getByTestId('billing-mode').getByText('postpaid').waitFor();
    expect(await method.getByRole('button', { name: 'Manage billing' }).count()).toBe(0);
  });

  it('13. "Add a payment method" sends the browser to Checkout; the webhook saves the card', async () => {
    const method = owner.getByTestId('billing-payment-method');
    await method.getByRole('button', { name: 'Add a payment method' }).click();
    await owner.waitForURL((url) => url.href.startsWith(`${fake.url}/pay/`));
    expect(checkouts).toHaveLength(1);
    const sessionId = sessionIdOf(checkouts[0]!);
    const session = fake.get(sessionId)!;
    expect(session).toMatchObject({
      mode: 'setup',
      success_url: `${stack.url}/billing?setup=done`,
    });

    // The person enters a card on Stripe's page; Stripe tells the server by a signed webhook.
    const event = fake.completeSetup(sessionId, CARD);
    const delivery = signedWebhook(event, WEBHOOK_SECRET);
    const response = await fetch(`${stack.url}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': delivery.signature,
      },
      body: delivery.body,
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { received: true, outcome: 'applied' },
    });

    // Stripe sends the person back to the success URL.
    await owner.goto('/billing?setup=done');
    await owner
      .getByTestId('billing-return-notice')
      .getByText(/Your card was saved/)
      .waitFor();
    await method.getByText('Mastercard •••• 4444').waitFor();
    await method.getByText('expires 08/2031').waitFor();
    await method.getByRole('button', { name: 'Manage billing' }).waitFor();
    await method.getByText('subscription active').waitFor();
    expect(await method.getByRole('button', { name: 'Add a payment method' }).count()).toBe(0);
    await screenshot(owner, '22-billing-card');

    await owner.setViewportSize({ width: 390, height: 844 });
    await method.getByText('Mastercard •••• 4444').waitFor();
    const overflow = await horizontalOverflow(owner);
    expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);
    await screenshot(owner, '23-phone-billing-card');
    await owner.setViewportSize({ width: 1280, height: 900 });
  });

  it('14. the owner now has a cluster, on the Overview and in the database', async () => {
    const clusterId = await clusterOf(stack.database.db, OWNER_ID);
    expect(clusterId).not.toBeNull();
    const { name } = await stack.database.db
      .selectFrom('hopsworksClusters')
      .select('name')
      .where('id', '=', clusterId!)
      .executeTakeFirstOrThrow();

    await owner
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Overview' })
      .click();
    const cluster = owner.getByTestId('overview-cluster');
    await cluster.getByText(name, { exact: true }).waitFor();
    await cluster.getByRole('link', { name: 'Open Hopsworks' }).waitFor();
    expect(await cluster.getByText('None yet').count()).toBe(0);
  });

  it('15. a prepaid owner buys credits: a wrong amount is a sentence, a right one is credited once', async () => {
    const grace = await context.newPage();
    await signInAs(grace, 'grace@initech.test');
    await grace.goto('/billing');
    await grace.getByTestId('billing-mode').getByText('prepaid').waitFor();
    const available = grace.getByTestId('billing-available');
    await available.getByText(/\$[\d,]+\.\d\d/).waitFor();
    const centsShown = async () =>
      usdToCents(
        (/\$([\d,]+\.\d\d)/.exec(await available.innerText())?.[1] ?? '').replace(/,/g, ''),
      );
    const before = await centsShown();
    expect(before).not.toBeNull();

    const form = grace.getByTestId('billing-buy-credits');
    const amount = form.getByLabel('Amount (USD)');
    const buy = form.getByRole('button', { name: 'Buy credits' });
    const sentBefore = checkouts.length;
    await amount.fill('5');
    await buy.click();
    await form
      .getByText('Buy at least $10.00 and at most $10,000.00 of credits at a time')
      .waitFor();
    await amount.fill('12.345');
    await buy.click();
    await form
      .getByText('Enter an amount in US dollars with at most 2 decimals, like 25 or 49.99')
      .waitFor();
    expect(checkouts).toHaveLength(sentBefore);
    await screenshot(grace, '24-billing-buy-credits-refused');

    await amount.fill('250.50');
    await buy.click();
    await grace.waitForURL((url) => url.href.startsWith(`${fake.url}/pay/`));
    expect(checkouts).toHaveLength(sentBefore + 1);
    const sessionId = sessionIdOf(checkouts.at(-1)!);
    expect(fake.get(sessionId)).toMatchObject({
      mode: 'payment',
      amount_total: 25_050,
      metadata: { hops_user_id: 'dev|grace' },
      success_url: `${stack.url}/billing?topup=done`,
    });

    // Paid on Stripe's page; Stripe tells the server, and (as it may) tells it twice.
    const event = fake.completePayment(sessionId);
    const outcomes = [];
    for (let i = 0; i < 2; i++) {
      const delivery = signedWebhook(event, WEBHOOK_SECRET);
      const response = await fetch(`${stack.url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': delivery.signature,
        },
        body: delivery.body,
      });
      outcomes.push({ status: response.status, body: await response.json() });
    }
    expect(outcomes).toEqual([
      { status: 200, body: { received: true, outcome: 'applied' } },
      { status: 200, body: { received: true, outcome: 'duplicate' } },
    ]);

    await grace.goto('/billing?topup=done');
    await grace
      .getByTestId('billing-return-notice')
      .getByText(/Your credits are added/)
      .waitFor();
    await grace
      .getByRole('table', { name: 'Credits ledger' })
      .getByText(/Bought through Stripe Checkout/)
      .waitFor();
    expect(await centsShown()).toBe(before! + 25_050);
    await screenshot(grace, '25-billing-credits-bought');
  });
});
