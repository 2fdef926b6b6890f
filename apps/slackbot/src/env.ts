// The Slack bot's configuration (SPEC §6), validated once at start. Nothing else reads process.env.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvError, loadDevSecrets, parseEnv } from '@hops/config';
import { z } from 'zod';

/** The workspace root: apps/slackbot/src → ../../.. */
const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

const port = z.coerce.number().int().min(0).max(65_535);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  HOPS_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  HOPS_SERVICE_TOKEN: z.string().min(1).optional(),
  SLACK_ALERTS_CHANNEL: z.string().min(1).optional(),
  /** The Slack workspace the bot answers (its team id, e.g. T0123ABCD); others get no action. */
  SLACK_TEAM_ID: z
    .string()
    .regex(/^[A-Z0-9]+$/, 'must be a Slack team id such as T0123ABCD')
    .optional(),
  SLACK_ALERTS_POLL_MS: z.coerce.number().int().min(100).default(5000),
  /** UTC hour from which the daily digest of yesterday's cost is posted (usage arrives late). */
  SLACK_DIGEST_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(6),
  SLACKBOT_PORT: port.default(3001),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
  /** The admin `pnpm ask` acts as. */
  HOPS_ASK_AS: z.email().default('admin@hops.test'),
  /** The admin the daily digest acts as (usage.top is an admin procedure). */
  SLACK_DIGEST_AS: z.email().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

interface Env {
  NODE_ENV: 'development' | 'production' | 'test';
  SLACK_SIGNING_SECRET: string;
  SLACK_BOT_TOKEN: string;
  HOPS_API_URL: string;
  HOPS_SERVICE_TOKEN: string;
  /** Unset in development: the alert worker then stays off. */
  SLACK_ALERTS_CHANNEL: string | null;
  /** Unset in development only: the bot then answers any workspace (main.ts warns). */
  SLACK_TEAM_ID: string | null;
  SLACK_ALERTS_POLL_MS: number;
  SLACK_DIGEST_HOUR_UTC: number;
  SLACKBOT_PORT: number;
  SLACK_API_URL: string;
  HOPS_ASK_AS: string;
  /** Unset: no daily digest (in development it defaults to HOPS_ASK_AS). */
  SLACK_DIGEST_AS: string | null;
  LOG_LEVEL: z.infer<typeof schema>['LOG_LEVEL'];
  /** Names of the variables that were filled with development values (empty in production). */
  devDefaults: string[];
}

interface SlackDevSecrets {
  SLACK_SIGNING_SECRET: string;
  SLACK_BOT_TOKEN: string;
}

