// `pnpm --filter @hops/bench bench:api`: ingestion vs COPY, assignment under contention, queries
// at scale, the Stripe usage report under Stripe's rate limit, and the OpenCost collector against
// ingestUsage of the same user-days. The queries run on BENCH_DATABASE_URL (made by `bench:data`,
// which `pnpm bench` runs first); without it, on a small data set generated here and dropped after.
// BENCH_ONLY=ingest,assignment,queries,report,collection picks some; BENCH_INGEST_BATCHES sets the
// ingest samples, BENCH_REPORT_OWNER_DAYS the owner-days reported (default 10 000, the issue's
// scale; 500 with --quick), BENCH_COLLECTION_NAMESPACES the namespaces of the one-hour and the
// 48-hour collection (default 1000,200) and BENCH_COLLECTION_ROUNDS their rounds (default 7).
import { onBenchData } from '../generate.ts';
import { publish } from '../report.ts';
import { benchAssignment } from './assignment.ts';
import { benchCollection } from './collection.ts';
import { benchIngest } from './ingest.ts';
import { benchQueries } from './queries.ts';
import { benchReport } from './report.ts';

const only = new Set(
  (process.env.BENCH_ONLY ?? 'ingest,assignment,queries,report,collection').split(','),
);

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
if (only.has('collection')) {
  const [hourly = 1_000, caughtUp = 200] = (process.env.BENCH_COLLECTION_NAMESPACES ?? '1000,200')
    .split(',')
    .map(Number);
  const rounds = Number(process.env.BENCH_COLLECTION_ROUNDS ?? 7);
  publish(
    'api-collection',
    await benchCollection({
      rounds,
      scenarios: [
        { namespaces: hourly, hours: 1 },
        { namespaces: caughtUp, hours: 48 },
      ],
    }),
  );
}
