// The defects of issue 16 in Chromium, each at 1280 px and at 390 px: typing into the capacity
// field, checking an assignment before its Confirm (with the maintenance warning), a suspended
// account signing in as a "new user", the owner's own row on the team page, a bad range in the
// Usage address, which figure is exact, and the API's refusals read as sentences. Each step leaves
// a screenshot in e2e/screenshots/ (defects-*).
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

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** The demo data each width works on, so the two runs do not meet. */
const BY_WIDTH = {
  desktop: { capacityCluster: 'eu-west-1-prod', mover: 'frank@globex.test', moverUsers: 3 },
  phone: { capacityCluster: 'us-east-1-prod', mover: 'heidi@umbrella.test', moverUsers: 2 },
} as const;

const SUSPENDED = { id: 'dev|sue', email: 'sue@suspended.test', name: 'Sue Suspended' };

describe.skipIf(chromiumMissing)('issue 16 defects in Chromium', () => {
  let stack: Stack;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    await stack.database.db
      .insertInto('users')
      .values({ ...SUSPENDED, status: 'suspended' })
      .execute();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-defects-${index}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  });

  async function clusterRow(name: string) {
    return stack.database.db
      .selectFrom('hopsworksClusters')
      .select(['id', 'maxUsers'])
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
  }

  async function clusterOf(email: string): Promise<string | null> {
    const row = await stack.database.db
      .selectFrom('users as u')
      .leftJoin('userHopsworksAssignments as a', 'a.userId', 'u.id')
      .leftJoin('hopsworksClusters as c', 'c.id', 'a.hopsworksClusterId')
      .select('c.name')
      .where('u.email', '=', email)
      .executeTakeFirstOrThrow();
    return row.name;
  }

  describe.each(WIDTHS)('at $width px', (size) => {
    const data = BY_WIDTH[size.name];
    const shot = (page: Page, what: string) => screenshot(page, `defects-${what}-${size.width}`);

    async function freshPage(email?: string): Promise<Page> {
      const context = await newContext(stack, { width: size.width, height: size.height });
      contexts.push(context);
      const page = await context.newPage();
      if (email) await signInAs(page, email);
      return page;
    }

    it('1. the capacity field saves what was typed over the old number, and refuses 1.5 with a sentence', async () => {
      const admin = await freshPage('admin@hops.test');
      const cluster = await clusterRow(data.capacityCluster);
      await admin.goto(`/admin/clusters/${cluster.id}`);
      await admin.getByRole('button', { name: 'Edit cluster' }).click();
      const dialog = admin.getByRole('dialog');
      const capacity = dialog.getByLabel('Capacity (users)');
      // Select the number and type over it, as a person does.
      await capacity.click();
      await admin.keyboard.press('ControlOrMeta+A');
      await admin.keyboard.type('25');
      expect(await capacity.inputValue()).toBe('25');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await admin.getByText(/^\d+ \/ 25 users$/).waitFor();
      expect((await clusterRow(data.capacityCluster)).maxUsers).toBe(25);

      // Emptied with Backspace first: no "0" is left ahead of the caret.
      await admin.getByRole('button', { name: 'Edit cluster' }).click();
      await capacity.click();
      await admin.keyboard.press('ControlOrMeta+A');
      await admin.keyboard.press('Backspace');
      await admin.keyboard.type('1.5');
      expect(await capacity.inputValue()).toBe('1.5');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.getByText('Capacity must be a whole number of users, like 25').waitFor();
      await shot(admin, '1-capacity-refused');
      expect((await clusterRow(data.capacityCluster)).maxUsers).toBe(25);

      await capacity.click();
      await admin.keyboard.press('ControlOrMeta+A');
      await admin.keyboard.press('Backspace');
      await admin.keyboard.type('30');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await admin.getByText(/^\d+ \/ 30 users$/).waitFor();
      expect((await clusterRow(data.capacityCluster)).maxUsers).toBe(30);
    });

    it('2. "Assign an account here" checks the e-mail first and warns of maintenance before Confirm', async () => {
      const admin = await freshPage('admin@hops.test');
      const staging = await clusterRow('us-west-2-staging');
      await admin.goto(`/admin/clusters/${staging.id}`);
      const field = admin.getByLabel("Account owner's e-mail");
      const assign = admin.getByRole('button', { name: 'Assign', exact: true });
      const refusals = [
        ['not an email', 'Enter a valid e-mail address.'],
        ['nobody@nowhere.test', 'No user has the e-mail nobody@nowhere.test.'],
        [
          'bob@acme.test',
          'bob@acme.test is a member of another account and moves with it; assign the account owner instead.',
        ],
        [
          SUSPENDED.email,
          `The account of ${SUSPENDED.email} is suspended. Reactivate it before assigning it to a cluster.`,
        ],
      ] as const;
      for (const [typed, sentence] of refusals) {
        await field.fill(typed);
        await assign.click();
        await admin.getByText(sentence).waitFor();
        // Refused before any confirmation: no dialog, no Confirm.
        expect(await admin.getByRole('dialog').count()).toBe(0);
      }
      await shot(admin, '2-assign-refused');

      await field.fill(data.mover);
      await assign.click();
      const dialog = admin.getByRole('dialog');
      await dialog
        .getByText(
          new RegExp(
            `The whole account of ${data.mover.replace(/\./g, '\\.')} \\(the owner and \\d+ members?\\) moves from \\S+ to us-west-2-staging\\.`,
          ),
        )
        .waitFor();
      await dialog
        .getByTestId('assign-warning')
        .getByText(
          "us-west-2-staging is in maintenance: the account's people may not be able to work there until it is active again.",
        )
        .waitFor();
      await shot(admin, '2-assign-confirm-maintenance');
      expect(await clusterOf(data.mover)).not.toBe('us-west-2-staging');
      await dialog.getByRole('button', { name: 'Move' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await admin.getByRole('table', { name: 'Accounts' }).getByText(data.mover).waitFor();
      expect(await clusterOf(data.mover)).toBe('us-west-2-staging');
    });

    it('3. a suspended account signing in through the new-user field is told it is suspended', async () => {
      const visitor = await freshPage();
      await visitor.goto('/login');
      await visitor.getByLabel('E-mail').fill(SUSPENDED.email);
      await visitor.getByRole('button', { name: 'Sign in as new user' }).click();
      await visitor
        .getByRole('alert')
        .getByText('Your account is suspended. Contact support to have it reactivated.')
        .waitFor();
      expect(await visitor.content()).not.toContain('signs in a different way');
      await shot(visitor, '3-suspended-sign-in');
      expect(new URL(visitor.url()).pathname).toBe('/login');
    });

    it("4. the team page shows when the owner joined and last signed in on the owner's own row", async () => {
      const alice = await freshPage('alice@acme.test');
      await alice.goto('/team');
      const row = alice.getByRole('row').filter({ hasText: 'alice@acme.test' });
      await row.waitFor();
      const text = (await row.textContent()) ?? '';
      expect(text).not.toContain('—');
      expect(text).toMatch(/\d{4}/);
      await shot(alice, '4-team-owner-row');
    });

    it('5. a range in the Usage address it cannot use is said in a sentence and taken out of the address', async () => {
      const alice = await freshPage('alice@acme.test');
      await alice.goto('/usage?from=2026-13-01&to=2026-01-03');
      const notice = alice.getByTestId('range-notice');
      await notice
        .getByText(
          'It asked for 2026-13-01 to 2026-01-03. The start date is not a day of the calendar. Showing the last 30 days instead.',
        )
        .waitFor();
      await alice.waitForURL((url) => !url.searchParams.has('from') && !url.searchParams.has('to'));
      // The last 30 days are shown instead (the picture waits for them).
      await alice.getByRole('table', { name: 'Daily usage' }).waitFor();
      await shot(alice, '5-usage-bad-range');

      await alice.goto('/usage?from=2026-03-05&to=2026-03-01');
      await notice.getByText(/The start date is after the end date\./).waitFor();
      expect(await alice.locator('body').textContent()).not.toContain('`');
    });

    it('6. Usage says which figure is exact next to the total and the table', async () => {
      const alice = await freshPage('alice@acme.test');
      await alice.goto('/usage');
      await alice.getByRole('table', { name: 'Daily usage' }).waitFor();
      const note = alice.getByTestId('rounding-note').first();
      expect(await note.textContent()).toMatch(/^The total (\$[\d,.]+ )?is exact; the days below/);
      await shot(alice, '6-usage-rounding-note');
    });

    it('7. an API refusal of malformed input reaches the page as a sentence naming the field', async () => {
      const admin = await freshPage('admin@hops.test');
      await admin.goto('/admin/clusters/not-a-cluster-id');
      await admin
        .getByRole('alert')
        .getByText(
          'The id must look like 3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6 (copy it from the list).',
        )
        .waitFor();
      const page = (await admin.locator('body').textContent()) ?? '';
      expect(page).not.toMatch(/Invalid input|Too big|Too small|expected number/);
      await shot(admin, '7-api-refusal-sentence');
    });
  });
});
