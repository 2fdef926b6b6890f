// The dashboard end to end, in real Chromium against the real server and a seeded database:
// inviting and joining, usage and its CSV, admin actions and their audit trail, refusals, and the
// phone layout. Each step leaves a screenshot in e2e/screenshots/.
import { readFileSync } from 'node:fs';
import { addDays } from '@hops/api/days';
import { toCents } from '@hops/api/decimal';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../src/lib/csv.ts';
import { formatDay } from '../src/lib/dates.ts';
import {
  chromiumMissing,
  horizontalOverflow,
  newContext,
  screenshot,
  signInAs,
  startStack,
  tableCells,
  type Stack,
} from './harness.ts';

const INVITEE = 'nora.newcomer@acme.test';

/** "$1,234.57" → "1234.57", to compare with the database's own rounding. */
const plain = (money: string) => money.replace(/[$,]/g, '');

describe.skipIf(chromiumMissing)('the dashboard in Chromium', () => {
  let stack: Stack;
  const contexts: BrowserContext[] = [];
  let owner: Page;
  let inviteLink = '';

  async function pageFor(email: string, viewport?: { width: number; height: number }) {
    const context = await newContext(stack, viewport);
    contexts.push(context);
    const page = await context.newPage();
    await signInAs(page, email);
    return page;
  }

  beforeAll(async () => {
    stack = await startStack();
  });

  // A failed step leaves a picture of every open page, to see what the person would have seen.
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-${task.name.slice(0, 2)}${index}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  });

  it('1. an owner signs in, invites an e-mail and copies the link', async () => {
    owner = await pageFor('alice@acme.test');
    await owner.getByRole('heading', { name: 'Hello, Alice Owner' }).waitFor();
    await owner.locator('.usage-bar').first().waitFor();
    await screenshot(owner, '01-owner-overview');

    await owner
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Team' })
      .click();
    await owner.getByLabel('E-mail').fill(INVITEE);
    await owner.getByRole('button', { name: 'Create invite link' }).click();
    const card = owner.getByTestId('invite-link');
    await card.waitFor();
    await card.getByRole('button', { name: 'Copy link' }).click();
    await card.getByRole('button', { name: 'Copied' }).waitFor();
    inviteLink = await owner.evaluate(() => navigator.clipboard.readText());
    expect(inviteLink).toMatch(new RegExp(`^${stack.url}/invite/[A-Za-z0-9_-]{32,}$`));
    expect(await card.getByLabel('Invite link').inputValue()).toBe(inviteLink);
    await owner.getByRole('table', { name: 'Open invites' }).getByText(INVITEE).waitFor();
    await screenshot(owner, '02-invite-created');
  });

  it('2. the invitee signs in with that e-mail, accepts, and both see each other', async () => {
    const context = await newContext(stack);
    contexts.push(context);
    const invitee = await context.newPage();
    await invitee.goto('/login');
    await invitee.getByLabel('E-mail').fill(INVITEE);
    await invitee.getByLabel('Name (optional)').fill('Nora Newcomer');
    await invitee.getByRole('button', { name: 'Sign in as new user' }).click();
    await invitee.waitForURL((url) => url.pathname === '/');

    await invitee.goto(inviteLink);
    const open = invitee.getByTestId('invite-open');
    await open.waitFor();
    expect(await open.textContent()).toContain('Alice Owner (alice@acme.test)');
    expect(await open.textContent()).toContain(INVITEE);
    await screenshot(invitee, '03-invite-page');
    await invitee.getByRole('button', { name: 'Accept invite' }).click();
    await invitee.getByTestId('invite-joined').waitFor();

    await invitee.getByRole('link', { name: 'Go to your team' }).click();
    const theirTeam = invitee.getByRole('table', { name: 'Team members' });
    await theirTeam.getByText('Alice Owner').waitFor();
    await theirTeam.getByText('Nora Newcomer').waitFor();
    await screenshot(invitee, '04-member-team');

    await owner.reload();
    await owner.getByRole('table', { name: 'Team members' }).getByText('Nora Newcomer').waitFor();
    await screenshot(owner, '05-owner-team');
    // The used invite is no longer open.
    const openInvites = owner.getByRole('table', { name: 'Open invites' });
    await openInvites.waitFor();
    expect(await openInvites.getByText(INVITEE).count()).toBe(0);
  });

  it('3. the usage chart and table show the seeded numbers, and the CSV equals the table', async () => {
    const from = addDays(stack.today, -7);
    const to = addDays(stack.today, -1);
    await owner.goto(`/usage?from=${from}&to=${to}`);
    await owner.getByRole('table', { name: 'Daily usage' }).waitFor();
    await owner.locator('.usage-bar').first().waitFor();

    const expected = await stack.database.db
      .selectFrom('usageDaily')
      .select((eb) => [
        'date',
        eb.fn.sum<string>('totalCost').as('total'),
        eb.fn.sum<string>('cpuHours').as('cpu'),
      ])
      .where('accountOwnerId', '=', 'dev|alice')
      .where('date', '>=', from)
      .where('date', '<=', to)
      .groupBy('date')
      .orderBy('date', 'desc')
      .execute();
    expect(expected.length).toBeGreaterThan(3);

    const cells = await tableCells(owner, 'Daily usage');
    const header = cells[0]!;
    const dateAt = header.indexOf('Day (UTC)');
    const totalAt = header.indexOf('Total cost');
    const cpuAt = header.indexOf('CPU h');
    const shown = new Map(cells.slice(1).map((row) => [row[dateAt]!, row]));
    expect(shown.size).toBe(7);
    for (const day of expected) {
      const row = shown.get(formatDay(day.date))!;
      expect(plain(row[totalAt]!), day.date).toBe(toCents(day.total));
      expect(Number(row[cpuAt]!.replace(/,/g, ''))).toBe(Number(day.cpu));
    }
    const weekTotal = expected.reduce((sum, day) => sum + Number(day.total), 0);
    expect(
      Number(plain((await owner.getByTestId('usage-total').textContent())!.replace(/^Total/, ''))),
    ).toBeCloseTo(weekTotal, 2);
    await screenshot(owner, '06-usage');

    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      owner.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`hops-usage-${from}-to-${to}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(parseCsv(csv)).toEqual(cells);
  });

  it('4. an admin finds the owner, grants credits, moves the account, and sees both in the audit log', async () => {
    const admin = await pageFor('admin@hops.test');
    await admin
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users' })
      .click();
    await admin.getByLabel('Search').fill('alice@acme');
    await admin
      .getByRole('table', { name: 'Users' })
      .getByRole('link', { name: 'Alice Owner' })
      .click();
    await admin.getByRole('heading', { name: 'Alice Owner' }).waitFor();

    await admin.getByLabel('Amount (USD)').fill('25');
    await admin.getByLabel('Reason').fill('Goodwill for the e2e test');
    await admin.getByRole('button', { name: 'Grant…' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Grant credits' }).click();
    await admin.getByTestId('user-credits').getByText('$25.00', { exact: true }).waitFor();

    await admin.getByPlaceholder('Pick a cluster').click();
    await admin.getByRole('option', { name: /^eu-west-1-prod/ }).click();
    await admin.getByRole('button', { name: 'Move', exact: true }).click();
    const dialog = admin.getByRole('dialog');
    expect(await dialog.textContent()).toContain('to eu-west-1-prod');
    await dialog.getByRole('button', { name: 'Move', exact: true }).click();
    await admin.getByText('The account of alice@acme.test is on eu-west-1-prod.').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await screenshot(admin, '07-admin-user');

    await admin.getByRole('main').getByRole('link', { name: 'Audit log' }).click();
    await admin.waitForURL(/\/admin\/audit\?targetId=/);
    const audit = admin.getByRole('table', { name: 'Audit log' });
    await audit.getByText('credits.grant').waitFor();
    await audit.getByText('clusters.move').waitFor();
    const rows = await tableCells(admin, 'Audit log');
    const grant = rows.find((row) => row.includes('credits.grant'))!;
    expect(grant).toContain('admin@hops.test');
    expect(grant).toContain('web');
    expect(grant.join(' ')).toContain('Goodwill for the e2e test');
    await screenshot(admin, '08-audit');

    const placed = await stack.database.db
      .selectFrom('userHopsworksAssignments as a')
      .innerJoin('hopsworksClusters as c', 'c.id', 'a.hopsworksClusterId')
      .select(['a.userId', 'c.name'])
      .where('a.userId', 'in', ['dev|alice', 'dev|bob'])
      .execute();
    expect(placed.map((p) => p.name)).toEqual(['eu-west-1-prod', 'eu-west-1-prod']);
  });

  it('5. a member opening /admin/users sees the refusal page, and the API refuses too', async () => {
    const bob = await pageFor('bob@acme.test');
    await bob.goto('/admin/users');
    await bob.getByRole('heading', { name: 'This page is for admins.' }).waitFor();
    expect(await bob.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await screenshot(bob, '09-member-refused');
    const status = await bob.evaluate(async () => {
      const response = await fetch(`/trpc/admin.users.list?input=${encodeURIComponent('{}')}`);
      return {
        status: response.status,
        body: (await response.json()) as { error: { message: string } },
      };
    });
    expect(status.status).toBe(403);
    expect(status.body.error.message).toBe('Only an admin can do this.');
  });

  it('6. at 390 px wide the overview and usage pages have no horizontal scroll', async () => {
    const phone = await pageFor('alice@acme.test', { width: 390, height: 844 });
    await phone.getByTestId('overview-month').getByText('$').waitFor();
    await phone.locator('.usage-bar').first().waitFor();
    expect(await phone.getByRole('button', { name: 'Open navigation' }).isVisible()).toBe(true);
    // The navigation is slid out of view until the burger opens it.
    const nav = await phone.getByRole('navigation', { name: 'Main' }).boundingBox();
    expect(nav!.x + nav!.width).toBeLessThanOrEqual(0);
    let size = await horizontalOverflow(phone);
    expect(size.scrollWidth).toBeLessThanOrEqual(size.innerWidth);
    await screenshot(phone, '10-phone-overview');

    await phone.getByRole('button', { name: 'Open navigation' }).click();
    await phone
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Usage' })
      .click();
    await phone.getByRole('table', { name: 'Daily usage' }).waitFor();
    await phone.locator('.usage-bar').first().waitFor();
    size = await horizontalOverflow(phone);
    expect(size.scrollWidth).toBeLessThanOrEqual(size.innerWidth);
    // The wide table is a card per day instead, which fits: nothing scrolls sideways in it either.
    const box = await phone.getByTestId('table-Daily usage').evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      stacked: el.closest('[data-stacked]') !== null,
    }));
    expect(box.stacked).toBe(true);
    expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
    await screenshot(phone, '11-phone-usage');
  });
});
