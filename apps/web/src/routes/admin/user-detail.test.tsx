import { COSTS, QUANTITY_FIELDS } from '@hops/api/resources';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../lib/dates.ts';
import { admin, apiError, owner, renderPage, type Handlers } from '../../test/render.tsx';
import type { SpendingCap } from '../billing/spending-cap.tsx';
import type { BillingStatus, Invoice } from '../billing/types.ts';
import AdminUserPage from './user-detail.tsx';
import type { UserDetail } from './user-detail/types.ts';

const ownerDetail: UserDetail = {
  user: {
    id: 'dev|alice',
    email: 'alice@acme.test',
    name: 'Alice Owner',
    status: 'active',
    role: 'owner',
    isAdmin: false,
    billingMode: 'postpaid',
    accountOwnerId: null,
    cluster: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    lastLoginAt: null,
    loginCount: 3,
    stripeCustomerId: 'cus_1',
    featureFlags: {},
  },
  statusChange: null,
  account: {
    owner: { id: 'dev|alice', email: 'alice@acme.test', name: 'Alice Owner', status: 'active' },
    members: [],
  },
  cluster: null,
  credits: null,
  usage30d: {
    from: '2026-01-01',
    to: '2026-01-30',
    totalCost: '0.0000',
    byResource: Object.fromEntries(COSTS.map((c) => [c.resource, '0.0000'])) as never,
    quantities: Object.fromEntries(QUANTITY_FIELDS.map((q) => [q, '0.0000'])) as never,
  },
};

const memberDetail: UserDetail = {
  ...ownerDetail,
  user: {
    ...ownerDetail.user,
    id: 'dev|bob',
    email: 'bob@acme.test',
    name: 'Bob Builder',
    role: 'member',
    accountOwnerId: 'dev|alice',
    stripeCustomerId: null,
  },
};

const withCard: BillingStatus = {
  userId: owner.id,
  billingMode: 'postpaid',
  stripe: true,
  card: { brand: 'visa', last4: '4242', expMonth: 4, expYear: 2027 },
  subscriptionStatus: 'active',
  paymentFailed: null,
  lastReportedDay: '2026-01-02',
  unreportedCost: '1.2345',
};

const invoice: Invoice = {
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
};

const aliceCap: SpendingCap = {
  ownerId: 'dev|alice',
  capUsd: '1000.00',
  policy: 'notify',
  month: '2026-12-01',
  monthToDateUsd: '512.0000',
  percent: 51,
  crossed: [50],
  stopped: false,
};

/** The admin's user page for `detail`, the billing answers given. */
function show(detail: UserDetail, billing: Handlers = {}) {
  return renderPage(
    <Routes>
      <Route path="/admin/users/:id" element={<AdminUserPage />} />
    </Routes>,
    {
      me: admin,
      path: `/admin/users/${encodeURIComponent(detail.user.id)}`,
      handlers: {
        'admin.users.get': () => detail,
        'clusters.list': () => [],
        'billing.status': () => withCard,
        'billing.invoices': () => [],
        'account.spendingCap': () => aliceCap,
        'clusters.provisioning': () => [],
        ...billing,
      },
    },
  );
}

