// Every other page of the dashboard in Chromium: the invite link's distinct outcomes, signing in
// with an invite, the admin cluster pages (editing into over-capacity, an API refusal shown as its
// sentence), usage across accounts, and billing for a prepaid owner and for a member.
import { demoInviteSecret } from '@hops/api';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
  newContext,
  screenshot,
  signInAs,
  startStack,
  tableCells,
  type Stack,
} from './harness.ts';

const invitePath = (email: string) => `/invite/${demoInviteSecret(email)}`;

describe.skipIf(chromiumMissing)('the other pages in Chromium', () => {
  let stack: Stack;
  const contexts: BrowserContext[] = [];

  async function freshPage(email?: string): Promise<Page> {
    const context = await newContext(stack);
    contexts.push(context);
    const page = await context.newPage();
    if (email) await signInAs(page, email);
    return page;
  }

  beforeAll(async () => {
    stack = await startStack();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-pages-${task.name.slice(0, 2)}${index}`).catch(
        () => undefined,
      );
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  });

  it('7. an invite link has its own page for expired, revoked, used, invalid and wrong e-mail', async () => {
    const visitor = await freshPage();
    await visitor.goto(invitePath('late@globex.test'));
    await visitor.getByTestId('invite-expired').getByText('Ask frank@globex.test').waitFor();
    await screenshot(visitor, '12-invite-expired');

    await visitor.goto(invitePath('nope@umbrella.test'));
    await visitor.getByTestId('invite-revoked').waitFor();
    await visitor.goto(invitePath('bob@acme.test'));
    await visitor.getByTestId('invite-used').waitFor();
    await visitor.goto('/invite/this-link-was-never-issued-0000');
    await visitor
      .getByTestId('invite-invalid')
      .getByText('This invite link is not valid. Check that you copied the whole link.')
      .waitFor();

    const bob = await freshPage('bob@acme.test');
    await bob.goto(invitePath('newbie@acme.test'));
    const wrong = bob.getByTestId('invite-wrong-email');
    await wrong.waitFor();
    expect(await wrong.textContent()).toContain('signed in as bob@acme.test');
    await screenshot(bob, '13-invite-wrong-email');
  });

  it('8. signing in from an invite link comes back to the invite; only Accept joins the team', async () => {
    const newbie = await freshPage();
    await newbie.goto(invitePath('newbie@acme.test'));
    await newbie.getByTestId('invite-sign-in').waitFor();
    await newbie.getByRole('link', { name: 'Sign in to accept' }).click();
    await newbie.getByTestId('login-invite').getByText('newbie@acme.test').waitFor();
    // The new-user form offers the invite's e-mail.
    await expect.poll(() => newbie.getByLabel('E-mail').inputValue()).toBe('newbie@acme.test');
    await screenshot(newbie, '14-login-with-invite');
    await newbie.getByRole('button', { name: 'Sign in as new user' }).click();
    // Signed in and back on the invite: not a member until the click on Accept.
    await newbie.getByTestId('invite-open').waitFor();
    expect(new URL(newbie.url()).pathname).toBe(invitePath('newbie@acme.test'));
    await newbie.getByRole('button', { name: 'Accept invite' }).click();
    await newbie.getByTestId('invite-joined').waitFor();
  });

  it('9. admin cluster pages: capacity, editing into over-capacity, secrets never shown', async () => {
    const admin = await freshPage('admin@hops.test');
    await admin.goto('/admin/clusters');
    const east = admin.getByTestId('cluster-us-east-1-prod');
    await east.getByText(/users$/).waitFor();
    await screenshot(admin, '15-admin-clusters');

    await east.getByRole('link', { name: 'us-east-1-prod' }).click();
    const accounts = admin.getByRole('table', { name: 'Accounts' });
    await accounts.getByText('alice@acme.test').waitFor();
    const edit = async (capacity: string) => {
      await admin.getByRole('button', { name: 'Edit cluster' }).click();
      const dialog = admin.getByRole('dialog');
      expect(await dialog.getByLabel('API key').inputValue()).toBe('');
      await dialog.getByLabel('Capacity (users)').fill(capacity);
      await dialog.getByRole('button', { name: 'Save' }).click();
      return dialog;
    };
    // Below the users it holds: the API refuses, and the dialog says why in its words.
    const refused = await edit('5');
    await refused.getByText(/so its capacity cannot go below that/).waitFor();
    await screenshot(admin, '16-admin-cluster-refused');
    await refused.getByRole('button', { name: 'Cancel' }).click();

    // Exactly full, then one more member joins the team of an owner on it: over capacity.
    const users = (await admin.getByText(/^\d+ \/ 50 users$/).textContent())!.split(' ')[0]!;
    await edit(users);
    await admin.getByText(`${users} / ${users} users`).waitFor();
    const judy = await freshPage('judy@hooli.test');
    const link = await judy.evaluate(async () => {
      const response = await fetch('/trpc/invites.create', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'overflow@hooli.test' }),
      });
      return ((await response.json()) as { result: { data: { inviteUrl: string } } }).result.data
        .inviteUrl;
    });
    const joiner = await freshPage();
    await joiner.goto(new URL(link).pathname);
    await joiner.getByRole('link', { name: 'Sign in to accept' }).click();
    await joiner.getByRole('button', { name: 'Sign in as new user' }).click();
    await joiner.getByRole('button', { name: 'Accept invite' }).click();
    await joiner.getByTestId('invite-joined').waitFor();
    await admin.reload();
    await admin.getByText('over capacity by 1').waitFor();
    expect(await admin.content()).not.toContain('demo-api-key');
    await screenshot(admin, '17-admin-cluster-over-capacity');
    await admin.goto('/admin/clusters');
    await admin.getByTestId('cluster-us-east-1-prod').getByText('over capacity by 1').waitFor();

    await admin.goto('/admin/clusters');
    await admin.getByRole('button', { name: 'New cluster' }).click();
    const create = admin.getByRole('dialog');
    await create.getByLabel('Name').fill('ap-south-1-prod');
    await create.getByLabel('API URL').fill('http://insecure.example');
    await create.getByLabel('API key').fill('secret-key-123');
    await create.getByRole('button', { name: 'Create cluster' }).click();
    await create.getByText(/Use an https:\/\/ URL/).waitFor();
    await screenshot(admin, '18-admin-cluster-create-refused');
    await create.getByLabel('API URL').fill('https://ap-south-1.hopsworks.example');
    await create.getByRole('button', { name: 'Create cluster' }).click();
    await admin.getByRole('heading', { name: 'ap-south-1-prod' }).waitFor();
    await admin.getByText('No accounts on this cluster').waitFor();
  });

  it('10. usage across accounts ranks the accounts by cost', async () => {
    const admin = await freshPage('admin@hops.test');
    await admin.goto('/admin/usage');
    const table = admin.getByRole('table', { name: 'Top accounts' });
    await table.waitFor();
    await admin.locator('.recharts-bar-rectangle').first().waitFor();
    const rows = await tableCells(admin, 'Top accounts');
    const costs = rows.slice(1).map((row) => Number(row[4]!.replace(/[$,]/g, '')));
    expect(costs.length).toBeGreaterThanOrEqual(4);
    expect([...costs].sort((a, b) => b - a)).toEqual(costs);
    await screenshot(admin, '19-admin-usage');
  });

  it('11. billing: a prepaid owner sees balance and ledger; a member is told it is not theirs', async () => {
    const grace = await freshPage('grace@initech.test');
    await grace.goto('/billing');
    await grace.getByTestId('billing-mode').getByText('prepaid').waitFor();
    const ledger = grace.getByRole('table', { name: 'Credits ledger' });
    await ledger
      .getByText('Welcome credits')
      .or(ledger.getByText(/^Usage /).first())
      .first()
      .waitFor();
    const rates = grace.getByRole('table', { name: 'Rate card' });
    const gpu = rates.getByRole('row').filter({ hasText: 'GPU' });
    await gpu.getByText('$2.5').waitFor();
    expect(await gpu.innerText()).toContain('10');
    await screenshot(grace, '20-billing-prepaid');

    const bob = await freshPage('bob@acme.test');
    await bob.goto('/billing');
    await bob.getByRole('heading', { name: 'Billing is for the account owner.' }).waitFor();
    await bob.goto('/login');
    await bob.getByTestId('dev-user-admin@hops.test').waitFor();
    await screenshot(bob, '21-login-dev-picker');
  });
});
