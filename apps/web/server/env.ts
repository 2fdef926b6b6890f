// The API/web server's configuration: every variable it reads, validated once at start (SPEC §4).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MailConfig, ServiceCaller, StripeConfig } from '@hops/api';
import { EnvError, loadDevSecrets, parseEnv } from '@hops/config';
import { z } from 'zod';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const DEV_SECRETS_FILE = resolve(repoRoot, '.data/dev-secrets.json');
export const DEV_MAIL_DIR = resolve(repoRoot, '.data/mail');

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'use true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce
    .number({ error: 'use a port number' })
    .int({ error: 'use a port number' })
    .min(0)
    .max(65535)
    .default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'use a URL like https://hops.example.com' })
    .optional(),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'use a URL like postgres://user:pass@host:5432/db' })
    .optional(),
  SESSION_SECRET: z.string().min(32, { error: 'use at least 32 characters' }).optional(),
  AUTH_MODE: z.enum(['oidc', 'dev'], { error: "use 'oidc' or 'dev'" }).optional(),
  OIDC_ISSUER: z
    .url({ protocol: /^https?$/, error: 'use the issuer URL, like https://acme.eu.auth0.com/' })
    .optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  BOOTSTRAP_ADMIN_EMAILS: commaList
    .pipe(z.array(z.email({ error: 'use a comma-separated list of e-mail addresses' })))
    .optional(),
  // Checked entry by entry in parseServiceTokens(): `name:scopes:token`, or a bare (legacy) token.
  SERVICE_TOKENS: commaList.optional(),
  ENCRYPTION_KEY: z
    .string()
    .refine(
      (value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32,
      {
        error: 'use 32 random bytes in base64, as `openssl rand -base64 32` prints',
      },
    )
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_DEMO_DATA: flag.optional(),
  TRUST_PROXY: flag.default(false),
  JOB_WORKERS: z.coerce
    .number({ error: 'use a whole number of jobs, like 1 (0 runs none on this server)' })
    .int({ error: 'use a whole number of jobs, like 1 (0 runs none on this server)' })
    .min(0)
    .max(64)
    .default(1),
  JOB_RUNNER_DEAD_AFTER_MS: z.coerce
    .number({ error: 'use a number of milliseconds' })
    .int({ error: 'use a number of milliseconds' })
    .min(1000, { error: 'use at least 1000 (one second)' })
    .default(120_000),
  HOPSWORKS_MAX_PROJECTS: z.coerce
    .number({ error: 'use a whole number of projects, like 5' })
    .int({ error: 'use a whole number of projects, like 5' })
    .min(0)
    .max(10_000)
    .default(5),
  COLLECT_INTERVAL_MS: z.coerce
    .number({ error: 'use a number of milliseconds' })
    .int({ error: 'use a number of milliseconds' })
    .min(60_000, { error: 'use at least 60000 (one minute)' })
    .default(3_600_000),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_/, { error: 'use a secret or restricted key, starting sk_ or rk_' })
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_/, { error: "use the endpoint's signing secret, starting whsec_" })
    .optional(),
  STRIPE_PRICE_ID: z
    .string()
    .regex(/^price_/, { error: 'use the id of the metered price, starting price_' })
    .optional(),
  STRIPE_METER_EVENT_NAME: z
    .string()
    .max(100, { error: 'use at most 100 characters' })
    .default('hops_usage'),
  STRIPE_API_URL: z
    .url({ protocol: /^https?$/, error: 'use a URL like https://api.stripe.com' })
    .optional(),
  STRIPE_REPORT_INTERVAL_MS: z.coerce
    .number({ error: 'use a number of milliseconds' })
    .int({ error: 'use a number of milliseconds' })
    .min(1000, { error: 'use at least 1000 (one second)' })
    .default(3_600_000),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'use a URL like smtps://user:pass@smtp.example.com:465' })
    .optional(),
  MAIL_FROM: z
    .string()
    .regex(/^[^\r\n]*@[^\r\n]*$/, { error: 'use an address like hops <no-reply@example.com>' })
    .default('hops <no-reply@localhost>'),
  MAIL_DIR: z.string().min(1).optional(),
  STRIPE_METER_EVENTS_PER_SECOND: z.coerce
    .number({ error: 'use a whole number of requests per second' })
    .int({ error: 'use a whole number of requests per second' })
    .min(1, { error: 'use at least 1' })
    .max(1000, { error: "use at most 1000 (Stripe's live limit for meter events)" })
    .default(25),
});

