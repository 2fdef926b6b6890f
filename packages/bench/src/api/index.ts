// `pnpm --filter @hops/bench bench:api`: ingestion vs COPY, assignment under contention, and
// queries at scale. The queries run on BENCH_DATABASE_URL (made by `bench:data`, which `pnpm bench`
// runs first); without it, on a small data set generated here and dropped after.
// BENCH_ONLY=ingest,assignment,queries picks some; BENCH_INGEST_BATCHES sets the ingest samples.
import { onBenchData } from '../generate.ts';
import { publish } from '../report.ts';
import { benchAssignment } from './assignment.ts';
import { benchIngest } from './ingest.ts';
import { benchQueries } from './queries.ts';

const only = new Set((process.env.BENCH_ONLY ?? 'ingest,assignment,queries').split(','));

if (only.has('ingest')) {
  const batches = Number(process.env.BENCH_INGEST_BATCHES ?? 8);
  publish('api-ingest', await benchIngest({ batches }));
}
if (only.has('assignment')) publish('api-assignment', await benchAssignment());
if (only.has('queries')) publish('api-queries', await onBenchData('queries', benchQueries));
