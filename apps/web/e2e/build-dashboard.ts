// Vitest globalSetup of the e2e project: builds the dashboard once, so the server under test
// serves the current source (E2E_SKIP_BUILD=1 reuses an existing dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export default async function buildDashboard(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(`${root}/dist/index.html`)) return;
  await build({ root, configFile: `${root}/vite.config.ts`, logLevel: 'warn' });
}
