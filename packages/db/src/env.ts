// The variables the database commands read (the apps declare their own).
import { resolve } from 'node:path';
import { loadDevSecrets, parseEnv } from '@hops/config';
import { z } from 'zod';
import { repoRoot } from './connection.ts';

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  ENCRYPTION_KEY: z.base64().optional(),
});

export type DbEnv = z.infer<typeof schema> & { ENCRYPTION_KEY: string };

export function dbEnv(source: Record<string, string | undefined> = process.env): DbEnv {
  const env = parseEnv(schema, source);
  if (env.ENCRYPTION_KEY) return { ...env, ENCRYPTION_KEY: env.ENCRYPTION_KEY };
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'Configuration error: ENCRYPTION_KEY is missing (required when NODE_ENV=production).',
    );
  }
  const dev = loadDevSecrets(resolve(repoRoot, '.data/dev-secrets.json'));
  return { ...env, ENCRYPTION_KEY: dev.ENCRYPTION_KEY };
}