export interface WebEnv {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Without a trailing slash; invite links are `${publicUrl}/invite/<secret>`. */
  publicUrl: string;
  /** Unset: the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  sessionSecret: string;
  authMode: 'oidc' | 'dev';
  oidc: { issuer: string; clientId: string; clientSecret: string } | null;
  bootstrapAdminEmails: string[];
  /** SERVICE_TOKENS: each named and scoped (SPEC §12). */
  serviceTokens: ServiceTokenConfig[];
  encryptionKey: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  seedDemoData: boolean;
  /**
   * Jobs this server runs at once; 0 runs none (it still enqueues them, and the other servers
   * run them).
   */
  jobWorkers: number;
  /** A job runner silent this long is taken for dead and its jobs are freed (JOB_RUNNER_DEAD_AFTER_MS). */
  jobRunnerDeadAfterMs: number;
  /** Honour X-Forwarded-For (behind a load balancer) for the sign-in IP. */
  trustProxy: boolean;
  /** Null when STRIPE_SECRET_KEY is unset: Stripe is off (SPEC §8). */
  stripe: WebStripeConfig | null;
  /** SMTP (SMTP_URL), or .eml files under MAIL_DIR outside production; null: no mail. */
  mail: MailConfig | null;
  /**
   * How people are made on the Hopsworks clusters (SPEC §9): the OIDC client they sign in through
   * (OIDC_CLIENT_ID; `hops` in dev mode) and HOPSWORKS_MAX_PROJECTS.
   */
  hopsworks: { oidcClientId: string; maxProjects: number };
  /** How often usage is collected from the clusters' OpenCost (COLLECT_INTERVAL_MS, SPEC §9). */
  collectIntervalMs: number;
}

type ServiceScope = ServiceCaller['scopes'][number];

/** One SERVICE_TOKENS entry. */
export interface ServiceTokenConfig {
  name: string;
  scopes: ServiceScope[];
  token: string;
}

/** The scopes of SPEC §12 (the API's ServiceScope), in the order they are documented. */
const SCOPES = ['ingest', 'events', 'act-as', 'billing'] as const satisfies readonly ServiceScope[];

const MIN_TOKEN_LENGTH = 16;
const TOKEN_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/**
 * Parses SERVICE_TOKENS (already split on commas): `name:scopes:token`, scopes joined by `+`
 * (`slackbot:events+act-as:…`). A bare token is `legacy` (then `legacy-2`, …) with every scope
 * and a warning. Problems name the entry by its position and name, never by its token.
 */
export function parseServiceTokens(
  entries: readonly string[],
  problems: string[],
  warnings: string[],
): ServiceTokenConfig[] {
  const tokens: ServiceTokenConfig[] = [];
  let legacy = 0;
  entries.forEach((entry, index) => {
    const at = `SERVICE_TOKENS entry ${index + 1}`;
    const parts = entry.split(':');
    if (parts.length === 1) {
      legacy += 1;
      tokens.push({
        name: legacy === 1 ? 'legacy' : `legacy-${legacy}`,
        scopes: [...SCOPES],
        token: entry,
      });
      return;
    }
    // A token may itself hold colons: everything after the second one is the token.
    const [name = '', scopeList = '', ...rest] = parts;
    const token = rest.join(':');
    if (parts.length < 3) {
      problems.push(
        `${at} is invalid: use name:scopes:token (like slackbot:events+act-as:<token>)`,
      );
      return;
    }
    if (!TOKEN_NAME.test(name)) {
      problems.push(
        `${at} is invalid: ${name ? `the name "${name}"` : 'the name is empty; it'} must be 1–40 lower-case letters, digits, - or _`,
      );
      return;
    }
    if (!scopeList) {
      problems.push(
        `${at} (${name}) is invalid: it names no scope; use ${SCOPES.join(', ')} joined by +`,
      );
      return;
    }
    const scopes = scopeList.split('+');
    const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0) {
      problems.push(
        `${at} (${name}) is invalid: unknown scope ${unknown.map((u) => `"${u}"`).join(', ')}; use ${SCOPES.join(', ')} joined by +`,
      );
      return;
    }
    tokens.push({ name, scopes: SCOPES.filter((scope) => scopes.includes(scope)), token });
  });
  tokens.forEach(({ name, token }, index) => {
    if (token.length < MIN_TOKEN_LENGTH) {
      problems.push(
        `SERVICE_TOKENS token "${name}" is invalid: each token needs at least ${MIN_TOKEN_LENGTH} characters`,
      );
    }
    if (tokens.findIndex((other) => other.name === name) !== index) {
      problems.push(`SERVICE_TOKENS names "${name}" twice: give each token its own name`);
    }
    const same = tokens.findIndex((other) => other.token === token);
    if (same !== index) {
      problems.push(
        `SERVICE_TOKENS tokens "${tokens[same]!.name}" and "${name}" are the same: give each its own token`,
      );
    }
  });
  if (legacy > 0) {
    warnings.push(
      `SERVICE_TOKENS has ${legacy === 1 ? 'a bare token' : `${legacy} bare tokens`}: ${legacy === 1 ? 'it acts' : 'they act'} as ` +
        `"legacy" with every scope. Name and scope each token as name:scopes:token (scopes ${SCOPES.join('+')}).`,
    );
  }
  return tokens;
}

