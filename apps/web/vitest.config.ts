// Vitest projects of @hops/web: 'server' (the API/web server against a real PostgreSQL); the
// dashboard's component tests add a 'web' project beside it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          environment: 'node',
          include: ['server/**/*.test.ts'],
          // The test databases with the job queue's schema, as the services need it.
          globalSetup: ['@hops/api/testing/global-setup'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The dashboard's component tests (owned with apps/web/src).
        test: {
          name: 'web',
          environment: 'jsdom',
          include: ['src/**/*.test.{ts,tsx}'],
          setupFiles: ['./src/test/setup.ts'],
        },
      },
      {
        // The dashboard end to end: real Chromium against the real server and database.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.e2e.test.ts'],
          globalSetup: ['@hops/api/testing/global-setup', './e2e/build-dashboard.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
