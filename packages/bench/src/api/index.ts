// `pnpm --filter @hops/api bench`: ingestion vs COPY, assignment under contention, and queries at
// scale. The queries run on BENCH_DATABASE_URL (made by `pnpm --filter @hops/db bench:data`, which
// `pnpm bench` runs first); without it, on a small data set generated here and dropped after.
// BENCH_ONLY=ingest,assignment,queries picks some; BENCH_INGEST_BATCHES sets the ingest samples.
import { createDb } from '@hops/db';
import { generate } from '../../db/bench/generate.ts';
import { publish, say } from '../../db/bench/report.ts';
import { createScratchDatabase, dropScratchDatabase } from '../../db/bench/scratch.ts';
import { benchAssignment } from './assignment.ts';
import { benchIngest } from './ingest.ts';
import { benchQueries } from './queries.ts';

const only = new Set((process.env.BENCH_ONLY ?? 'ingest,assignment,queries').split(','));

if (only.has('ingest')) {
  const batches = Number(process.env.BENCH_INGEST_BATCHES ?? 8);
  publish('api-ingest', await benchIngest({ batches }));
}
if (only.has('assignment')) publish('api-assignment', await benchAssignment());
if (only.has('queries')) {
  let url = process.env.BENCH_DATABASE_URL;
  const scratch = url ? null : `hops_bench_queries_${process.pid}`;
  try {
    if (scratch) {
      say('queries: no BENCH_DATABASE_URL; generating 200 accounts × 90 days');
      url = await createScratchDatabase(scratch);
      const db = createDb({ connectionString: url, max: 4 });
      await generate(db, { accounts: 200, days: 90, concurrency: 2 }).finally(() => db.destroy());
    }
    publish('api-queries', await benchQueries(url!));
  } finally {
    if (scratch) await dropScratchDatabase(scratch);
  }
}
