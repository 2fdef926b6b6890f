import { QUANTITIES } from '@hops/api/resources';
import { describeInputError, spendingCapPolicy, spendingCapUsd } from '@hops/api/schemas';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { OwnerOnly } from '../components/guards.tsx';
import { apiError, member, owner, renderPage, type Handlers } from '../test/render.tsx';
import BillingPage from './billing.tsx';
import type { SpendingCap } from './billing/spending-cap.tsx';
import type { BillingStatus, Invoice } from './billing/types.ts';
import { z } from 'zod';
import OverviewPage from './overview.tsx';

vi.mock('../components/lazy-charts.tsx', () => ({
  UsageChart: () => <div data-testid="chart" />,
  TopAccountsChart: () => null,
}));

const leftTo: string[] = [];
vi.mock('../lib/navigate.ts', () => ({ leaveTo: (url: string) => leftTo.push(url) }));

beforeEach(() => {
  leftTo.length = 0;
});

const stripeOn: BillingStatus = {
  userId: owner.id,
  billingMode: 'postpaid',
  stripe: true,
  card: null,
  subscriptionStatus: null,
  paymentFailed: null,
  lastReportedDay: '2026-01-02',
  unreportedCost: '1.2345',
};

const withCard: BillingStatus = {
  ...stripeOn,
  card: { brand: 'visa', last4: '4242', expMonth: 4, expYear: 2027 },
  subscriptionStatus: 'active',
};

const invoices: Invoice[] = [
  {
    id: 'in_2',
    number: 'HOPS-0002',
    status: 'open',
    periodStart: '2026-01-01T00:00:00.000Z',
    periodEnd: '2026-02-01T00:00:00.000Z',
    total: '1234.50',
    amountDue: '1234.50',
    currency: 'usd',
    hostedInvoiceUrl: 'https://invoice.stripe.test/i/in_2',
    pdfUrl: 'https://invoice.stripe.test/i/in_2/pdf',
  },
  {
    id: 'in_1',
    number: 'HOPS-0001',
    status: 'paid',
    periodStart: '2025-12-01T00:00:00.000Z',
    periodEnd: '2026-01-01T00:00:00.000Z',
    total: '20.00',
    amountDue: '0.00',
    currency: 'usd',
    hostedInvoiceUrl: 'https://invoice.stripe.test/i/in_1',
    pdfUrl: null,
  },
];

const notConfigured = () => {
  throw apiError('PRECONDITION_FAILED', 'Payment is not configured on this server.');
};

/** The API as the Billing page asks it, with the billing answers given. */
function api(billing: Handlers & { 'billing.status': () => BillingStatus }): Handlers {
  const mode = billing['billing.status']().billingMode;
  return {
    'credits.balance': () => ({
      userId: owner.id,
      paid: '5.0000',
      free: '2.5000',
      available: '7.5000',
      unpaidUsage: '0.0000',
      creditsExhausted: false,
      billingMode: mode,
    }),
    'credits.transactions': () => ({ items: [], nextCursor: null }),
    'usage.summary': () => ({ totalCost: '42.1250' }),
    'usage.rateCard': () => ({
      id: '2025-08',
      effectiveFrom: '2025-08-01',
      usdPerCredit: '0.25',
      creditsPerUnit: Object.fromEntries(QUANTITIES.map((q) => [q.rate, '0.5'])),
    }),
    'billing.invoices': () => [],
    'billing.setupPayment': notConfigured,
    'billing.portal': notConfigured,
    'billing.buyCredits': notConfigured,
    'account.spendingCap': () => noCap,
    ...billing,
  };
}

const noCap: SpendingCap = {
  ownerId: owner.id,
  capUsd: null,
  policy: 'notify',
  month: '2026-12-01',
  monthToDateUsd: '412.5000',
  percent: null,
  crossed: [],
  stopped: false,
};

