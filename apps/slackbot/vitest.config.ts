// Vitest for @hops/slackbot: the bot's own unit tests. Its end-to-end tests (real database, real
// API server, fake Slack Web API) need the web app too, so they live in @hops/app-tests.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
