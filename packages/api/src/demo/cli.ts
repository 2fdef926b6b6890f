// `pnpm db:seed`: migrates, then adds the demo data through the services (idempotent: a second run
// adds nothing). The key that encrypts the demo clusters' secrets is the server's ENCRYPTION_KEY
// (outside production, the generated development one in .data/dev-secrets.json).
import { resolve } from 'node:path';
import { loadDevSecrets, parseEnv } from '@hops/config';
import { migrateToLatest, repoRoot, runWithDb } from '@hops/db';
import { z } from 'zod';
import { SecretBox } from '../secrets.ts';
import { seedDemoData } from './seed.ts';

function encryptionKey(): string {
  const env = parseEnv(
    z.object({
      NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
      ENCRYPTION_KEY: z.base64().optional(),
    }),
    process.env,
  );
  if (env.ENCRYPTION_KEY) return env.ENCRYPTION_KEY;
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'Configuration error: ENCRYPTION_KEY is missing (required when NODE_ENV=production).',
    );
  }
  return loadDevSecrets(resolve(repoRoot, '.data/dev-secrets.json')).ENCRYPTION_KEY;
}

let key: string;
try {
  key = encryptionKey();
} catch (error) {
  // A configuration mistake is the operator's to fix: the sentence, no stack trace.
  console.error((error as Error).message);
  process.exit(1);
}

await runWithDb('db:seed', async (db) => {
  for (const line of await migrateToLatest(db)) console.log(line);
  for (const line of await seedDemoData(db, { secrets: new SecretBox(key) })) console.log(line);
});
