// The reliability suite (`pnpm test:reliability`: `pnpm --filter @hops/app-tests test:reliability`):
// database outage, fuzzing, load, the Slack wire and shutdown under load, against a real
// PostgreSQL. Files run one after another: each one loads the machine on purpose and must not
// disturb the others. The global set-up is '@hops/db/testing/global-setup', through a wrapper that
// keeps the run's exit code.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'reliability',
    root: fileURLToPath(new URL('..', import.meta.url)),
    environment: 'node',
    include: ['reliability/**/*.test.ts'],
    globalSetup: ['./reliability/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
