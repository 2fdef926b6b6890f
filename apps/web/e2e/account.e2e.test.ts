// Deleting an account (SPEC §11) in Chromium at 1280 px and at 390 px: Settings is reached from the
// account menu and shows the identity; an owner with members is refused with the API's sentence
// and nothing changes; a member deletes their own account and lands on the sign-in page, deleted;
// an admin deletes a lone owner from the admin user page with a reason. Each step leaves a
// screenshot in e2e/screenshots/ (account-*).
import { migrateJobQueue } from '@hops/api';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
  horizontalOverflow,
  newContext,
  screenshot,
  signInAs,
  startStack,
  type Stack,
} from './harness.ts';

/** Each width uses accounts of its own, so the two runs do not meet. */
const WIDTHS = [
  {
    name: 'desktop',
    width: 1280,
    height: 900,
    owner: { id: 'dev|frank', email: 'frank@globex.test', members: 2 },
    member: { id: 'dev|gina', email: 'gina@globex.test', name: 'Gina' },
    lone: { id: 'dev|nina', email: 'nina@stark.test' },
  },
  {
    name: 'phone',
    width: 390,
    height: 844,
    owner: { id: 'dev|heidi', email: 'heidi@umbrella.test', members: 1 },
    member: { id: 'dev|ivan', email: 'ivan@umbrella.test', name: 'Ivan' },
    lone: { id: 'dev|grace', email: 'grace@initech.test' },
  },
] as const;

describe.skipIf(chromiumMissing)('deleting an account in Chromium', () => {
  let stack: Stack;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    await migrateJobQueue({
      connectionString: stack.database.url,
      log: { info: () => undefined, warn: () => undefined, error: console.error },
    });
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-account-${index}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  });

  const userRow = (id: string) =>
    stack.database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  async function open(w: (typeof WIDTHS)[number], email: string): Promise<Page> {
    const context = await newContext(stack, { width: w.width, height: w.height });
    contexts.push(context);
    const page = await context.newPage();
    await signInAs(page, email);
    return page;
  }

  async function toSettings(page: Page) {
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    await page.waitForURL((url) => url.pathname === '/settings');
    await page.getByRole('heading', { name: 'Delete my account' }).waitFor();
  }

  for (const w of WIDTHS) {
    it(`refuses an owner with members, deletes a member and a lone owner at ${w.width} px (${w.name})`, async () => {
      // The owner with members: refused with the API's sentence, nothing changes.
      const ownerPage = await open(w, w.owner.email);
      await toSettings(ownerPage);
      await ownerPage.getByText(w.owner.email, { exact: true }).first().waitFor();
      await screenshot(ownerPage, `account-${w.name}-1-settings`);
      const overflow = await horizontalOverflow(ownerPage);
      expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);
      await ownerPage
        .getByLabel(`Type your e-mail address (${w.owner.email}) to confirm`)
        .fill(w.owner.email);
      await ownerPage.getByRole('button', { name: 'Delete my account' }).click();
      const noun = w.owner.members === 1 ? 'member' : 'members';
      const them = w.owner.members === 1 ? 'them' : 'them all';
      await ownerPage
        .getByRole('alert')
        .getByText(
          `Your account has ${w.owner.members} ${noun}: remove ${them} or transfer ownership first, then delete your account.`,
        )
        .waitFor();
      await ownerPage.getByRole('alert').scrollIntoViewIfNeeded();
      await screenshot(ownerPage, `account-${w.name}-2-refused`);
      expect(await userRow(w.owner.id)).toMatchObject({ status: 'active', email: w.owner.email });

      // A member deletes their own account: a wrong confirmation first, then the right one.
      const memberPage = await open(w, w.member.email);
      await toSettings(memberPage);
      const confirm = memberPage.getByLabel(
        `Type your e-mail address (${w.member.email}) to confirm`,
      );
      await confirm.fill('someone@else.test');
      await memberPage.getByRole('button', { name: 'Delete my account' }).click();
      await memberPage
        .getByText(
          `To delete your account, type your e-mail address (${w.member.email}) exactly as shown.`,
        )
        .waitFor();
      await screenshot(memberPage, `account-${w.name}-3-wrong-confirmation`);
      expect((await userRow(w.member.id)).status).toBe('active');
      await confirm.fill(w.member.email);
      await memberPage.getByRole('button', { name: 'Delete my account' }).click();
      await memberPage.waitForURL((url) => url.pathname === '/login');
      // Signed out, on the sign-in page, and no longer offered as someone to sign in as.
      await memberPage.getByTestId('dev-user-admin@hops.test').waitFor();
      expect(await memberPage.getByTestId(`dev-user-${w.member.email}`).count()).toBe(0);
      await screenshot(memberPage, `account-${w.name}-4-signed-out`);
      const deleted = await userRow(w.member.id);
      expect(deleted).toMatchObject({ status: 'deleted', name: null, accountOwnerId: null });
      expect(deleted.email).toMatch(/^deleted-[0-9a-f]{24}@deleted\.invalid$/);

      // An admin deletes a lone owner from the admin user page, with a reason.
      const adminPage = await open(w, 'admin@hops.test');
      await adminPage.goto(`/admin/users/${encodeURIComponent(w.lone.id)}`);
      await adminPage.getByRole('button', { name: 'Delete account' }).click();
      const dialog = adminPage.getByRole('dialog');
      await dialog.getByLabel('Reason').fill('asked by mail');
      await screenshot(adminPage, `account-${w.name}-5-admin-confirm`);
      await dialog.getByRole('button', { name: 'Delete account' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await adminPage
        .getByRole('button', { name: 'Delete account' })
        .waitFor({ state: 'detached' });
      await screenshot(adminPage, `account-${w.name}-6-admin-deleted`);
      // The deleted address is one long word: it wraps rather than widening the page.
      const adminOverflow = await horizontalOverflow(adminPage);
      expect(adminOverflow.scrollWidth).toBeLessThanOrEqual(adminOverflow.innerWidth);
      expect((await userRow(w.lone.id)).status).toBe('deleted');
      const audit = await stack.database.db
        .selectFrom('auditLog')
        .select('details')
        .where('action', '=', 'admin.users.delete')
        .where('targetId', '=', w.lone.id)
        .execute();
      expect(audit.map((a) => (a.details as { reason: string }).reason)).toEqual(['asked by mail']);
    });
  }
});
