import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_MAIL_DIR, EnvError, loadWebEnv } from './env.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const SECRET = 's'.repeat(32);

const production = {
  NODE_ENV: 'production',
  SESSION_SECRET: SECRET,
  ENCRYPTION_KEY: KEY,
  SERVICE_TOKENS: 'slackbot:events+act-as:token-for-the-slack-bot-0001',
  OIDC_ISSUER: 'https://acme.eu.auth0.com/',
  OIDC_CLIENT_ID: 'client',
  OIDC_CLIENT_SECRET: 'client-secret',
  DATABASE_URL: 'postgres://hops:pw@db.internal:5432/hops',
  SMTP_URL: 'smtps://hops:pw@smtp.example.com:465',
};

const folder = mkdtempSync(join(tmpdir(), 'hops-env-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;

function devSecretsFile(): string {
  files += 1;
  return join(folder, `dev-secrets-${files}.json`);
}

function refusal(source: Record<string, string | undefined>): string {
  try {
    loadWebEnv(source, { devSecretsFile: devSecretsFile() });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadWebEnv', () => {
  it('accepts a complete production configuration', () => {
    const { env, warnings } = loadWebEnv({
      ...production,
      PORT: '8080',
      PUBLIC_URL: 'https://hops.example.com/',
    });
    expect(warnings).toEqual([]);
    expect(env).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'https://hops.example.com',
      authMode: 'oidc',
      oidc: {
        issuer: 'https://acme.eu.auth0.com/',
        clientId: 'client',
        clientSecret: 'client-secret',
      },
      serviceTokens: [
        { name: 'slackbot', scopes: ['events', 'act-as'], token: 'token-for-the-slack-bot-0001' },
      ],
      seedDemoData: false,
      logLevel: 'info',
    });
  });

  it('runs one job at a time by default; JOB_WORKERS=0 runs none, a fraction is refused', () => {
    expect(loadWebEnv(production).env.jobWorkers).toBe(1);
    expect(loadWebEnv({ ...production, JOB_WORKERS: '0' }).env.jobWorkers).toBe(0);
    expect(refusal({ ...production, JOB_WORKERS: '1.5' })).toMatch(
      /JOB_WORKERS is invalid: use a whole number of jobs/,
    );
  });

  it('stops a production start without SESSION_SECRET, naming it', () => {
    expect(refusal({ ...production, SESSION_SECRET: undefined })).toBe(
      'Configuration error: SESSION_SECRET is missing (required when NODE_ENV=production).',
    );
  });

  it('refuses a short SESSION_SECRET anywhere', () => {
    expect(refusal({ ...production, SESSION_SECRET: 'too-short' })).toBe(
      'Configuration error: SESSION_SECRET is invalid: use at least 32 characters.',
    );
    expect(refusal({ NODE_ENV: 'development', SESSION_SECRET: 'too-short' })).toMatch(
      /SESSION_SECRET is invalid/,
    );
  });

  it('names every missing production secret at once', () => {
    const message = refusal({ NODE_ENV: 'production', AUTH_MODE: 'oidc' });
    for (const name of [
      'OIDC_ISSUER',
      'OIDC_CLIENT_ID',
      'OIDC_CLIENT_SECRET',
      'SESSION_SECRET',
      'ENCRYPTION_KEY',
      'SERVICE_TOKENS',
    ]) {
      expect(message).toContain(`${name} is missing`);
    }
  });

  it('refuses AUTH_MODE=dev in production, and a plain-http issuer there', () => {
    expect(refusal({ ...production, AUTH_MODE: 'dev' })).toBe(
      'Configuration error: AUTH_MODE=dev is not allowed when NODE_ENV=production (use AUTH_MODE=oidc).',
    );
    expect(refusal({ ...production, OIDC_ISSUER: 'http://idp.example.com' })).toMatch(
      /OIDC_ISSUER must be an https URL when NODE_ENV=production/,
    );
  });

  it('needs the OIDC settings when AUTH_MODE=oidc outside production too', () => {
    expect(refusal({ AUTH_MODE: 'oidc', OIDC_ISSUER: 'http://127.0.0.1:4000' })).toBe(
      'Configuration error: OIDC_CLIENT_ID is missing (required when AUTH_MODE=oidc); OIDC_CLIENT_SECRET is missing (required when AUTH_MODE=oidc).',
    );
  });

  it('names malformed variables', () => {
    expect(refusal({ ...production, ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toMatch(
      /ENCRYPTION_KEY is invalid: use 32 random bytes in base64/,
    );
    expect(refusal({ ...production, PORT: 'eighty' })).toMatch(
      /PORT is invalid: use a port number/,
    );
    expect(refusal({ ...production, AUTH_MODE: 'magic' })).toMatch(
      /AUTH_MODE is invalid: use 'oidc' or 'dev'/,
    );
    expect(refusal({ ...production, DATABASE_URL: 'mysql://x@y/z' })).toMatch(
      /DATABASE_URL is invalid/,
    );
    expect(refusal({ ...production, BOOTSTRAP_ADMIN_EMAILS: 'ada@x.test, nope' })).toMatch(
      /BOOTSTRAP_ADMIN_EMAILS/,
    );
    expect(refusal({ ...production, SEED_DEMO_DATA: 'maybe' })).toMatch(
      /SEED_DEMO_DATA is invalid/,
    );
  });

  it('fills missing secrets outside production from the dev secrets file, with one warning naming them', () => {
    const file = devSecretsFile();
    const { env, warnings } = loadWebEnv({ SESSION_SECRET: SECRET }, { devSecretsFile: file });
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(env).toMatchObject({
      nodeEnv: 'development',
      authMode: 'dev',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      sessionSecret: SECRET,
      encryptionKey: stored.ENCRYPTION_KEY,
      serviceTokens: [
        {
          name: 'dev',
          scopes: ['ingest', 'events', 'act-as', 'billing'],
          token: stored.SERVICE_TOKENS,
        },
      ],
      databaseUrl: undefined,
      seedDemoData: true,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ENCRYPTION_KEY, SERVICE_TOKENS are not set');
    expect(warnings[0]).not.toContain('SESSION_SECRET');
    // The same values on the next start, so sessions and stored secrets survive a restart.
    expect(loadWebEnv({}, { devSecretsFile: file }).env.encryptionKey).toBe(env.encryptionKey);
  });

  it('seeds demo data by default only into the embedded database', () => {
    const file = devSecretsFile();
    expect(loadWebEnv({}, { devSecretsFile: file }).env.seedDemoData).toBe(true);
    expect(
      loadWebEnv({ DATABASE_URL: 'postgres://x@h/db' }, { devSecretsFile: file }).env.seedDemoData,
    ).toBe(false);
    expect(
      loadWebEnv(
        { DATABASE_URL: 'postgres://x@h/db', SEED_DEMO_DATA: 'true' },
        { devSecretsFile: file },
      ).env.seedDemoData,
    ).toBe(true);
    expect(loadWebEnv({ SEED_DEMO_DATA: '0' }, { devSecretsFile: file }).env.seedDemoData).toBe(
      false,
    );
  });

  it('reads comma lists, lower-casing admin e-mails', () => {
    const { env } = loadWebEnv({
      ...production,
      BOOTSTRAP_ADMIN_EMAILS: 'Ada@Example.test, bob@example.test,',
      SERVICE_TOKENS:
        'slackbot:act-as+events:token-for-the-slack-bot-0001, collector:ingest:token:for:collector-02,',
    });
    expect(env.bootstrapAdminEmails).toEqual(['ada@example.test', 'bob@example.test']);
    // Scopes in their documented order; a token may hold colons.
    expect(env.serviceTokens).toEqual([
      { name: 'slackbot', scopes: ['events', 'act-as'], token: 'token-for-the-slack-bot-0001' },
      { name: 'collector', scopes: ['ingest'], token: 'token:for:collector-02' },
    ]);
  });
});

describe('loadWebEnv: SERVICE_TOKENS (SPEC §12)', () => {
  it('takes a bare token as legacy with every scope, with one warning at start', () => {
    const { env, warnings } = loadWebEnv({
      ...production,
      SERVICE_TOKENS: 'token-for-the-slack-bot-0001, billing:billing:token-for-stripe-jobs-03',
    });
    expect(env.serviceTokens).toEqual([
      {
        name: 'legacy',
        scopes: ['ingest', 'events', 'act-as', 'billing'],
        token: 'token-for-the-slack-bot-0001',
      },
      { name: 'billing', scopes: ['billing'], token: 'token-for-stripe-jobs-03' },
    ]);
    expect(warnings).toEqual([
      'SERVICE_TOKENS has a bare token: it acts as "legacy" with every scope. Name and scope each token as name:scopes:token (scopes ingest+events+act-as+billing).',
    ]);
    // Two bare tokens stay two callers.
    const two = loadWebEnv({
      ...production,
      SERVICE_TOKENS: 'token-for-the-slack-bot-0001,token-for-the-collector-02',
    });
    expect(two.env.serviceTokens.map((t) => t.name)).toEqual(['legacy', 'legacy-2']);
    expect(two.warnings).toHaveLength(1);
  });

  it('refuses malformed entries with a sentence that never shows a token', () => {
    const cases: [string, string][] = [
      [
        'bot:events+admin:token-for-the-slack-bot-0001',
        'Configuration error: SERVICE_TOKENS entry 1 (bot) is invalid: unknown scope "admin"; use ingest, events, act-as, billing joined by +.',
      ],
      [
        ':events:token-for-the-slack-bot-0001',
        'Configuration error: SERVICE_TOKENS entry 1 is invalid: the name is empty; it must be 1–40 lower-case letters, digits, - or _.',
      ],
      [
        'bot::token-for-the-slack-bot-0001',
        'Configuration error: SERVICE_TOKENS entry 1 (bot) is invalid: it names no scope; use ingest, events, act-as, billing joined by +.',
      ],
      [
        'bot:events',
        'Configuration error: SERVICE_TOKENS entry 1 is invalid: use name:scopes:token (like slackbot:events+act-as:<token>).',
      ],
      [
        'bot:events:short',
        'Configuration error: SERVICE_TOKENS token "bot" is invalid: each token needs at least 16 characters.',
      ],
      [
        'bot:events:token-for-the-slack-bot-0001,bot:ingest:token-for-the-collector-02',
        'Configuration error: SERVICE_TOKENS names "bot" twice: give each token its own name.',
      ],
      [
        'bot:events:token-for-the-slack-bot-0001,collector:ingest:token-for-the-slack-bot-0001',
        'Configuration error: SERVICE_TOKENS tokens "bot" and "collector" are the same: give each its own token.',
      ],
      [
        'Bot:events:token-for-the-slack-bot-0001',
        'Configuration error: SERVICE_TOKENS entry 1 is invalid: the name "Bot" must be 1–40 lower-case letters, digits, - or _.',
      ],
    ];
    for (const [tokens, message] of cases) {
      expect(refusal({ ...production, SERVICE_TOKENS: tokens })).toBe(message);
    }
    expect(refusal({ ...production, SERVICE_TOKENS: 'too-short' })).toMatch(
      /SERVICE_TOKENS token "legacy" is invalid: each token needs at least 16 characters/,
    );
  });
});

describe('loadWebEnv: Stripe (SPEC §8)', () => {
  const stripe = {
    STRIPE_SECRET_KEY: 'sk_live_abc123',
    STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
    STRIPE_PRICE_ID: 'price_abc123',
  };

  it('is off when STRIPE_SECRET_KEY is unset, with no word about it', () => {
    const { env, warnings } = loadWebEnv(production);
    expect(env.stripe).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('reads a complete configuration, with the defaults of the meter and the interval', () => {
    const { env, warnings } = loadWebEnv({ ...production, ...stripe });
    expect(warnings).toEqual([]);
    expect(env.stripe).toEqual({
      secretKey: 'sk_live_abc123',
      apiUrl: undefined,
      webhookSecret: 'whsec_abc123',
      priceId: 'price_abc123',
      meterEventName: 'hops_usage',
      reportIntervalMs: 3_600_000,
      meterEventsPerSecond: 25,
    });
    const custom = loadWebEnv({
      ...production,
      ...stripe,
      STRIPE_METER_EVENT_NAME: 'acme_usage',
      STRIPE_API_URL: 'https://stripe-proxy.internal:8443',
      STRIPE_REPORT_INTERVAL_MS: '600000',
      STRIPE_METER_EVENTS_PER_SECOND: '100',
    }).env.stripe;
    expect(custom).toMatchObject({
      meterEventName: 'acme_usage',
      apiUrl: 'https://stripe-proxy.internal:8443',
      reportIntervalMs: 600_000,
      meterEventsPerSecond: 100,
    });
    expect(refusal({ ...production, ...stripe, STRIPE_METER_EVENTS_PER_SECOND: '2.5' })).toMatch(
      /STRIPE_METER_EVENTS_PER_SECOND is invalid: use a whole number of requests per second/,
    );
  });

  it('needs the webhook secret and the price in production once the key is set', () => {
    expect(refusal({ ...production, STRIPE_SECRET_KEY: 'sk_live_abc123' })).toBe(
      'Configuration error: STRIPE_WEBHOOK_SECRET is missing (required when STRIPE_SECRET_KEY is set); ' +
        'STRIPE_PRICE_ID is missing (required when STRIPE_SECRET_KEY is set).',
    );
    expect(refusal({ ...production, ...stripe, STRIPE_API_URL: 'http://stripe.test' })).toMatch(
      /STRIPE_API_URL must be an https URL when NODE_ENV=production/,
    );
  });

  it('outside production, warns about what a key alone cannot do', () => {
    const file = devSecretsFile();
    const { env, warnings } = loadWebEnv(
      { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_API_URL: 'http://127.0.0.1:54321' },
      { devSecretsFile: file },
    );
    expect(env.stripe).toMatchObject({
      secretKey: 'sk_test_abc',
      apiUrl: 'http://127.0.0.1:54321',
    });
    expect(warnings).toContain(
      'STRIPE_WEBHOOK_SECRET is not set: Stripe webhooks will be refused.',
    );
    expect(warnings).toContain(
      'STRIPE_PRICE_ID is not set: Stripe subscriptions cannot be created.',
    );
  });

  it('warns that Stripe settings without the key are ignored', () => {
    const { env, warnings } = loadWebEnv({ ...production, STRIPE_WEBHOOK_SECRET: 'whsec_abc123' });
    expect(env.stripe).toBeNull();
    expect(warnings).toEqual([
      'STRIPE_WEBHOOK_SECRET ignored: Stripe is off because STRIPE_SECRET_KEY is not set.',
    ]);
  });

  it('names malformed Stripe variables', () => {
    expect(refusal({ ...production, ...stripe, STRIPE_SECRET_KEY: 'pk_live_abc' })).toMatch(
      /STRIPE_SECRET_KEY is invalid: use a secret or restricted key, starting sk_ or rk_/,
    );
    expect(refusal({ ...production, ...stripe, STRIPE_WEBHOOK_SECRET: 'secret' })).toMatch(
      /STRIPE_WEBHOOK_SECRET is invalid/,
    );
    expect(refusal({ ...production, ...stripe, STRIPE_PRICE_ID: 'prod_1' })).toMatch(
      /STRIPE_PRICE_ID is invalid/,
    );
    expect(refusal({ ...production, ...stripe, STRIPE_API_URL: 'ftp://x' })).toMatch(
      /STRIPE_API_URL is invalid: use a URL like https:\/\/api.stripe.com/,
    );
    expect(refusal({ ...production, ...stripe, STRIPE_REPORT_INTERVAL_MS: 'hourly' })).toMatch(
      /STRIPE_REPORT_INTERVAL_MS is invalid: use a number of milliseconds/,
    );
    expect(refusal({ ...production, ...stripe, STRIPE_METER_EVENT_NAME: 'x'.repeat(101) })).toMatch(
      /STRIPE_METER_EVENT_NAME is invalid/,
    );
  });

  describe('mail', () => {
    it('sends through SMTP_URL, from MAIL_FROM', () => {
      const { env } = loadWebEnv({
        ...production,
        SMTP_URL: 'smtps://hops:pw@smtp.example.com:465',
        MAIL_FROM: 'hops <billing@example.com>',
      });
      expect(env.mail).toEqual({
        smtpUrl: 'smtps://hops:pw@smtp.example.com:465',
        from: 'hops <billing@example.com>',
      });
      expect(loadWebEnv(production).env.mail).toMatchObject({ from: 'hops <no-reply@localhost>' });
    });

    it('writes .eml files under .data/mail (or MAIL_DIR) without SMTP outside production', () => {
      const dev = loadWebEnv({ NODE_ENV: 'development' }, { devSecretsFile: devSecretsFile() }).env
        .mail;
      expect(dev).toEqual({ from: 'hops <no-reply@localhost>', dropDir: DEV_MAIL_DIR });
      const elsewhere = loadWebEnv(
        { NODE_ENV: 'test', MAIL_DIR: '/tmp/m' },
        { devSecretsFile: devSecretsFile() },
      );
      expect(elsewhere.env.mail).toMatchObject({ dropDir: '/tmp/m' });
    });

    it('sends nothing in production without SMTP_URL, and says so at start', () => {
      const { env, warnings } = loadWebEnv({ ...production, SMTP_URL: undefined });
      expect(env.mail).toBeNull();
      expect(warnings).toContain(
        'SMTP_URL is not set: no e-mail is sent; owners pass invites on by their copyable link.',
      );
    });

    it('refuses a URL that is not SMTP, with the variable named', () => {
      expect(refusal({ ...production, SMTP_URL: 'https://smtp.example.com' })).toMatch(
        /SMTP_URL is invalid: use a URL like smtps:\/\/user:pass@smtp.example.com:465/,
      );
    });
  });
});
