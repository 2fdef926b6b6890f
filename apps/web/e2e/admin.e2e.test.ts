// The admin look-ups in Chromium, at 1280 and at 390 px, against the real server and a seeded
// database: the users list sorted on the server across pages and filtered to people on no
// cluster; a suspension and why, on the user's page; a grant that names who receives it and asks
// twice for a large amount; the audit log filtered by e-mail, its details opened, its CSV; and the
// CSV of usage across accounts. Each step leaves a screenshot in e2e/screenshots/.
import { readFileSync } from 'node:fs';
import type { BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../src/lib/csv.ts';
import {
  chromiumMissing,
  horizontalOverflow,
  newContext,
  screenshot,
  SCREENSHOTS,
  signInAs,
  startStack,
  tableCells,
  type Stack,
} from './harness.ts';

const PHONE = { width: 390, height: 844 };
const SORT_TAG = 'zeta-sort.test';
/** The page re-renders after the address changes; on a busy machine that takes a while. */
const POLL = { timeout: 15_000 };

describe.skipIf(chromiumMissing)('the admin look-ups in Chromium', () => {
  let stack: Stack;
  const contexts: BrowserContext[] = [];

  async function pageFor(email: string, viewport?: { width: number; height: number }) {
    const context = await newContext(stack, viewport);
    contexts.push(context);
    const page = await context.newPage();
    await signInAs(page, email);
    return page;
  }

  /** The CSV a click on `button` downloads, parsed. */
  async function downloaded(page: Page, click: () => Promise<void>) {
    const [download] = (await Promise.all([page.waitForEvent('download'), click()])) as [
      Download,
      void,
    ];
    const csv = readFileSync((await download.path())!, 'utf8');
    return { filename: download.suggestedFilename(), rows: parseCsv(csv) };
  }

  /** No sideways scroll for the page, and `actions` on screen once scrolled to. */
  async function fitsPhone(page: Page, actions: ReturnType<Page['getByRole']>[]) {
    const size = await horizontalOverflow(page);
    expect(size.scrollWidth).toBeLessThanOrEqual(size.innerWidth);
    for (const action of actions) {
      await action.scrollIntoViewIfNeeded();
      const box = (await action.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
  }

  beforeAll(async () => {
    stack = await startStack();
    // 30 more people, enough for two pages of 25, none of them on a cluster.
    await stack.database.db
      .insertInto('users')
      .values(
        Array.from({ length: 30 }, (_, i) => ({
          id: `e2e|sort-${i}`,
          // Mixed case and an order that is neither the sign-up order nor the id order.
          email: `${i % 2 ? 'P' : 'p'}erson-${String((i * 7) % 30).padStart(2, '0')}@${SORT_TAG}`,
        })),
      )
      .execute();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-admin-${task.name.slice(0, 2)}${index}`).catch(
        () => undefined,
      );
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  });

  it('1. the users list sorts on the server, the same order across pages', async () => {
    const admin = await pageFor('admin@hops.test');
    await admin.goto(`/admin/users?limit=25&q=${SORT_TAG}`);
    const table = admin.getByRole('table', { name: 'Users' });
    await table.getByRole('row').nth(25).waitFor();
    await admin.getByRole('combobox', { name: 'Sort by' }).click();
    await admin.getByRole('option', { name: 'E-mail', exact: true }).click();
    await admin.waitForURL(/sort=email/);
    await admin.getByText('sorted by “E-mail”, A to Z, across all pages').waitFor();
    await admin.getByRole('button', { name: 'Sorted A to Z. Reverse the order' }).click();
    await admin.waitForURL(/order=desc/);
    await admin.getByRole('button', { name: 'Sorted Z to A. Reverse the order' }).waitFor();

    const emails = async () => (await tableCells(admin, 'Users')).slice(1).map((row) => row[0]!);
    await expect.poll(async () => (await emails())[0], POLL).toBe(`Person-29@${SORT_TAG}`);
    const first = await emails();
    await screenshot(admin, 'admin-01-users-sorted');
    await admin.getByRole('button', { name: 'Next' }).click();
    await admin.getByText('Page 2 · 5 shown').waitFor();
    const second = await emails();
    const expected = (
      await stack.database.db
        .selectFrom('users')
        .select('email')
        .where('email', 'like', `%@${SORT_TAG}`)
        .execute()
    )
      .map((u) => u.email)
      .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? 1 : -1));
    expect([...first, ...second]).toEqual(expected);
    expect(first).toHaveLength(25);
  });

  it('2. "Unassigned" lists exactly the people on no cluster', async () => {
    const unassigned = await stack.database.db
      .selectFrom('users as u')
      .leftJoin('userHopsworksAssignments as a', 'a.userId', 'u.id')
      .select('u.email')
      .where('a.id', 'is', null)
      .execute();
    const admin = await pageFor('admin@hops.test');
    await admin.goto('/admin/users?limit=100');
    await admin.getByRole('table', { name: 'Users' }).waitFor();
    await admin.getByRole('combobox', { name: 'Cluster' }).click();
    await admin.getByRole('option', { name: 'Unassigned (no cluster)' }).click();
    await admin.waitForURL(/cluster=unassigned/);
    await expect
      .poll(async () => (await tableCells(admin, 'Users')).length - 1, POLL)
      .toBe(unassigned.length);
    const rows = (await tableCells(admin, 'Users')).slice(1);
    expect(new Set(rows.map((row) => row[4]))).toEqual(new Set(['unassigned']));
    const shown = rows.map((row) => row[0]!).join('\n');
    for (const { email } of unassigned) expect(shown).toContain(email);
    expect(shown).toContain('nina@stark.test');
    await screenshot(admin, 'admin-02-users-unassigned');
  });

  it('3. a suspension says on the user page who did it, when and why', async () => {
    const admin = await pageFor('admin@hops.test');
    await admin.goto('/admin/users/dev%7Cken');
    await admin.getByRole('heading', { name: 'Ken Kato' }).waitFor();
    await admin.getByRole('button', { name: 'Suspend' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Shared his login with a contractor');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    const note = admin.getByTestId('user-status-note');
    await note.getByText('Suspended account').waitFor();
    const text = (await note.textContent())!;
    expect(text).toMatch(
      /^Suspended account.*Suspended .+ by Ada Admin \(admin@hops\.test\) in the dashboard\. Reason: “Shared his login with a contractor”\./,
    );
    await screenshot(admin, 'admin-03-user-suspended');

    // The same page on a phone: the reason readable, every action reachable, nothing sideways.
    const phone = await pageFor('admin@hops.test', PHONE);
    await phone.goto('/admin/users/dev%7Cken');
    await phone
      .getByTestId('user-status-note')
      .getByText(/Shared his login/)
      .waitFor();
    await fitsPhone(phone, [
      phone.getByRole('button', { name: 'Reactivate' }),
      phone.getByRole('button', { name: 'Grant…' }),
      phone.getByRole('link', { name: 'See the audit log' }),
    ]);
    await screenshot(phone, 'admin-04-phone-user-suspended');
  });

  it("4. a grant on a member's page goes to the account owner, and a large one asks twice", async () => {
    const before = await stack.database.db
      .selectFrom('userCredits')
      .select('freeCreditsGranted')
      .where('userId', '=', 'dev|alice')
      .executeTakeFirst();
    const admin = await pageFor('admin@hops.test');
    await admin.goto('/admin/users/dev%7Cbob');
    const recipient = admin.getByTestId('grant-recipient');
    await recipient.waitFor();
    expect(await recipient.textContent()).toContain(
      'credits go to the account owner, Alice Owner (alice@acme.test)',
    );
    await admin.getByLabel('Amount (USD)').fill('2500');
    await admin.getByLabel('Reason', { exact: true }).fill('Migration credit');
    await admin.getByRole('button', { name: 'Grant…' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Grant credits?' });
    await dialog.getByTestId('grant-large').waitFor();
    expect(await dialog.textContent()).toContain(
      'Grant $2,500.00 of free credits to Alice Owner (alice@acme.test), the account owner?',
    );
    const confirm = dialog.getByRole('button', { name: 'Grant credits' });
    expect(await confirm.getAttribute('aria-disabled')).toBe('true');
    await dialog.getByLabel('Type the amount again (USD)').fill('25000');
    expect(await confirm.getAttribute('aria-disabled')).toBe('true');
    // Pointing at it says why it cannot be used yet.
    await confirm.hover();
    await admin.getByRole('tooltip', { name: 'Type 2500 above to grant it.' }).waitFor();
    await screenshot(admin, 'admin-05-grant-second-confirmation');
    await dialog.getByLabel('Type the amount again (USD)').fill('2500');
    await confirm.click();
    await admin.getByText('Granted $2,500.00 of free credits to alice@acme.test.').waitFor();
    const after = await stack.database.db
      .selectFrom('userCredits')
      .select('freeCreditsGranted')
      .where('userId', '=', 'dev|alice')
      .executeTakeFirstOrThrow();
    expect(Number(after.freeCreditsGranted) - Number(before?.freeCreditsGranted ?? 0)).toBe(2500);
    // Nothing was granted to the member.
    const bob = await stack.database.db
      .selectFrom('creditTransactions')
      .select('id')
      .where('userId', '=', 'dev|bob')
      .execute();
    expect(bob).toEqual([]);
  });

  it('5. the audit log filtered by e-mail, its details opened, its CSV cell for cell', async () => {
    const admin = await pageFor('admin@hops.test');
    await admin.goto('/admin/audit');
    const table = admin.getByRole('table', { name: 'Audit log' });
    await table.waitFor();
    // Each filter lands in the address before the next is typed, as a person's would.
    await admin.getByLabel('Who (e-mail)').fill('ADMIN@hops');
    await admin.waitForURL(/actorEmail=ADMIN/);
    await expect
      .poll(
        async () => new Set((await tableCells(admin, 'Audit log')).slice(1).map((row) => row[1])),
        POLL,
      )
      .toEqual(new Set(['admin@hops.test']));
    await admin.getByLabel('About (e-mail)').fill('ken@hooli');
    await admin.waitForURL(/actorEmail=ADMIN.*targetEmail=ken/);
    await expect
      .poll(async () => (await tableCells(admin, 'Audit log')).slice(1).map((row) => row[3]), POLL)
      .toEqual(['admin.users.setStatus']);
    const [header, row] = await tableCells(admin, 'Audit log');
    expect(header).toEqual(['When', 'Who', 'Via', 'Action', 'About', 'Details']);
    expect(row!.slice(1, 5)).toEqual([
      'admin@hops.test',
      'web',
      'admin.users.setStatus',
      'user ken@hooli.test',
    ]);

    const csv = await downloaded(admin, () =>
      admin.getByRole('button', { name: 'Download CSV' }).click(),
    );
    expect(csv.filename).toBe(`hops-audit-log-${stack.today}.csv`);
    const cells = (await tableCells(admin, 'Audit log')).map((cellsOfRow) =>
      cellsOfRow.map((cell) => cell.replace(/Show all \d+$/, '')),
    );
    expect(csv.rows).toEqual(cells);
    expect(csv.rows[1]![5]).toBe(
      // in the order PostgreSQL keeps a jsonb object's keys
      'to: suspended · from: active · email: ken@hooli.test · reason: Shared his login with a contractor',
    );

    await table.getByRole('button', { name: 'Show all 4 details' }).click();
    const open = table.getByTestId('audit-details-open');
    await open.getByText('Shared his login with a contractor').waitFor();
    await screenshot(admin, 'admin-06-audit-by-email');

    // The grant of step 4 is about the owner, who received it, not the member whose page it was.
    await admin.getByLabel('About (e-mail)').fill('alice@acme.test');
    await admin.waitForURL(/targetEmail=alice/);
    await expect
      .poll(async () => (await tableCells(admin, 'Audit log')).slice(1).map((r) => r[4]), POLL)
      .toContain('user alice@acme.test');
    await admin.getByLabel('Who (e-mail)').fill('');
    await admin.waitForURL((url) => !url.searchParams.has('actorEmail'));
    await expect
      .poll(async () => (await tableCells(admin, 'Audit log')).slice(1).map((r) => r[3]), POLL)
      .toContain('credits.grant');
    await admin.getByLabel('About (e-mail)').fill('bob@acme.test');
    await admin.waitForURL(/targetEmail=bob/);
    const aboutBob = async () => {
      if (await admin.getByText('Nothing recorded').isVisible()) return [];
      const rows = (await tableCells(admin, 'Audit log')).slice(1);
      return rows.every((r) => r[4]!.includes('bob@acme.test')) ? rows.map((r) => r[3]) : null;
    };
    await expect.poll(aboutBob, POLL).not.toBeNull();
    expect(await aboutBob()).not.toContain('credits.grant');

    const phone = await pageFor('admin@hops.test', PHONE);
    await phone.goto('/admin/audit?actorEmail=admin%40hops&targetEmail=ken%40hooli');
    await phone.getByText('admin.users.setStatus').first().waitFor();
    await fitsPhone(phone, [
      phone.getByRole('button', { name: 'Download CSV' }),
      phone.getByRole('button', { name: 'Show all 4 details' }),
    ]);
    await phone.getByRole('button', { name: 'Show all 4 details' }).click();
    await phone.getByTestId('audit-details-open').waitFor();
    await fitsPhone(phone, []);
    await screenshot(phone, 'admin-07-phone-audit');
  });

  it('6. usage across accounts downloads exactly its table', async () => {
    const admin = await pageFor('admin@hops.test');
    await admin.goto('/admin/usage');
    await admin.getByRole('table', { name: 'Top accounts' }).waitFor();
    const csv = await downloaded(admin, () =>
      admin.getByRole('button', { name: 'Download CSV' }).click(),
    );
    expect(csv.filename).toMatch(
      /^hops-usage-by-account-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const cells = await tableCells(admin, 'Top accounts');
    expect(csv.rows).toEqual(cells);
    expect(csv.rows.length).toBeGreaterThanOrEqual(5);
    await screenshot(admin, 'admin-08-usage');

    const phone = await pageFor('admin@hops.test', PHONE);
    await phone.goto('/admin/usage');
    await phone.getByRole('button', { name: 'Download CSV' }).waitFor();
    await fitsPhone(phone, [phone.getByRole('button', { name: 'Download CSV' })]);
    await phone.goto('/admin/users?cluster=unassigned');
    await phone.getByRole('combobox', { name: 'Sort by' }).waitFor();
    await fitsPhone(phone, [
      phone.getByRole('combobox', { name: 'Sort by' }),
      phone.getByRole('button', { name: /Reverse the order/ }),
    ]);
    await screenshot(phone, 'admin-09-phone-users');
    // The first screen of it, as the phone shows it: the filters and the first cards.
    await phone.evaluate(() => window.scrollTo(0, 0));
    await phone.screenshot({ path: `${SCREENSHOTS}/admin-10-phone-users-first-screen.png` });
  });
});
