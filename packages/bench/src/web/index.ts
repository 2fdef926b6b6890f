// `pnpm --filter @hops/web bench`: reads over HTTP (API vs raw pg vs PostGraphile 4) on
// BENCH_DATABASE_URL (made by `pnpm --filter @hops/db bench:data`, which `pnpm bench` runs first;
// without it, on a small data set generated here and dropped after), and the dashboard's first
// load. BENCH_ONLY=reads,first-load picks some.
import { createDb } from '@hops/db';
import { generate } from '../../../packages/db/bench/generate.ts';
import { publish, say } from '../../../packages/db/bench/report.ts';
import { createScratchDatabase, dropScratchDatabase } from '../../../packages/db/bench/scratch.ts';
import { benchFirstLoad } from './first-load.ts';
import { benchReads } from './reads.ts';

const only = new Set((process.env.BENCH_ONLY ?? 'reads,first-load').split(','));

if (only.has('reads')) {
  let url = process.env.BENCH_DATABASE_URL;
  const scratch = url ? null : `hops_bench_reads_${process.pid}`;
  try {
    if (scratch) {
      say('reads: no BENCH_DATABASE_URL; generating 200 accounts × 90 days');
      url = await createScratchDatabase(scratch);
      const db = createDb({ connectionString: url, max: 4 });
      await generate(db, { accounts: 200, days: 90, concurrency: 2 }).finally(() => db.destroy());
    }
    publish('web-reads', await benchReads(url!));
  } finally {
    if (scratch) await dropScratchDatabase(scratch);
  }
}
if (only.has('first-load')) publish('web-first-load', await benchFirstLoad());
