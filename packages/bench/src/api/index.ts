// `pnpm --filter @hops/bench bench:api`: ingestion vs COPY, assignment under contention, queries
// at scale, and the Stripe usage report under Stripe's rate limit. The queries run on
// BENCH_DATABASE_URL (made by `bench:data`, which `pnpm bench` runs first); without it, on a small
// data set generated here and dropped after. BENCH_ONLY=ingest,assignment,queries,report picks
// some; BENCH_INGEST_BATCHES sets the ingest samples, BENCH_REPORT_OWNER_DAYS the owner-days
// reported (default 10 000, the scale; 500 with --quick).
import { onBenchData } from '../generate.ts';
import { publish } from '../report.ts';
import { benchAssignment } from './assignment.ts';
import { benchIngest } from './ingest.ts';
import { benchQueries } from './queries.ts';
import { benchReport } from './report.ts';

const only = new Set((process.env.BENCH_ONLY ?? 'ingest,assignment,queries,report').split(','));

if (only.has('ingest')) {
  const batches = Number(process.env.BENCH_INGEST_BATCHES ?? 8);
  publish('api-ingest', await benchIngest({ batches }));
}
if (only.has('assignment')) publish('api-assignment', await benchAssignment());
if (only.has('queries')) publish('api-queries', await onBenchData('queries', benchQueries));
if (only.has('report')) {
  const ownerDays = Number(process.env.BENCH_REPORT_OWNER_DAYS ?? 10_000);
  publish('api-report', await benchReport({ ownerDays }));
}
