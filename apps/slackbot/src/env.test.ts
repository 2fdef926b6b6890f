// Configuration: refused when unsafe, defaults for development that match the API server's.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvError } from '@hops/config';
import { describe, expect, test } from 'vitest';
import { loadAskEnv, loadEnv } from './env.ts';

const production = {
  NODE_ENV: 'production',
  SLACK_SIGNING_SECRET: 'signing-secret',
  SLACK_BOT_TOKEN: 'xoxb-1',
  HOPS_API_URL: 'https://hops.example.com',
  HOPS_SERVICE_TOKEN: 'service-token-0123456789',
  SLACK_ALERTS_CHANNEL: 'C0ALERTS',
  SLACK_TEAM_ID: 'T0HOPS',
};

const tempDir = () => mkdtempSync(join(tmpdir(), 'hops-slackbot-env-'));

describe('loadEnv', () => {
  test('an empty signing secret is refused, whatever the mode', () => {
    for (const value of ['', '   ']) {
      for (const NODE_ENV of ['production', 'development']) {
        expect(() =>
          loadEnv({ ...production, NODE_ENV, SLACK_SIGNING_SECRET: value }, { dataDir: tempDir() }),
        ).toThrow(/SLACK_SIGNING_SECRET is empty/);
      }
    }
  });

  test('production needs every secret and names what is missing', () => {
    const { SLACK_BOT_TOKEN: _t, HOPS_SERVICE_TOKEN: _s, ...rest } = production;
    let error: unknown;
    try {
      loadEnv(rest);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as Error).message).toBe(
      'Configuration error: SLACK_BOT_TOKEN is missing; HOPS_SERVICE_TOKEN is missing (required when NODE_ENV=production).',
    );
  });

  test('production needs the workspace the bot answers (SLACK_TEAM_ID), as a team id', () => {
    const { SLACK_TEAM_ID: _team, ...rest } = production;
    expect(() => loadEnv(rest)).toThrow(
      'Configuration error: SLACK_TEAM_ID is missing (required when NODE_ENV=production).',
    );
    expect(() => loadEnv({ ...production, SLACK_TEAM_ID: 'hops workspace' })).toThrow(
      /SLACK_TEAM_ID is invalid/,
    );
    expect(loadEnv(production).SLACK_TEAM_ID).toBe('T0HOPS');
  });

  test('production values and defaults', () => {
    const env = loadEnv(production);
    expect(env).toMatchObject({
      SLACK_ALERTS_POLL_MS: 5000,
      SLACKBOT_PORT: 3001,
      SLACK_API_URL: 'https://slack.com/api/',
      SLACK_DIGEST_AS: null,
      devDefaults: [],
    });
    expect(() => loadEnv({ ...production, SLACKBOT_PORT: 'eighty' })).toThrow(
      /SLACKBOT_PORT is invalid/,
    );
    expect(() => loadEnv({ ...production, HOPS_API_URL: 'ftp://x' })).toThrow(
      /HOPS_API_URL is invalid/,
    );
  });

  test("development fills Slack secrets once, with one warning, and uses the API server's dev token", () => {
    const dataDir = tempDir();
    writeFileSync(
      join(dataDir, 'dev-secrets.json'),
      JSON.stringify({
        SESSION_SECRET: 's',
        ENCRYPTION_KEY: 'k',
        SERVICE_TOKENS: 'dev-token-a,dev-token-b',
      }),
    );
    const warnings: string[] = [];
    const env = loadEnv({}, { dataDir, warn: (w) => warnings.push(w) });
    expect(env.HOPS_SERVICE_TOKEN).toBe('dev-token-a');
    expect(env.HOPS_API_URL).toBe('http://127.0.0.1:3000');
    expect(env.SLACK_SIGNING_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.SLACK_ALERTS_CHANNEL).toBeNull();
    expect(env.SLACK_TEAM_ID).toBeNull();
    expect(env.SLACK_DIGEST_AS).toBe('admin@hops.test');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, HOPS_API_URL, HOPS_SERVICE_TOKEN',
    );
    // A restart keeps the same development secrets.
    expect(loadEnv({}, { dataDir }).SLACK_SIGNING_SECRET).toBe(env.SLACK_SIGNING_SECRET);
    const stored = JSON.parse(readFileSync(join(dataDir, 'slackbot-dev-secrets.json'), 'utf8'));
    expect(stored.SLACK_SIGNING_SECRET).toBe(env.SLACK_SIGNING_SECRET);
  });

  test('without dev secrets yet, the shared file is created the way the API server creates it', () => {
    const dataDir = tempDir();
    const env = loadEnv({ SLACK_SIGNING_SECRET: 'x', SLACK_BOT_TOKEN: 'y' }, { dataDir });
    const shared = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8'));
    expect(shared.SERVICE_TOKENS).toBe(env.HOPS_SERVICE_TOKEN);
    expect(env.devDefaults).toEqual(['HOPS_API_URL', 'HOPS_SERVICE_TOKEN']);
  });
});

describe('loadAskEnv', () => {
  test('needs only the API; HOPS_ASK_AS defaults to the demo admin', () => {
    const env = loadAskEnv({ HOPS_API_URL: 'http://h:1', HOPS_SERVICE_TOKEN: 't' });
    expect(env).toEqual({
      HOPS_API_URL: 'http://h:1',
      HOPS_SERVICE_TOKEN: 't',
      HOPS_ASK_AS: 'admin@hops.test',
    });
    expect(() => loadAskEnv({ NODE_ENV: 'production' })).toThrow(
      /HOPS_API_URL and HOPS_SERVICE_TOKEN/,
    );
  });
});