describe('admin user page: billing', { timeout: 30_000 }, () => {
  it("shows an owner's card, subscription, reporting and invoices, for that owner", async () => {
    const { calls } = show(ownerDetail, { 'billing.invoices': () => [invoice] });
    const section = await screen.findByTestId('user-billing');
    const card = await within(section).findByTestId('billing-payment-method');
    expect(card).toHaveTextContent('Visa •••• 4242');
    expect(card).toHaveTextContent('expires 04/2027');
    expect(card).toHaveTextContent('subscription active');
    // An admin looks; the owner's buttons to Stripe are on the owner's page only.
    expect(within(section).queryByRole('button')).not.toBeInTheDocument();
    const reporting = within(section).getByTestId('user-billing-reporting');
    expect(reporting).toHaveTextContent('$1.23');
    expect(reporting).toHaveTextContent('Reported through 2 Jan 2026');
    expect(await within(section).findByRole('table', { name: 'Invoices' })).toHaveTextContent(
      'HOPS-0001',
    );
    expect(within(section).queryByTestId('billing-payment-failed')).not.toBeInTheDocument();
    for (const path of ['billing.status', 'billing.invoices']) {
      expect(calls.filter((c) => c.path === path).map((c) => c.input)).toEqual([
        { userId: 'dev|alice' },
      ]);
    }
  });

  it('says when no payment method is on file and no invoice exists yet', async () => {
    show(ownerDetail, {
      'billing.status': () => ({ ...withCard, card: null, subscriptionStatus: null }),
    });
    const section = await screen.findByTestId('user-billing');
    expect(await within(section).findByText('No payment method on file.')).toBeInTheDocument();
    expect(await within(section).findByText('No invoices yet')).toBeInTheDocument();
  });

  it('shows a banner with the amount and date when a payment failed', async () => {
    show(ownerDetail, {
      'billing.status': () => ({
        ...withCard,
        subscriptionStatus: 'past_due',
        paymentFailed: { invoiceId: 'in_2', amount: '12.34', at: '2026-11-30T09:30:00.000Z' },
      }),
    });
    // The page asks admin.users.get, then billing.status: two round trips before the banner.
    const banner = await screen.findByTestId('billing-payment-failed', {}, { timeout: 10_000 });
    expect(banner).toHaveTextContent('A payment failed');
    expect(banner).toHaveTextContent('$12.34');
    expect(banner).toHaveTextContent('30 Nov 2026');
    expect(banner).not.toHaveTextContent('Manage billing');
  });

  it('says payment is not configured when Stripe is off, and asks for no invoices', async () => {
    const { calls } = show(ownerDetail, {
      'billing.status': () => ({ ...withCard, stripe: false, card: null }),
    });
    const section = await screen.findByTestId('user-billing');
    expect(
      await within(section).findByText('Payment is not configured on this server.'),
    ).toBeInTheDocument();
    expect(within(section).queryByTestId('billing-payment-method')).not.toBeInTheDocument();
    expect(calls.map((c) => c.path)).not.toContain('billing.invoices');
  });

  it('shows the API’s sentence when the payment details cannot be read', async () => {
    show(ownerDetail, {
      'billing.status': () => {
        throw apiError('FORBIDDEN', 'Only an admin can do this.');
      },
    });
    const section = await screen.findByTestId('user-billing');
    expect(await within(section).findByText('Only an admin can do this.')).toBeInTheDocument();
    expect(
      within(section).getByText('The payment details could not be loaded'),
    ).toBeInTheDocument();
  });

  it("shows nothing of billing on a member's page", async () => {
    const { calls } = show(memberDetail);
    expect(await screen.findByText('Bob Builder', { selector: 'h1, h2' })).toBeInTheDocument();
    expect(screen.queryByTestId('user-billing')).not.toBeInTheDocument();
    expect(calls.map((c) => c.path).filter((p) => p.startsWith('billing.'))).toEqual([]);
  });
});

describe('admin user page: spending cap', { timeout: 30_000 }, () => {
  it("shows an owner's cap and lets the admin change it for that owner", async () => {
    const { calls } = show(ownerDetail, {
      'account.setSpendingCap': (input) => ({
        ...aliceCap,
        capUsd: '2000.00',
        percent: 25,
        ...(input as object),
      }),
    });
    const card = await screen.findByTestId('spending-cap');
    expect(await within(card).findByTestId('spending-cap-progress')).toHaveTextContent(
      '$512.00 of $1,000.00 spent in December 2026',
    );
    const user = userEvent.setup();
    const field = within(card).getByLabelText('Monthly cap (USD)');
    await user.clear(field);
    await user.type(field, '2000');
    await user.click(within(card).getByRole('button', { name: 'Save cap' }));
    await waitFor(() =>
      expect(calls.filter((c) => c.path === 'account.setSpendingCap').map((c) => c.input)).toEqual([
        { userId: 'dev|alice', monthlyCapUsd: '2000', policy: 'notify' },
      ]),
    );
    expect(calls.find((c) => c.path === 'account.spendingCap')?.input).toEqual({
      userId: 'dev|alice',
    });
  });

  it("shows a member the account's cap read-only, pointing to the owner", async () => {
    show(memberDetail);
    const card = await screen.findByTestId('spending-cap');
    expect(await within(card).findByTestId('spending-cap-progress')).toHaveTextContent(
      '$512.00 of $1,000.00',
    );
    expect(card).toHaveTextContent(
      "The cap of alice@acme.test's account, which pays for this member",
    );
    expect(within(card).queryByLabelText('Monthly cap (USD)')).not.toBeInTheDocument();
  });
});

const suspended: UserDetail = {
  ...ownerDetail,
  user: { ...ownerDetail.user, status: 'suspended' },
  statusChange: {
    status: 'suspended',
    at: '2026-01-05T10:30:00.000Z',
    by: { id: 'dev|admin', email: 'admin@hops.test', name: 'Ada Admin' },
    via: 'slack',
    reason: 'Chargeback on invoice HOPS-0007',
  },
};

