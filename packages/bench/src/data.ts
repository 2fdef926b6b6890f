// `pnpm --filter @hops/bench bench:data --accounts N --days D [--database-url URL]
// [--concurrency C] [--last-day YYYY-MM-DD] [--json FILE]`: generates the benchmark data set
// (generate.ts) into a database, and prints rows/s and the extrapolated time for 10 000 accounts ×
// 365 days.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDb } from '@hops/db';
import { generate } from './generate.ts';
import { benchServerUrl, databaseUrlOf } from './scratch.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '1000' },
      days: { type: 'string', default: '365' },
      'database-url': { type: 'string' },
      concurrency: { type: 'string', default: '2' },
      'last-day': { type: 'string' },
      json: { type: 'string' },
    },
  });
  const accounts = Number(values.accounts);
  const days = Number(values.days);
  const concurrency = Number(values.concurrency);
  if (![accounts, days, concurrency].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error('--accounts, --days and --concurrency take positive whole numbers.');
  }
  const url =
    values['database-url'] ??
    process.env.DATABASE_URL ??
    databaseUrlOf(benchServerUrl(), 'hops_bench');
  console.log(
    `bench:data: ${accounts} accounts × ${days} days into ${url.replace(/:[^:@/]+@/, ':***@')}`,
  );
  const db = createDb({
    connectionString: url,
    max: concurrency + 2,
    applicationName: 'hops-bench-data',
  });
  try {
    const result = await generate(db, {
      accounts,
      days,
      concurrency,
      ...(values['last-day'] ? { lastDay: values['last-day'] } : {}),
    });
    console.log(
      `bench:data: ${result.rows.toLocaleString('en')} rows (${result.users} users, ${result.firstDay}..${result.lastDay}) in ${result.seconds.toFixed(1)} s: ${Math.round(result.rowsPerSecond).toLocaleString('en')} rows/s through usage.ingest's service`,
    );
    console.log(
      `bench:data: 11 000 accounts × 365 days (${result.fullScale.rows.toLocaleString('en')} rows) would take about ${(result.fullScale.seconds / 60).toFixed(0)} min at this rate`,
    );
    if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:data failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
