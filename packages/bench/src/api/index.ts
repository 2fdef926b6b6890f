// `pnpm --filter @hops/bench bench:api`: ingestion vs COPY, assignment under contention, queries
// at scale, the Stripe usage report under Stripe's rate limit, the OpenCost collector against
// ingestUsage of the same user-days, and the mail outbox against nodemailer straight to SMTP. The
// queries run on BENCH_DATABASE_URL (made by `bench:data`, which `pnpm bench` runs first); without
// it, on a small data set generated here and dropped after. BENCH_ONLY=ingest,assignment,queries,
// report,collection,mail picks some; BENCH_INGEST_BATCHES sets the ingest samples,
// BENCH_REPORT_OWNER_DAYS the owner-days reported (default 10 000, the scale; 500 with
// --quick), BENCH_COLLECTION_NAMESPACES the namespaces of the one-hour and the 48-hour collection
// (default 1000,200) and BENCH_COLLECTION_ROUNDS their rounds (default 7); BENCH_MAIL_COUNT the
// mails sent (default 1 000), BENCH_MAIL_ROUNDS their rounds (default 3) and
// BENCH_MAIL_CONCURRENCY the job runner's and the floor's concurrency (default 1, JOB_WORKERS's).
import { onBenchData } from '../generate.ts';
import { publish } from '../report.ts';
import { benchAssignment } from './assignment.ts';
import { benchCollection } from './collection.ts';
import { benchMail } from '../mail/outbox.ts';
import { benchIngest } from './ingest.ts';
import { benchQueries } from './queries.ts';
import { benchReport } from './report.ts';

const only = new Set(
  (process.env.BENCH_ONLY ?? 'ingest,assignment,queries,report,collection,mail').split(','),
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
if (only.has('mail')) {
  publish(
    'api-mail',
    await benchMail({
      count: Number(process.env.BENCH_MAIL_COUNT ?? 1_000),
      rounds: Number(process.env.BENCH_MAIL_ROUNDS ?? 3),
      concurrency: Number(process.env.BENCH_MAIL_CONCURRENCY ?? 1),
    }),
  );
}
