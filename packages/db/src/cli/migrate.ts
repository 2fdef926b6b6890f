// `pnpm db:migrate` (up to latest) and `pnpm db:migrate --down` (one step back).
import { migrateDown, migrateToLatest } from '../migrate.ts';
import { runWithDb } from './run.ts';

const down = process.argv.includes('--down');

await runWithDb('db:migrate', async (db) => {
  const lines = down ? await migrateDown(db) : await migrateToLatest(db);
  console.log(lines.length ? lines.join('\n') : down ? 'nothing to revert' : 'already up to date');
});
