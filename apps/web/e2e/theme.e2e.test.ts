// How the dashboard looks to a person, in Chromium: light or dark as their system says until they
// pick one with the header's toggle (remembered across visits), at 1280 and 390 px; and times on
// their own clock (here Stockholm's), with UTC on hover. Screenshots in e2e/screenshots/.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatDateTime, formatUtcDateTime, utcDayTitle } from '../src/lib/dates.ts';
import { chromiumMissing, screenshot, signInAs, startStack, type Stack } from './harness.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const STOCKHOLM = 'Europe/Stockholm';

/** The page's scheme as Mantine set it, and how light its background really is (0 black – 1 white). */
async function looks(page: Page): Promise<{ scheme: string | null; lightness: number }> {
  return page.evaluate(() => {
    const [r, g, b] = getComputedStyle(document.body)
      .backgroundColor.match(/\d+(\.\d+)?/g)!
      .map(Number) as [number, number, number];
    return {
      scheme: document.documentElement.getAttribute('data-mantine-color-scheme'),
      lightness: (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255,
    };
  });
}

describe.skipIf(chromiumMissing)('light, dark and the person’s clock in Chromium', () => {
  let stack: Stack;
  const contexts: BrowserContext[] = [];

  async function personWhoseSystemIs(
    colorScheme: 'light' | 'dark',
    viewport: typeof PHONE,
    email = 'alice@acme.test',
  ): Promise<Page> {
    const context = await stack.browser.newContext({
      baseURL: stack.url,
      viewport,
      colorScheme,
      timezoneId: STOCKHOLM,
    });
    context.setDefaultTimeout(30_000);
    context.on('weberror', (error) => console.error(`[page error] ${error.error().message}`));
    contexts.push(context);
    const page = await context.newPage();
    await signInAs(page, email);
    return page;
  }

  beforeAll(async () => {
    stack = await startStack();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-theme-${index}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  });

  it('follows a dark system, switches to light with the toggle, and remembers it', async () => {
    const page = await personWhoseSystemIs('dark', DESKTOP);
    await page.locator('.usage-bar').first().waitFor();
    expect(await looks(page)).toMatchObject({ scheme: 'dark' });
    expect((await looks(page)).lightness).toBeLessThan(0.2);
    await screenshot(page, 'theme-dark-desktop-overview');

    await page.getByRole('button', { name: 'Switch to light mode' }).click();
    await expect.poll(async () => (await looks(page)).scheme).toBe('light');
    expect((await looks(page)).lightness).toBeGreaterThan(0.9);
    await page.reload();
    await page.getByTestId('user-menu').waitFor();
    expect((await looks(page)).scheme).toBe('light');
    await page.getByRole('button', { name: 'Switch to dark mode' }).waitFor();

    // Back to following the system, from the account menu.
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Same as the system' }).click();
    await expect.poll(async () => (await looks(page)).scheme).toBe('dark');
    await page.reload();
    await page.getByTestId('user-menu').waitFor();
    expect((await looks(page)).scheme).toBe('dark');
  });

  it('starts light on a light system', async () => {
    const page = await personWhoseSystemIs('light', DESKTOP);
    expect(await looks(page)).toMatchObject({ scheme: 'light' });
    await page.getByRole('button', { name: 'Switch to dark mode' }).waitFor();
  });

  it('reads well in dark on a phone and on a desktop, every page', async () => {
    for (const [size, viewport] of [
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const) {
      const page = await personWhoseSystemIs('dark', viewport, 'admin@hops.test');
      for (const path of ['/usage', '/team', '/billing', '/admin/users', '/admin/audit']) {
        await page.goto(path);
        await page.getByRole('heading').first().waitFor();
        await page.waitForLoadState('networkidle');
        expect((await looks(page)).scheme, path).toBe('dark');
        await screenshot(page, `theme-dark-${size}-${path.slice(1).replace('/', '-')}`);
      }
    }
  });

  it('shows a sign-in on the person’s clock with UTC on hover, and usage days as UTC days', async () => {
    const page = await personWhoseSystemIs('light', DESKTOP);
    await page.goto('/team');
    const owner = page.getByRole('table', { name: 'Team members' }).getByRole('row').nth(1);
    const lastSignIn = owner.locator('td[data-label="Last sign-in"] time');
    const local = (await lastSignIn.textContent())!;
    const utc = (await lastSignIn.getAttribute('title'))!;
    const iso = (await lastSignIn.getAttribute('datetime'))!;
    // Stockholm is an hour or two ahead of UTC: the same moment, told on two clocks.
    expect(local).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} CES?T$/);
    expect(local).toBe(formatDateTime(iso, { timeZone: STOCKHOLM }));
    expect(utc).toBe(formatUtcDateTime(iso));
    expect(utc).toMatch(/UTC$/);
    await screenshot(page, 'dates-team-stockholm');

    await page.goto('/usage');
    const day = page
      .getByRole('table', { name: 'Daily usage' })
      .getByRole('row')
      .nth(1)
      .locator('time');
    expect(await day.textContent()).toMatch(/^\d{1,2} \w{3} \d{4}$/);
    const title = (await day.getAttribute('title'))!;
    expect(title).toBe(utcDayTitle((await day.getAttribute('datetime'))!, { timeZone: STOCKHOLM }));
    expect(title).toMatch(/is a UTC day: from .* CES?T to .* CES?T on your clock\.$/);
  });
});
