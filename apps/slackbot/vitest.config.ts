// Vitest for @hops/slackbot: unit tests, and end-to-end tests against a real database, the real
// API server (apps/web) and a fake Slack Web API, through the bot's real HTTP receiver.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['@hops/db/testing/global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