describe('admin user page: why the status', { timeout: 30_000 }, () => {
  it('says who suspended the user, when, where and why', async () => {
    show(suspended);
    const note = await screen.findByTestId('user-status-note');
    expect(note).toHaveTextContent('Suspended account');
    expect(note).toHaveTextContent(
      `Suspended ${formatDateTime(suspended.statusChange!.at)} by Ada Admin (admin@hops.test) in Slack. ` +
        'Reason: “Chargeback on invoice HOPS-0007”.',
    );
    expect(within(note).getByRole('link', { name: 'See the audit log' })).toHaveAttribute(
      'href',
      '/admin/audit?targetId=dev%7Calice',
    );
  });

  it('says an account was deleted by the person themself, without a reason', async () => {
    show({
      ...suspended,
      user: { ...suspended.user, status: 'deleted', email: 'deleted-1f2e@deleted.invalid' },
      statusChange: {
        ...suspended.statusChange!,
        status: 'deleted',
        via: 'web',
        by: { id: 'dev|alice', email: 'deleted-1f2e@deleted.invalid', name: null },
        reason: null,
      },
    });
    const note = await screen.findByTestId('user-status-note');
    expect(note).toHaveTextContent('Deleted account');
    expect(note).toHaveTextContent(
      `Deleted ${formatDateTime(suspended.statusChange!.at)} by the person themself in the dashboard. Reason: none was given.`,
    );
  });

  it('says so when nothing records why the user is suspended', async () => {
    show({ ...suspended, statusChange: null });
    const note = await screen.findByTestId('user-status-note');
    expect(note).toHaveTextContent('who did it and why is not recorded');
  });

  it('says who let a user back in, and shows nothing for a user never suspended', async () => {
    show({
      ...ownerDetail,
      statusChange: { ...suspended.statusChange!, status: 'active', via: 'web', reason: 'Paid' },
    });
    expect(await screen.findByTestId('user-status-note')).toHaveTextContent(
      `Reactivated ${formatDateTime(suspended.statusChange!.at)} by Ada Admin (admin@hops.test) in the dashboard: “Paid”.`,
    );
    cleanup();
    show(ownerDetail);
    await screen.findByText('Alice Owner', { selector: 'h1, h2' });
    expect(screen.queryByTestId('user-status-note')).not.toBeInTheDocument();
  });
});

describe('admin user page: granting credits', { timeout: 30_000 }, () => {
  const granted = () => ({ paid: '0', free: '25', available: '25', unpaidUsage: '0' });

  async function fillGrant(amount: string) {
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Amount (USD)'), amount);
    await user.type(screen.getByLabelText('Reason'), 'Goodwill');
    await user.click(screen.getByRole('button', { name: 'Grant…' }));
    return { user, dialog: await screen.findByRole('dialog', { name: 'Grant credits?' }) };
  }

  it('names the owner who receives the credits, on their own page', async () => {
    show(ownerDetail);
    expect(await screen.findByTestId('grant-recipient')).toHaveTextContent(
      'Credits go to Alice Owner (alice@acme.test), the owner of this account, who pays for everyone in it.',
    );
  });

  it("on a member's page, says the credits go to the account owner, and grants them there", async () => {
    const { calls } = show(
      {
        ...memberDetail,
        account: { ...memberDetail.account, members: [] },
      },
      { 'credits.grant': granted },
    );
    expect(await screen.findByTestId('grant-recipient')).toHaveTextContent(
      'Bob Builder is a member and pays through their owner: credits go to the account owner, Alice Owner (alice@acme.test).',
    );
    const { user, dialog } = await fillGrant('25');
    expect(dialog).toHaveTextContent(
      'Grant $25.00 of free credits to Alice Owner (alice@acme.test), the account owner?',
    );
    expect(within(dialog).queryByTestId('grant-large')).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Grant credits' }));
    await waitFor(() =>
      expect(calls.filter((c) => c.path === 'credits.grant').map((c) => c.input)).toEqual([
        { userId: 'dev|alice', amount: '25', pool: 'free', reason: 'Goodwill' },
      ]),
    );
  });

  it('asks a second time from $1,000, with the amount typed again', async () => {
    const { calls } = show(ownerDetail, { 'credits.grant': granted });
    const { user, dialog } = await fillGrant('2500');
    const large = within(dialog).getByTestId('grant-large');
    expect(large).toHaveTextContent('$2,500.00 is 10,000 credits, at or above the $1,000.00');
    const confirm = within(dialog).getByRole('button', { name: 'Grant credits' });
    expect(confirm).toHaveAttribute('aria-disabled', 'true');
    expect(confirm).toHaveAccessibleDescription('Type 2500 above to grant it.');
    expect(within(dialog).getByTestId('grant-disabled-why')).toHaveTextContent(
      'Type 2500 above to grant it.',
    );
    // A slipped zero does not confirm it.
    const again = within(dialog).getByLabelText('Type the amount again (USD)');
    await user.type(again, '250');
    expect(confirm).toHaveAttribute('aria-disabled', 'true');
    await user.click(confirm);
    expect(calls.filter((c) => c.path === 'credits.grant')).toEqual([]);
    await user.clear(again);
    await user.type(again, '2500.00');
    expect(confirm).not.toHaveAttribute('aria-disabled');
    await user.click(confirm);
    await waitFor(() =>
      expect(calls.filter((c) => c.path === 'credits.grant').map((c) => c.input)).toEqual([
        { userId: 'dev|alice', amount: '2500', pool: 'free', reason: 'Goodwill' },
      ]),
    );
  });

  it('asks only once just below the threshold', async () => {
    show(ownerDetail, { 'credits.grant': granted });
    const { dialog } = await fillGrant('999.99');
    expect(within(dialog).queryByTestId('grant-large')).not.toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Grant credits' })).not.toHaveAttribute(
      'aria-disabled',
    );
  });

  it('shows the API’s refusal in the dialog and keeps it open', async () => {
    show(ownerDetail, {
      'credits.grant': () => {
        throw apiError(
          'BAD_REQUEST',
          'That grant would take the balance past what an account can hold.',
        );
      },
    });
    const { user, dialog } = await fillGrant('5');
    await user.click(within(dialog).getByRole('button', { name: 'Grant credits' }));
    expect(
      await within(dialog).findByText(
        'That grant would take the balance past what an account can hold.',
      ),
    ).toBeVisible();
  });
});