export interface WebStripeConfig extends StripeConfig {
  /** How often usage is reported to Stripe. */
  reportIntervalMs: number;
}

export interface LoadedEnv {
  env: WebEnv;
  /** Things to tell the person starting the server (generated development secrets). */
  warnings: string[];
}

type DevSecretName = 'SESSION_SECRET' | 'ENCRYPTION_KEY' | 'SERVICE_TOKENS';

/**
 * Reads the server's configuration from `source` (default: process.env — the only place the
 * server reads it). Throws an EnvError whose message names every missing or malformed variable.
 */
export function loadWebEnv(
  source: Record<string, string | undefined> = process.env,
  options: { devSecretsFile?: string } = {},
): LoadedEnv {
  const raw = parseEnv(schema, source);
  const production = raw.NODE_ENV === 'production';
  const problems: string[] = [];
  const warnings: string[] = [];

  const authMode = raw.AUTH_MODE ?? (production ? 'oidc' : 'dev');
  if (production && authMode === 'dev') {
    problems.push('AUTH_MODE=dev is not allowed when NODE_ENV=production (use AUTH_MODE=oidc)');
  }
  let oidc: WebEnv['oidc'] = null;
  if (authMode === 'oidc') {
    const missing = (['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const).filter(
      (name) => !raw[name],
    );
    for (const name of missing) problems.push(`${name} is missing (required when AUTH_MODE=oidc)`);
    if (production && raw.OIDC_ISSUER?.startsWith('http:')) {
      problems.push('OIDC_ISSUER must be an https URL when NODE_ENV=production');
    }
    if (missing.length === 0) {
      oidc = {
        issuer: raw.OIDC_ISSUER!,
        clientId: raw.OIDC_CLIENT_ID!,
        clientSecret: raw.OIDC_CLIENT_SECRET!,
      };
    }
  }

  const secrets: Record<DevSecretName, string | undefined> = {
    SESSION_SECRET: raw.SESSION_SECRET,
    ENCRYPTION_KEY: raw.ENCRYPTION_KEY,
    SERVICE_TOKENS: raw.SERVICE_TOKENS?.length ? raw.SERVICE_TOKENS.join(',') : undefined,
  };
  const absent = (Object.keys(secrets) as DevSecretName[]).filter(
    (name) => secrets[name] === undefined,
  );
  if (absent.length > 0) {
    if (production) {
      for (const name of absent)
        problems.push(`${name} is missing (required when NODE_ENV=production)`);
    } else {
      const file = options.devSecretsFile ?? DEV_SECRETS_FILE;
      const dev = loadDevSecrets(file);
      for (const name of absent) secrets[name] = dev[name];
      warnings.push(
        `${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} not set: using generated development ` +
          `values from ${file}. Set ${absent.length === 1 ? 'it' : 'them'} in production.`,
      );
    }
  }

  const tokenEntries = (secrets.SERVICE_TOKENS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  // The generated development token is the dev bot's and collector's: every scope, no warning.
  const serviceTokens = absent.includes('SERVICE_TOKENS')
    ? tokenEntries.map((token, i) => ({
        name: i === 0 ? 'dev' : `dev-${i + 1}`,
        scopes: [...SCOPES],
        token,
      }))
    : parseServiceTokens(tokenEntries, problems, warnings);

  const stripe = stripeConfig(raw, production, problems, warnings);
  let mail: MailConfig | null = null;
  if (raw.SMTP_URL) mail = { smtpUrl: raw.SMTP_URL, from: raw.MAIL_FROM };
  else if (!production) mail = { from: raw.MAIL_FROM, dropDir: raw.MAIL_DIR ?? DEV_MAIL_DIR };
  else {
    warnings.push(
      'SMTP_URL is not set: no e-mail is sent; owners pass invites on by their copyable link.',
    );
  }

  if (problems.length > 0) throw new EnvError(`Configuration error: ${problems.join('; ')}.`);

  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  return {
    env: {
      nodeEnv: raw.NODE_ENV,
      port: raw.PORT,
      host: raw.HOST,
      publicUrl,
      databaseUrl: raw.DATABASE_URL,
      sessionSecret: secrets.SESSION_SECRET!,
      authMode,
      oidc,
      bootstrapAdminEmails: (raw.BOOTSTRAP_ADMIN_EMAILS ?? []).map((email) => email.toLowerCase()),
      serviceTokens,
      encryptionKey: secrets.ENCRYPTION_KEY!,
      logLevel: raw.LOG_LEVEL,
      // Demo data belongs to a throw-away local database, never to production's.
      seedDemoData: raw.SEED_DEMO_DATA ?? (!raw.DATABASE_URL && !production),
      trustProxy: raw.TRUST_PROXY,
      jobWorkers: raw.JOB_WORKERS,
      jobRunnerDeadAfterMs: raw.JOB_RUNNER_DEAD_AFTER_MS,
      stripe,
      mail,
      hopsworks: {
        oidcClientId: raw.OIDC_CLIENT_ID ?? 'hops',
        maxProjects: raw.HOPSWORKS_MAX_PROJECTS,
      },
      collectIntervalMs: raw.COLLECT_INTERVAL_MS,
    },
    warnings,
  };
}

const STRIPE_NEEDS = ['STRIPE_WEBHOOK_SECRET', 'STRIPE_PRICE_ID'] as const;

// Stripe is on when its secret key is set; in production it then needs the webhook secret (or no
// payment could be confirmed) and the metered price (or no subscription could be created).
function stripeConfig(
  raw: z.infer<typeof schema>,
  production: boolean,
  problems: string[],
  warnings: string[],
): WebStripeConfig | null {
  if (!raw.STRIPE_SECRET_KEY) {
    const stray = [...STRIPE_NEEDS, 'STRIPE_API_URL' as const].filter((name) => raw[name]);
    if (stray.length > 0) {
      warnings.push(
        `${stray.join(', ')} ignored: Stripe is off because STRIPE_SECRET_KEY is not set.`,
      );
    }
    return null;
  }
  for (const name of STRIPE_NEEDS.filter((need) => !raw[need])) {
    if (production) problems.push(`${name} is missing (required when STRIPE_SECRET_KEY is set)`);
    else
      warnings.push(
        `${name} is not set: Stripe ${name === 'STRIPE_PRICE_ID' ? 'subscriptions cannot be created' : 'webhooks will be refused'}.`,
      );
  }
  if (production && raw.STRIPE_API_URL?.startsWith('http:')) {
    problems.push('STRIPE_API_URL must be an https URL when NODE_ENV=production');
  }
  return {
    secretKey: raw.STRIPE_SECRET_KEY,
    apiUrl: raw.STRIPE_API_URL,
    webhookSecret: raw.STRIPE_WEBHOOK_SECRET,
    priceId: raw.STRIPE_PRICE_ID,
    meterEventName: raw.STRIPE_METER_EVENT_NAME,
    reportIntervalMs: raw.STRIPE_REPORT_INTERVAL_MS,
    meterEventsPerSecond: raw.STRIPE_METER_EVENTS_PER_SECOND,
  };
}

export { EnvError };