/** The account's cap as the API keeps it: set through the API's own input schema and rules. */
function capAccount(start: SpendingCap) {
  let cap = start;
  const input = z.object({ monthlyCapUsd: spendingCapUsd.nullable(), policy: spendingCapPolicy });
  const handlers: Handlers = {
    'account.spendingCap': () => cap,
    'account.setSpendingCap': (raw) => {
      const parsed = input.safeParse(raw);
      if (!parsed.success) throw apiError('BAD_REQUEST', describeInputError(parsed.error));
      const { monthlyCapUsd, policy } = parsed.data;
      const percent =
        monthlyCapUsd === null
          ? null
          : Math.floor((Number(cap.monthToDateUsd) * 100) / Number(monthlyCapUsd));
      cap = {
        ...cap,
        capUsd: monthlyCapUsd === null ? null : Number(monthlyCapUsd).toFixed(2),
        policy,
        percent,
        crossed: percent === null ? [] : ([50, 80, 100] as const).filter((t) => percent >= t),
        stopped: policy === 'suspend' && percent !== null && percent >= 100,
      };
      return cap;
    },
  };
  return { handlers, now: () => cap };
}

/** The invoice table's cells as a person reads them, header first. */
function invoiceCells(): string[][] {
  const table = screen.getByRole('table', { name: 'Invoices' });
  return within(table)
    .getAllByRole('row')
    .map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent!));
}