describe(
  'admin user page: moving the account is checked before it is confirmed',
  { timeout: 30_000 },
  () => {
    const staging = {
      id: 'c-west',
      name: 'us-west-2-staging',
      apiUrl: 'https://west.test',
      status: 'maintenance' as const,
      currentUsers: 3,
      maxUsers: 50,
      overCapacity: false,
      utilisation: '6.0',
      accounts: 1,
      metadata: {},
      hasApiKey: true,
      hasKubeconfig: false,
      openCostUrl: null,
      hasOpenCostToken: false,
      caCertificate: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const plan = {
      ok: true,
      change: 'assign',
      owner: { id: 'dev|alice', email: 'alice@acme.test', name: 'Alice Owner' },
      users: 1,
      members: 0,
      from: null,
      to: staging,
      auto: false,
      warnings: [
        'us-west-2-staging is in maintenance: the account’s people may not be able to work there until it is active again.',
      ],
    };

    async function pick(answer: unknown) {
      const assigned: unknown[] = [];
      const { calls } = show(ownerDetail, {
        'clusters.list': () => [staging],
        'clusters.previewAssign': () => answer,
        'clusters.assign': (input) => {
          assigned.push(input);
          return {
            status: 'assigned',
            ownerId: 'dev|alice',
            cluster: staging,
            fromClusterId: null,
          };
        },
      });
      const user = userEvent.setup();
      await user.click(await screen.findByLabelText('Target cluster'));
      await user.click(
        await screen.findByRole('option', { name: /us-west-2-staging/, hidden: true }),
      );
      await user.click(screen.getByRole('button', { name: 'Assign' }));
      return { calls, assigned, user };
    }

    it('warns of a cluster in maintenance in the confirmation, then assigns', async () => {
      const { calls, assigned, user } = await pick(plan);
      expect(await screen.findByTestId('assign-warning')).toHaveTextContent('is in maintenance');
      expect(calls.filter((c) => c.path === 'clusters.previewAssign').map((c) => c.input)).toEqual([
        { userId: 'dev|alice', clusterId: 'c-west' },
      ]);
      const dialog = screen.getByRole('dialog');
      await user.click(within(dialog).getByRole('button', { name: 'Assign' }));
      await waitFor(() => expect(assigned).toEqual([{ userId: 'dev|alice', clusterId: 'c-west' }]));
    });

    it('shows a refusal as its sentence, with no Confirm', async () => {
      const { assigned } = await pick({
        ok: false,
        reason: 'suspended',
        message: 'The account of alice@acme.test is suspended and cannot be assigned.',
      });
      const dialog = await screen.findByRole('dialog');
      expect(dialog).toHaveTextContent(
        'The account of alice@acme.test is suspended and cannot be assigned.',
      );
      expect(within(dialog).queryByRole('button', { name: 'Assign' })).not.toBeInTheDocument();
      expect(assigned).toEqual([]);
    });
  },
);
