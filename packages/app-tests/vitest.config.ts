// Vitest for @hops/app-tests: the Slack bot end to end, against a real database, the real API
// server (@hops/web) and a fake Slack Web API, through the bot's real HTTP receiver. The
// reliability suite has a config of its own (reliability/vitest.config.ts, `pnpm test:reliability`).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['slackbot/**/*.test.ts'],
    globalSetup: ['@hops/api/testing/global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