describe('billing page', () => {
  it('says payment is not configured when Stripe is off, and offers no card or invoices', async () => {
    const { calls } = renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({ 'billing.status': () => ({ ...stripeOn, stripe: false }) }),
    });
    expect(await screen.findByText('Payment is not configured')).toBeInTheDocument();
    expect(screen.getByText(/Payment is not configured on this server/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add a payment method' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Buy credits' })).not.toBeInTheDocument();
    expect(screen.queryByText('Invoices')).not.toBeInTheDocument();
    expect(calls.map((c) => c.path)).not.toContain('billing.invoices');
    // The sections that do not need Stripe stay.
    expect(screen.getByTestId('billing-mode')).toHaveTextContent('postpaid');
    expect(screen.getByTestId('billing-available')).toHaveTextContent('$7.50');
  });

  it('sends an owner without a card to Stripe Checkout with "Add a payment method"', async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => stripeOn,
        'billing.setupPayment': () => ({ url: 'https://checkout.stripe.test/c/setup_1' }),
      }),
    });
    await user.click(await screen.findByRole('button', { name: 'Add a payment method' }));
    await waitFor(() => expect(leftTo).toEqual(['https://checkout.stripe.test/c/setup_1']));
    expect(calls.filter((c) => c.path === 'billing.setupPayment')).toHaveLength(1);
    expect(screen.getByText(/No card on file/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Manage billing' })).not.toBeInTheDocument();
  });

  it('shows the API’s sentence when Checkout cannot be opened', async () => {
    const user = userEvent.setup();
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => stripeOn,
        'billing.setupPayment': () => {
          throw apiError('SERVICE_UNAVAILABLE', 'Stripe did not answer (create setup session).');
        },
      }),
    });
    await user.click(await screen.findByRole('button', { name: 'Add a payment method' }));
    expect(
      await screen.findByText('Stripe did not answer (create setup session).'),
    ).toBeInTheDocument();
    expect(leftTo).toEqual([]);
  });

  it('shows the card on file and sends the owner to the portal with "Manage billing"', async () => {
    const user = userEvent.setup();
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => withCard,
        'billing.portal': () => ({ url: 'https://billing.stripe.test/p/session_1' }),
      }),
    });
    const section = await screen.findByTestId('billing-payment-method');
    await within(section).findByText(/Visa •••• 4242/);
    expect(section).toHaveTextContent('expires 04/2027');
    expect(section).toHaveTextContent('subscription active');
    expect(
      within(section).queryByRole('button', { name: 'Add a payment method' }),
    ).not.toBeInTheDocument();
    await user.click(within(section).getByRole('button', { name: 'Manage billing' }));
    await waitFor(() => expect(leftTo).toEqual(['https://billing.stripe.test/p/session_1']));
  });

  it('shows a banner with the amount when a payment failed', async () => {
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => ({
          ...withCard,
          subscriptionStatus: 'past_due',
          paymentFailed: { invoiceId: 'in_2', amount: '1234.50', at: '2026-02-01T09:30:00.000Z' },
        }),
      }),
    });
    const banner = await screen.findByTestId('billing-payment-failed');
    expect(banner).toHaveTextContent('A payment failed');
    expect(banner).toHaveTextContent('$1,234.50');
    expect(banner).toHaveTextContent('1 Feb 2026');
  });

  it('lists the invoices with status, period, amounts and Stripe’s links', async () => {
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({ 'billing.status': () => withCard, 'billing.invoices': () => invoices }),
    });
    await screen.findByRole('table', { name: 'Invoices' });
    expect(invoiceCells()).toEqual([
      ['Invoice', 'Status', 'Period', 'Total', 'Amount due', 'Links'],
      ['HOPS-0002', 'open', '1 Jan – 1 Feb 2026', '$1,234.50', '$1,234.50', 'ViewPDF'],
      ['HOPS-0001', 'paid', '1 Dec 2025 – 1 Jan 2026', '$20.00', '$0.00', 'View'],
    ]);
    const table = screen.getByRole('table', { name: 'Invoices' });
    const links = within(table).getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://invoice.stripe.test/i/in_2',
      'https://invoice.stripe.test/i/in_2/pdf',
      'https://invoice.stripe.test/i/in_1',
    ]);
  });

  it('says so when there are no invoices yet, or when they cannot be read', async () => {
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({ 'billing.status': () => withCard }),
    });
    expect(await screen.findByText('No invoices yet')).toBeInTheDocument();

    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => withCard,
        'billing.invoices': () => {
          throw apiError('BAD_REQUEST', 'Stripe refused the call (list invoices).');
        },
      }),
    });
    expect(await screen.findByText('Stripe refused the call (list invoices).')).toBeInTheDocument();
  });

  it('shows what was used this month and how far it has been reported', async () => {
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({ 'billing.status': () => withCard }),
    });
    const stat = await screen.findByTestId('billing-this-month');
    // Rounded half to even, as everywhere: 42.1250 is $42.12.
    await waitFor(() => expect(stat).toHaveTextContent('$42.12'));
    expect(stat).toHaveTextContent('Not invoiced yet');
    expect(stat).toHaveTextContent('reported to Stripe through 2 Jan 2026');
    expect(stat).toHaveTextContent('$1.23 still to report');
  });

  it('lets a prepaid owner buy credits: refuses 9.99 and 12.345, sends 25.00 to Checkout', async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<BillingPage />, {
      me: { ...owner, billingMode: 'prepaid' },
      path: '/billing',
      handlers: api({
        'billing.status': () => ({ ...stripeOn, billingMode: 'prepaid', unreportedCost: '0.0000' }),
        'billing.buyCredits': () => ({ url: 'https://checkout.stripe.test/c/pay_1' }),
      }),
    });
    const amount = await screen.findByLabelText('Amount (USD)');
    expect(screen.queryByRole('button', { name: 'Add a payment method' })).not.toBeInTheDocument();
    const buy = screen.getByRole('button', { name: 'Buy credits' });

    await user.type(amount, '9.99');
    await user.click(buy);
    expect(
      await screen.findByText('Buy at least $10.00 and at most $10,000.00 of credits at a time'),
    ).toBeInTheDocument();

    await user.clear(amount);
    await user.type(amount, '12.345');
    await user.click(buy);
    expect(
      await screen.findByText(
        'Enter an amount in US dollars with at most 2 decimals, like 25 or 49.99',
      ),
    ).toBeInTheDocument();
    expect(calls.map((c) => c.path)).not.toContain('billing.buyCredits');

    await user.clear(amount);
    await user.type(amount, '25.00');
    await user.click(buy);
    await waitFor(() => expect(leftTo).toEqual(['https://checkout.stripe.test/c/pay_1']));
    expect(calls.filter((c) => c.path === 'billing.buyCredits').map((c) => c.input)).toEqual([
      { amount: '25.00' },
    ]);
  });

  it('shows the API’s sentence when it refuses a purchase', async () => {
    const user = userEvent.setup();
    renderPage(<BillingPage />, {
      me: { ...owner, billingMode: 'prepaid' },
      path: '/billing',
      handlers: api({
        'billing.status': () => ({ ...stripeOn, billingMode: 'prepaid' }),
        'billing.buyCredits': () => {
          throw apiError(
            'PRECONDITION_FAILED',
            'Only prepaid accounts buy credits; this account is billed monthly for its usage.',
          );
        },
      }),
    });
    await user.type(await screen.findByLabelText('Amount (USD)'), '50');
    await user.click(screen.getByRole('button', { name: 'Buy credits' }));
    expect(
      await screen.findByText(
        'Only prepaid accounts buy credits; this account is billed monthly for its usage.',
      ),
    ).toBeInTheDocument();
    expect(leftTo).toEqual([]);
  });

  it('tells the owner back from Checkout what happens next, and what a cancel meant', async () => {
    const user = userEvent.setup();
    renderPage(<BillingPage />, {
      path: '/billing?setup=done',
      handlers: api({ 'billing.status': () => stripeOn }),
    });
    const notice = await screen.findByTestId('billing-return-notice');
    expect(notice).toHaveTextContent('as soon as Stripe confirms it');
    await user.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('billing-return-notice')).not.toBeInTheDocument();

    renderPage(<BillingPage />, {
      path: '/billing?setup=cancelled',
      handlers: api({ 'billing.status': () => stripeOn }),
    });
    expect(await screen.findByTestId('billing-return-notice')).toHaveTextContent(
      'No card was saved.',
    );
  });

  it("shows the month's spend against the cap, the policy and the thresholds crossed", async () => {
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => withCard,
        'account.spendingCap': () => ({
          ...noCap,
          capUsd: '500.00',
          percent: 82,
          crossed: [50, 80],
          policy: 'suspend',
        }),
      }),
    });
    const card = await screen.findByTestId('spending-cap');
    const progress = await within(card).findByTestId('spending-cap-progress');
    expect(progress).toHaveTextContent('$412.50 of $500.00 spent in December 2026');
    expect(progress).toHaveTextContent('82 %');
    expect(within(progress).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '82');
    expect(card).toHaveTextContent('Stop at the cap');
    expect(within(card).getByTestId('spending-cap-thresholds')).toHaveTextContent(
      '50 % crossed80 % crossed100 %',
    );
    expect(within(card).queryByTestId('spending-cap-stopped')).not.toBeInTheDocument();
    expect(within(card).getByLabelText('Monthly cap (USD)')).toHaveValue('500.00');
  });

  it('says when spending is stopped for the month, and how it starts again', async () => {
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => withCard,
        'account.spendingCap': () => ({
          ...noCap,
          capUsd: '400.00',
          percent: 103,
          crossed: [50, 80, 100],
          policy: 'suspend',
          stopped: true,
        }),
      }),
    });
    const card = await screen.findByTestId('spending-cap');
    expect(await within(card).findByTestId('spending-cap-stopped')).toHaveTextContent(
      'spending stopped',
    );
    expect(card).toHaveTextContent('103 %');
    expect(card).toHaveTextContent(
      'They are activated again when the month turns, or as soon as the cap is raised above $412.50, removed, or set to warn only.',
    );
    // The bar ends at 100 %; the figure says how far over.
    expect(within(card).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  });

  it('sets a cap with its policy, then removes it', async () => {
    const user = userEvent.setup();
    const account = capAccount(noCap);
    const { calls } = renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({ 'billing.status': () => withCard, ...account.handlers }),
    });
    const card = await screen.findByTestId('spending-cap');
    expect(await within(card).findByTestId('spending-cap-none')).toHaveTextContent(
      'Spent in December 2026 so far: $412.50.',
    );
    await user.type(within(card).getByLabelText('Monthly cap (USD)'), '750');
    await user.click(within(card).getByRole('radio', { name: 'Stop at the cap' }));
    await user.click(within(card).getByRole('button', { name: 'Set cap' }));
    const progress = await within(card).findByTestId('spending-cap-progress');
    expect(progress).toHaveTextContent('$412.50 of $750.00 spent in December 2026');
    expect(progress).toHaveTextContent('55 %');
    expect(within(card).getByTestId('spending-cap-thresholds')).toHaveTextContent('50 % crossed');
    expect(calls.filter((c) => c.path === 'account.setSpendingCap').map((c) => c.input)).toEqual([
      { monthlyCapUsd: '750', policy: 'suspend' },
    ]);

    await user.click(within(card).getByRole('button', { name: 'Remove cap' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Remove cap' }));
    expect(await within(card).findByTestId('spending-cap-none')).toBeInTheDocument();
    expect(account.now().capUsd).toBeNull();
    expect(calls.filter((c) => c.path === 'account.setSpendingCap').at(-1)?.input).toEqual({
      monthlyCapUsd: null,
      policy: 'suspend',
    });
  });

  it('refuses a cap of 0, a negative one or one with 3 decimals with the API’s sentence, changing nothing', async () => {
    const user = userEvent.setup();
    const start = { ...noCap, capUsd: '500.00', percent: 82, crossed: [50, 80] } as SpendingCap;
    const account = capAccount(start);
    const { calls } = renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({ 'billing.status': () => withCard, ...account.handlers }),
    });
    const card = await screen.findByTestId('spending-cap');
    const field = await within(card).findByLabelText('Monthly cap (USD)');
    for (const [typed, sentence] of [
      ['0', 'A cap must be more than $0; to have no cap, turn it off'],
      ['-20', 'Enter the cap in US dollars with at most 2 decimals, like 500 or 1250.50'],
      ['99.999', 'Enter the cap in US dollars with at most 2 decimals, like 500 or 1250.50'],
    ] as const) {
      await user.clear(field);
      await user.type(field, typed);
      await user.click(within(card).getByRole('button', { name: 'Save cap' }));
      expect(await within(card).findByText(sentence)).toBeInTheDocument();
      expect(field).toHaveAttribute('aria-invalid', 'true');
    }
    expect(calls.map((c) => c.path)).not.toContain('account.setSpendingCap');
    expect(account.now()).toEqual(start);
    expect(within(card).getByTestId('spending-cap-progress')).toHaveTextContent(
      '$412.50 of $500.00',
    );
  });

  it('shows the API’s refusal next to the cap field', async () => {
    const user = userEvent.setup();
    renderPage(<BillingPage />, {
      path: '/billing',
      handlers: api({
        'billing.status': () => withCard,
        'account.setSpendingCap': () => {
          throw apiError('BAD_REQUEST', 'This account was deleted; it takes no spending cap.');
        },
      }),
    });
    const card = await screen.findByTestId('spending-cap');
    const field = await within(card).findByLabelText('Monthly cap (USD)');
    await user.type(field, '100');
    await user.click(within(card).getByRole('button', { name: 'Set cap' }));
    expect(
      await within(card).findByText('This account was deleted; it takes no spending cap.'),
    ).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(within(card).getByTestId('spending-cap-none')).toBeInTheDocument();
  });

  it('is never shown to a member', async () => {
    const { calls } = renderPage(
      <OwnerOnly what="Billing">
        <BillingPage />
      </OwnerOnly>,
      { me: member, path: '/billing', handlers: api({ 'billing.status': () => stripeOn }) },
    );
    expect(await screen.findByTestId('refusal')).toHaveTextContent(
      'Billing is for the account owner.',
    );
    expect(calls).toEqual([]);
  });
});

describe('overview without a cluster', () => {
  it('links an owner waiting for a payment method to the Billing page', async () => {
    renderPage(<OverviewPage />, {
      me: { ...owner, cluster: null },
      handlers: { 'usage.summary': () => ({ totalCost: '0.0000' }), 'usage.daily': () => [] },
    });
    const card = await screen.findByTestId('overview-cluster');
    expect(card).toHaveTextContent('You get a cluster once a payment method is on file.');
    expect(within(card).getByRole('link', { name: 'Add a payment method' })).toHaveAttribute(
      'href',
      '/billing',
    );
  });
});
