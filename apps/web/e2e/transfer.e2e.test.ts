// Transferring ownership (SPEC §11) in Chromium at 1280 px and at 390 px: the owner picks a
// member on the Team page, reads what moves, is refused for a suspended member with the API's
// sentence, hands the account over, and then sees the page as a member; the new owner sees it as
// the owner. Each step leaves a screenshot in e2e/screenshots/ (transfer-*).
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

/** Each width hands a different demo account over, so the two runs do not meet. */
const WIDTHS = [
  {
    name: 'desktop',
    width: 1280,
    height: 900,
    owner: { id: 'dev|alice', email: 'alice@acme.test', name: 'Alice Owner' },
    heir: { id: 'dev|bob', email: 'bob@acme.test', name: 'Bob Builder' },
    suspended: { id: 'dev|dan', email: 'dan@acme.test', name: 'Dan Diaz' },
  },
  {
    name: 'phone',
    width: 390,
    height: 844,
    owner: { id: 'dev|judy', email: 'judy@hooli.test', name: 'Judy Owner' },
    heir: { id: 'dev|ken', email: 'ken@hooli.test', name: 'Ken Kato' },
    suspended: { id: 'dev|mike', email: 'mike@hooli.test', name: 'Mike Moss' },
  },
] as const;

describe.skipIf(chromiumMissing)('transferring ownership in Chromium', () => {
  let stack: Stack;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    // A transfer of an account with a Stripe customer enqueues a job, as the server's start
    // (main.ts) would allow: the test database gets the job queue's schema too.
    await migrateJobQueue({
      connectionString: stack.database.url,
      log: { info: () => undefined, warn: () => undefined, error: console.error },
    });
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-transfer-${index}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  });

  async function ownerOf(userId: string): Promise<string | null> {
    const row = await stack.database.db
      .selectFrom('users')
      .select('accountOwnerId')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    return row.accountOwnerId;
  }

  async function pick(page: Page, label: string) {
    await page.getByRole('combobox', { name: 'New owner' }).click();
    await page.getByRole('option', { name: label }).click();
  }

  for (const w of WIDTHS) {
    it(`hands the account over at ${w.width} px (${w.name})`, async () => {
      await stack.database.db
        .updateTable('users')
        .set({ status: 'suspended' })
        .where('id', '=', w.suspended.id)
        .execute();
      const context = await newContext(stack, { width: w.width, height: w.height });
      contexts.push(context);
      const page = await context.newPage();
      await signInAs(page, w.owner.email);
      await page.goto('/team');
      const section = page.getByRole('heading', { name: 'Transfer ownership' });
      await section.waitFor();
      await section.scrollIntoViewIfNeeded();
      await screenshot(page, `transfer-${w.name}-1-team`);
      const overflow = await horizontalOverflow(page);
      expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);

      // A suspended member is refused with the API's sentence, and nothing moves.
      await pick(page, `${w.suspended.name} (${w.suspended.email})`);
      await page.getByRole('button', { name: 'Transfer ownership' }).click();
      let dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Transfer ownership' }).click();
      await dialog
        .getByText(
          `${w.suspended.email} is suspended, so the account cannot be handed to them. Ask an admin to reactivate them first.`,
        )
        .waitFor();
      await screenshot(page, `transfer-${w.name}-2-refused`);
      expect(await ownerOf(w.owner.id)).toBeNull();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });

      // The confirmation says what moves, and that the owner becomes a member.
      await pick(page, `${w.heir.name} (${w.heir.email})`);
      await page.getByRole('button', { name: 'Transfer ownership' }).click();
      dialog = page.getByRole('dialog', { name: `Make ${w.heir.name} the owner?` });
      await dialog.waitFor();
      const text = await dialog.innerText();
      expect(text).toContain(
        `${w.heir.name} (${w.heir.email}) becomes the owner of this account, and you become a member of it.`,
      );
      for (const moves of ['its members:', 'its open invites:', 'its cluster:', 'its billing:']) {
        expect(text).toContain(moves);
      }
      expect(text).toContain('everyone stays on us-east-1-prod');
      expect(text).toContain('usage so far stays billed to you');
      await screenshot(page, `transfer-${w.name}-3-confirm`);

      await dialog.getByRole('button', { name: 'Transfer ownership' }).click();
      await page.getByText(`You are on ${w.heir.name}'s team.`).waitFor();
      await page.getByRole('button', { name: 'Leave team' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Transfer ownership' }).count()).toBe(0);
      await screenshot(page, `transfer-${w.name}-4-now-a-member`);
      expect(await ownerOf(w.owner.id)).toBe(w.heir.id);
      expect(await ownerOf(w.heir.id)).toBeNull();
      expect(await ownerOf(w.suspended.id)).toBe(w.heir.id);

      // The new owner sees the account as its owner, the former owner among the members.
      const heirContext = await newContext(stack, { width: w.width, height: w.height });
      contexts.push(heirContext);
      const heirPage = await heirContext.newPage();
      await signInAs(heirPage, w.heir.email);
      await heirPage.goto('/team');
      await heirPage.getByText('The people whose usage is billed to your account.').waitFor();
      await heirPage.getByRole('heading', { name: 'Transfer ownership' }).waitFor();
      await heirPage.getByText(w.owner.email).first().waitFor();
      await screenshot(heirPage, `transfer-${w.name}-5-new-owner`);
    });
  }
});
