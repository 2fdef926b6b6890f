// `pnpm db:seed`: migrates, then adds the demo data (idempotent: a second run adds nothing).
import { migrateToLatest } from '../migrate.ts';
import { seedDemoData } from '../seed.ts';
import { SecretBox } from '../secrets.ts';
import { runWithDb } from './run.ts';

await runWithDb('db:seed', async (db, env) => {
  for (const line of await migrateToLatest(db)) console.log(line);
  const report = await seedDemoData(db, { secrets: new SecretBox(env.ENCRYPTION_KEY) });
  for (const line of report) console.log(line);
});
