// `pnpm --filter @hops/db db:types`: migrates a scratch database and regenerates src/schema.ts
// with kysely-codegen. The schema test runs the same generation and fails when the file differs.
import { generateSchemaTypes } from '../codegen.ts';
import { runWithDb } from './run.ts';
import { migrateToLatest } from '../migrate.ts';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

await runWithDb('db:types', async (db, url) => {
  await migrateToLatest(db);
  const text = await generateSchemaTypes(url);
  writeFileSync(fileURLToPath(new URL('../schema.ts', import.meta.url)), text);
  console.log('wrote src/schema.ts');
});
