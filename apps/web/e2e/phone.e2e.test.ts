// Every page at 390 px (a phone) and at 1280 px, as an admin, an owner, a member and a prepaid
// owner, on a server with (the fake) Stripe on: no page scrolls sideways, no box cuts or scrolls
// its content sideways (tables become stacked cards on a narrow screen), badges keep their whole
// word, and every button and link is on screen. Each page leaves a screenshot in e2e/screenshots/.
import { demoInviteSecret } from '@hops/api';
import { PRICE_ID, WEBHOOK_SECRET, sessionIdOf } from '@hops/api/testing/stripe';
import { signedWebhook, startFakeStripe, type FakeStripe } from '@hops/fakes/stripe';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
  newContext,
  screenshot,
  signInAs,
  startStack,
  type Stack,
} from './harness.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

/** What a person would find wrong with the layout of the page as it is now. */
interface LayoutReport {
  scrollWidth: number;
  innerWidth: number;
  /** Boxes whose content is cut off or scrolls sideways inside them. */
  clipped: string[];
  /** Buttons, links and fields that stick out of the screen on the left or the right. */
  offScreen: string[];
  /** Badges whose word does not fit (shown as "O…"). */
  cutBadges: string[];
}

/** Runs in the page: looks at every visible element, as a person would scan the screen. */
function inspectLayout(): LayoutReport {
  const innerWidth = window.innerWidth;
  const name = (el: Element) => {
    const label =
      el.getAttribute('aria-label') ??
      el.getAttribute('data-testid') ??
      (el.textContent ?? '').trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()} class="${el.className.toString().slice(0, 60)}"> ${label}`;
  };
  const visible = (el: Element) => {
    const rect = el.getBoundingClientRect();
    // Zero-sized, or a 1 px text for screen readers only (a disabled button's reason).
    if (rect.width <= 1 || rect.height <= 1) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none';
  };
  // The collapsed navigation is slid out to the left on purpose; the burger brings it in.
  const slidOut = (el: Element) => el.getBoundingClientRect().right <= 0;
  const clipped: string[] = [];
  for (const el of document.querySelectorAll('body *')) {
    // A field scrolls its own long value; a scroll area's bar is drawn inside it.
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) continue;
    if (el.closest('.mantine-ScrollArea-scrollbar')) continue;
    if (!visible(el) || slidOut(el)) continue;
    const { overflowX } = getComputedStyle(el);
    if (overflowX === 'visible') continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      clipped.push(`${name(el)} (${el.scrollWidth} px in ${el.clientWidth} px)`);
    }
  }
  const offScreen: string[] = [];
  for (const el of document.querySelectorAll(
    'button, a[href], input:not([type=hidden]), select, textarea, [role=button]',
  )) {
    if (!visible(el) || slidOut(el)) continue;
    const rect = el.getBoundingClientRect();
    if (rect.left < -1 || rect.right > innerWidth + 1) {
      offScreen.push(`${name(el)} at ${Math.round(rect.left)}–${Math.round(rect.right)}`);
    }
  }
  const cutBadges: string[] = [];
  for (const el of document.querySelectorAll('.mantine-Badge-root, .mantine-Badge-label')) {
    if (visible(el) && el.scrollWidth > el.clientWidth + 1) cutBadges.push(name(el));
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth,
    clipped,
    offScreen,
    cutBadges,
  };
}

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Nothing is still loading (every section has its data or its sentence).
  await page
    .getByRole('status')
    .filter({ hasText: /^Loading/ })
    .first()
    .waitFor({ state: 'detached', timeout: 30_000 });
}

/** Every layout fault of the page, each as a sentence naming the page (none: it fits). */
async function layoutFaults(page: Page, width: number, what: string): Promise<string[]> {
  const report = await page.evaluate(inspectLayout);
  return [
    ...(report.innerWidth === width ? [] : [`${what}: the window is ${report.innerWidth} px`]),
    ...(report.scrollWidth <= width
      ? []
      : [`${what}: the page scrolls sideways (${report.scrollWidth} px)`]),
    ...report.clipped.map((el) => `${what}: cut or scrolling sideways: ${el}`),
    ...report.offScreen.map((el) => `${what}: off screen: ${el}`),
    ...report.cutBadges.map((el) => `${what}: cut badge: ${el}`),
  ];
}

async function expectFits(page: Page, width: number, what: string): Promise<void> {
  expect(await layoutFaults(page, width, what)).toEqual([]);
}

/** A screenshot's name for a page: "admin-users-dev-alice"; ids and secrets left out. */
function slug(path: string): string {
  const readable = path
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'cluster')
    .replace(/invite\/[0-9a-f]{16,}/, 'invite')
    .replace(/%7C/g, '-');
  return (
    readable
      .replace(/^\//, '')
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/-$/, '') || 'overview'
  );
}

describe.skipIf(chromiumMissing)('every page on a phone and on a desktop', () => {
  let stack: Stack;
  let fake: FakeStripe;
  const contexts: BrowserContext[] = [];
  let clusterId = '';

  async function pageFor(email: string | null, viewport: typeof PHONE): Promise<Page> {
    const context = await newContext(stack, viewport);
    contexts.push(context);
    const page = await context.newPage();
    if (email) await signInAs(page, email);
    return page;
  }

  beforeAll(async () => {
    fake = await startFakeStripe();
    stack = await startStack({
      env: {
        stripe: {
          secretKey: 'sk_test_hops_e2e',
          apiUrl: fake.url,
          webhookSecret: WEBHOOK_SECRET,
          priceId: PRICE_ID,
          meterEventName: 'hops_usage',
          timeoutMs: 5_000,
          reportIntervalMs: 3_600_000,
        },
      },
    });
    const cluster = await stack.database.db
      .selectFrom('hopsworksClusters')
      .select('id')
      .where('name', '=', 'us-east-1-prod')
      .executeTakeFirstOrThrow();
    clusterId = cluster.id;
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-phone-${index}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
    await fake?.close();
  });

  const people = [
    {
      who: 'admin',
      email: 'admin@hops.test',
      paths: () => [
        '/',
        '/usage',
        '/team',
        '/billing',
        '/admin/users',
        '/admin/users/dev%7Calice',
        '/admin/users/dev%7Cgrace',
        '/admin/clusters',
        `/admin/clusters/${clusterId}`,
        '/admin/usage',
        '/admin/audit',
        '/no-such-page',
      ],
    },
    {
      who: 'owner',
      email: 'alice@acme.test',
      paths: () => ['/', '/usage', '/usage?member=dev%7Cbob', '/team', '/billing'],
    },
    { who: 'member', email: 'bob@acme.test', paths: () => ['/', '/usage', '/team', '/billing'] },
    {
      who: 'prepaid owner',
      email: 'grace@initech.test',
      paths: () => ['/', '/usage', '/team', '/billing'],
    },
    {
      who: 'visitor',
      email: null,
      paths: () => ['/login', `/invite/${demoInviteSecret('newbie@acme.test')}`],
    },
  ];

  for (const [viewport, size] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    for (const person of people) {
      it(`${viewport}: no page scrolls sideways or cuts anything for the ${person.who}`, async () => {
        const page = await pageFor(person.email, size);
        const faults: string[] = [];
        for (const path of person.paths()) {
          await page.goto(path);
          await page.getByRole('heading').first().waitFor({ timeout: 30_000 });
          await settle(page);
          faults.push(...(await layoutFaults(page, size.width, path)));
          await screenshot(page, `${viewport}-${person.who.replace(' ', '-')}-${slug(path)}`);
        }
        expect(faults).toEqual([]);
      });
    }
  }

  it('phone: the owner reaches Remove and Revoke on the Team page, and their dialogs fit', async () => {
    const page = await pageFor('alice@acme.test', PHONE);
    await page.goto('/team');
    await settle(page);
    for (const [table, button] of [
      ['Team members', 'Remove'],
      ['Open invites', 'Revoke'],
    ] as const) {
      const buttons = page
        .getByRole('table', { name: table })
        .getByRole('button', { name: button });
      expect(await buttons.count(), table).toBeGreaterThan(0);
      for (const target of await buttons.all()) {
        await target.scrollIntoViewIfNeeded();
        const box = (await target.boundingBox())!;
        expect(box.x, `${table}: ${button}`).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, `${table}: ${button}`).toBeLessThanOrEqual(PHONE.width);
      }
      await buttons.first().click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await expectFits(page, PHONE.width, `the ${button} dialog`);
      await screenshot(page, `phone-owner-team-${button.toLowerCase()}-dialog`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
    }
  });

  it('phone: a table becomes cards that keep every figure, and can still be sorted', async () => {
    const page = await pageFor('alice@acme.test', PHONE);
    await page.goto('/usage');
    await settle(page);
    const table = page.getByRole('table', { name: 'Daily usage' });
    // Each day is a card that names each of its figures.
    const labels = await table
      .getByRole('row')
      .nth(1)
      .evaluate((tr) =>
        [...tr.querySelectorAll('td')].map((td) => getComputedStyle(td, '::before').content),
      );
    for (const label of ['CPU h', 'GPU h', 'Total cost']) {
      expect(labels, label).toContain(`"${label}"`);
    }
    const totals = () =>
      table
        .locator('td[data-label="Total cost"]')
        .evaluateAll((cells) =>
          cells.map((cell) => Number(cell.textContent!.replace(/[$,]/g, ''))),
        );
    await page
      .getByRole('combobox', { name: 'Sort Daily usage by' })
      .selectOption({ label: 'Total cost, highest first' });
    const sorted = await totals();
    expect(sorted.length).toBeGreaterThan(3);
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
    await expectFits(page, PHONE.width, 'usage sorted by cost');
    await screenshot(page, 'phone-owner-usage-sorted');
  });

  /** Stripe tells the server, by a signed webhook, of `event`. */
  async function deliver(event: unknown): Promise<void> {
    const delivery = signedWebhook(event as Parameters<typeof signedWebhook>[0], WEBHOOK_SECRET);
    const response = await fetch(`${stack.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
      body: delivery.body,
    });
    expect(response.status).toBe(200);
  }

  it('phone: a card, its expiry, invoices and a failed payment fit on the Billing page', async () => {
    const page = await pageFor(null, PHONE);
    await page.goto('/login');
    await page.getByLabel('E-mail').fill('pat.postpaid@newco.test');
    await page.getByRole('button', { name: 'Sign in as new user' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    // Adding a card as the Billing page does, with Stripe's side played by the fake.
    const checkout = await page.evaluate(async () => {
      const response = await fetch('/trpc/billing.setupPayment', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return ((await response.json()) as { result: { data: { url: string } } }).result.data.url;
    });
    await deliver(
      fake.completeSetup(sessionIdOf(checkout), {
        brand: 'mastercard',
        last4: '4444',
        exp_month: 8,
        exp_year: 2031,
      }),
    );
    const { stripeCustomerId } = await stack.database.db
      .selectFrom('users')
      .select('stripeCustomerId')
      .where('id', '=', 'dev|pat.postpaid@newco.test')
      .executeTakeFirstOrThrow();
    fake.addInvoice(stripeCustomerId!, { total: 123_456, amount_due: 0, status: 'paid' });
    const unpaid = fake.addInvoice(stripeCustomerId!, { total: 4_200, amount_due: 4_200 });
    await deliver(fake.eventOf('invoice.payment_failed', unpaid.id as string));

    await page.goto('/billing');
    await settle(page);
    const method = page.getByTestId('billing-payment-method');
    await method.getByText('Mastercard •••• 4444').waitFor();
    await page.getByTestId('billing-payment-failed').waitFor();
    await page.getByRole('table', { name: 'Invoices' }).waitFor();
    // "expires 08/2031" is one piece: on one line, never "expires" here and its date below.
    const expiry = method.getByText('expires 08/2031');
    const lines = await expiry.evaluate(
      (el) => new Set([...el.getClientRects()].filter((r) => r.width > 0).map((r) => r.top)).size,
    );
    expect(lines).toBe(1);
    await expectFits(page, PHONE.width, 'billing with a card');
    // The rate card's USD column is whole.
    const usd = page.getByRole('table', { name: 'Rate card' }).getByText('$2.5');
    const box = (await usd.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'phone-postpaid-owner-billing-card');
  });

  it('phone: the navigation and the account menu open on screen', async () => {
    const page = await pageFor('admin@hops.test', PHONE);
    await page.getByRole('button', { name: 'Open navigation' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Audit log' }).waitFor();
    await expect.poll(async () => (await nav.boundingBox())!.x).toBeGreaterThanOrEqual(0);
    await expectFits(page, PHONE.width, 'the open navigation');
    await screenshot(page, 'phone-admin-navigation');
    await page.getByRole('button', { name: 'Close navigation' }).click();
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).waitFor();
    await expectFits(page, PHONE.width, 'the account menu');
    await screenshot(page, 'phone-admin-account-menu');
  });
});