/** Generated once into .data/, like the API server's dev secrets, so restarts keep them. */
function loadSlackDevSecrets(file: string): SlackDevSecrets {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SlackDevSecrets;
  const secrets: SlackDevSecrets = {
    SLACK_SIGNING_SECRET: randomBytes(32).toString('hex'),
    SLACK_BOT_TOKEN: `xoxb-dev-${randomBytes(12).toString('hex')}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

interface LoadEnvOptions {
  /** Where development secrets live; default `<repo>/.data`. */
  dataDir?: string;
  /** Called once when development values were used. */
  warn?: (message: string) => void;
}

const askSchema = schema.pick({
  NODE_ENV: true,
  HOPS_API_URL: true,
  HOPS_SERVICE_TOKEN: true,
  HOPS_ASK_AS: true,
});

interface AskEnv {
  HOPS_API_URL: string;
  HOPS_SERVICE_TOKEN: string;
  HOPS_ASK_AS: string;
}

/** What `ask` needs: only the API (no Slack), with the same development defaults. */
export function loadAskEnv(
  source: Record<string, string | undefined> = process.env,
  options: LoadEnvOptions = {},
): AskEnv {
  const env = parseEnv(askSchema, source);
  if (env.NODE_ENV === 'production' && (!env.HOPS_API_URL || !env.HOPS_SERVICE_TOKEN)) {
    throw new EnvError(
      'Configuration error: HOPS_API_URL and HOPS_SERVICE_TOKEN are required when NODE_ENV=production.',
    );
  }
  const dataDir = options.dataDir ?? resolve(repoRoot, '.data');
  return {
    HOPS_API_URL: env.HOPS_API_URL ?? 'http://127.0.0.1:3000',
    HOPS_SERVICE_TOKEN: env.HOPS_SERVICE_TOKEN ?? devServiceToken(dataDir),
    HOPS_ASK_AS: env.HOPS_ASK_AS,
  };
}

/** The API server reads the same file in development, so this token is one it accepts. */
function devServiceToken(dataDir: string): string {
  const tokens = loadDevSecrets(resolve(dataDir, 'dev-secrets.json')).SERVICE_TOKENS;
  return tokens.split(',')[0]!.trim();
}

/**
 * Parses the environment. In production every secret is required; in development missing ones get
 * development values (the service token is the API server's own dev token, so `pnpm dev` works
 * with no configuration). An empty signing secret is always refused: Bolt once read an empty one
 * as "verification off".
 */
export function loadEnv(
  source: Record<string, string | undefined> = process.env,
  options: LoadEnvOptions = {},
): Env {
  const raw = source.SLACK_SIGNING_SECRET;
  if (raw !== undefined && raw.trim() === '') {
    throw new EnvError(
      'Configuration error: SLACK_SIGNING_SECRET is empty. Set it to the signing secret of the Slack app (Basic Information → App Credentials).',
    );
  }
  const env = parseEnv(schema, source);
  const production = env.NODE_ENV === 'production';
  const required = [
    'SLACK_SIGNING_SECRET',
    'SLACK_BOT_TOKEN',
    'HOPS_API_URL',
    'HOPS_SERVICE_TOKEN',
    'SLACK_ALERTS_CHANNEL',
    'SLACK_TEAM_ID',
  ] as const;
  const missing = required.filter((name) => env[name] === undefined);
  if (production && missing.length > 0) {
    throw new EnvError(
      `Configuration error: ${missing.map((name) => `${name} is missing`).join('; ')} (required when NODE_ENV=production).`,
    );
  }

  const dataDir = options.dataDir ?? resolve(repoRoot, '.data');
  const devDefaults: string[] = [];
  const slackDev = () => loadSlackDevSecrets(resolve(dataDir, 'slackbot-dev-secrets.json'));
  const pick = (name: string, value: string | undefined, fallback: () => string): string => {
    if (value !== undefined) return value;
    devDefaults.push(name);
    return fallback();
  };
  const result: Env = {
    NODE_ENV: env.NODE_ENV,
    SLACK_SIGNING_SECRET: pick(
      'SLACK_SIGNING_SECRET',
      env.SLACK_SIGNING_SECRET,
      () => slackDev().SLACK_SIGNING_SECRET,
    ),
    SLACK_BOT_TOKEN: pick('SLACK_BOT_TOKEN', env.SLACK_BOT_TOKEN, () => slackDev().SLACK_BOT_TOKEN),
    HOPS_API_URL: pick('HOPS_API_URL', env.HOPS_API_URL, () => 'http://127.0.0.1:3000'),
    HOPS_SERVICE_TOKEN: pick('HOPS_SERVICE_TOKEN', env.HOPS_SERVICE_TOKEN, () =>
      devServiceToken(dataDir),
    ),
    SLACK_ALERTS_CHANNEL: env.SLACK_ALERTS_CHANNEL ?? null,
    SLACK_TEAM_ID: env.SLACK_TEAM_ID ?? null,
    SLACK_ALERTS_POLL_MS: env.SLACK_ALERTS_POLL_MS,
    SLACK_DIGEST_HOUR_UTC: env.SLACK_DIGEST_HOUR_UTC,
    SLACKBOT_PORT: env.SLACKBOT_PORT,
    SLACK_API_URL: env.SLACK_API_URL,
    HOPS_ASK_AS: env.HOPS_ASK_AS,
    SLACK_DIGEST_AS: env.SLACK_DIGEST_AS ?? (production ? null : env.HOPS_ASK_AS),
    LOG_LEVEL: env.LOG_LEVEL,
    devDefaults,
  };
  if (devDefaults.length > 0) {
    options.warn?.(
      `Using development values for ${devDefaults.join(', ')} (from ${dataDir}). Set them for a real Slack workspace; with NODE_ENV=production they are required.`,
    );
  }
  return result;
}
