// The end-to-end stack: a seeded test database, the real API/web server serving the built
// dashboard, and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SecretBox, seedDemoData } from '@hops/api';
import { utcDay } from '@hops/api/days';
import { freePort } from '@hops/db';
import { createTestDatabase, type TestDatabase } from '@hops/db/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { WebEnv } from '../server/env.ts';
import { startServer, type TestServer } from '../server/test/helpers.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = `${WEB_ROOT}e2e/screenshots`;

export interface Stack {
  url: string;
  database: TestDatabase;
  server: TestServer;
  browser: Browser;
  today: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** More of the server's environment, e.g. `stripe` pointed at the fake Stripe. */
  env?: Partial<WebEnv>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const encryptionKey = randomBytes(32).toString('base64');
  const today = utcDay(new Date());
  await seedDemoData(database.db, { secrets: new SecretBox(encryptionKey), today });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startServer({
    db: database.db,
    port,
    env: { publicUrl: url, authMode: 'dev', encryptionKey, logLevel: 'warn', ...options.env },
    dashboard: { kind: 'dist', dir: `${WEB_ROOT}dist` },
  });
  // Playwright starts Chromium with a fresh temporary profile (user-data-dir) of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    url,
    database,
    server,
    browser,
    today,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close();
      await database.drop();
    },
  };
}

/** A fresh browser profile-like context (own cookies), optionally phone-sized. */
export async function newContext(
  stack: Stack,
  options: { width?: number; height?: number } = {},
): Promise<BrowserContext> {
  const context = await stack.browser.newContext({
    baseURL: stack.url,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    acceptDownloads: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
  context.setDefaultTimeout(15_000);
  // A script error in the page fails nothing by itself; print it so a failing step explains itself.
  context.on('weberror', (error) => console.error(`[page error] ${error.error().message}`));
  context.on('console', (message) => {
    if (message.type() === 'error') console.error(`[page console] ${message.text()}`);
  });
  return context;
}

/** Signs in through the dev picker, as a person would. */
export async function signInAs(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await page.getByTestId(`dev-user-${email}`).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('user-menu').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  // From the top, so the fixed header sits where a person sees it in a full-page picture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** The cells of a table as a person reads them (header row first). */
export async function tableCells(page: Page, label: string): Promise<string[][]> {
  return page
    .getByRole('table', { name: label })
    .evaluate((table) =>
      [...table.querySelectorAll('tr')].map((tr) =>
        [...tr.querySelectorAll('th, td')].map((cell) =>
          (cell.textContent ?? '').replace(/ [▲▼]$/, ''),
        ),
      ),
    );
}

/** No page-wide horizontal scroll: wide content must scroll inside its own box. */
export async function horizontalOverflow(
  page: Page,
): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
}
