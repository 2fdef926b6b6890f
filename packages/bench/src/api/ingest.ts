// Ingestion: usage.ingest (through the router: zod, pricing, the set-based upsert, the prepaid
// ledger, the audit row) with batches of 10 000 new user-days, against COPY of the very rows it
// stored into an identical database (same schema, indexes, triggers and accounts): the floor.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { priceUsage } from '@hops/api';
import { addDays, utcDay } from '@hops/api/days';
import { AMOUNT_FIELDS, columnOf } from '@hops/api/resources';
import { createDb, migrateToLatest } from '@hops/db';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { batchesOf, buildAccounts } from '../generate.ts';
import { fmt, median, ms, ratio, say, table, type BenchResult } from '../report.ts';
import { createScratchDatabase, dropScratchDatabase } from '../scratch.ts';
import { oneLine, serviceCaller, timingDb } from './support.ts';

const ACCOUNTS = 1_000;

class RolledBack extends Error {}
/** Every column usage.ingest writes (its id too), so COPY moves the same data. */
const COLUMNS = [
  'id',
  'user_id',
  'account_owner_id',
  'date',
  'hopsworks_cluster_id',
  ...AMOUNT_FIELDS.map(columnOf),
  'project_breakdown',
  'rate_card',
].join(', ');

export async function benchIngest(options: { batches: number }): Promise<BenchResult> {
  const tag = `${process.pid}`;
  const ingestName = `hops_bench_ingest_${tag}`;
  const copyName = `hops_bench_copy_${tag}`;
  try {
    const ingestUrl = await createScratchDatabase(ingestName);
    let db = createDb({ connectionString: ingestUrl, max: 4 });
    await migrateToLatest(db);
    const teams = await buildAccounts(db, ACCOUNTS);
    await db.destroy();
    // The COPY side starts from the very same database (accounts, credits, no usage).
    const copyUrl = await createScratchDatabase(copyName, { template: ingestName });
    db = createDb({ connectionString: ingestUrl, max: 4 });

    const users = teams.flat().map((id, index) => ({ id, index }));
    const days = Math.ceil((options.batches * 10_000) / users.length) + 1;
    const lastDay = addDays(utcDay(new Date()), -1);
    const firstDay = addDays(lastDay, -(days - 1));
    const batches = [...batchesOf(users, firstDay, days)]
      .filter((b) => b.length === 10_000)
      .slice(0, options.batches + 1);
    const explained = batches.pop()!;

    // Pricing alone (the JavaScript share of a batch), five times over one batch.
    const pricing: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      for (const r of batches[0]!) priceUsage(r, r.date);
      pricing.push(performance.now() - started);
    }

    // Each batch through usage.ingest, then the very rows it stored (read back untimed) by COPY
    // into the twin: alternating, so both meet the machine in the same state.
    say(`ingest: ${batches.length} batches of 10 000 through usage.ingest, each then by COPY`);
    const caller = serviceCaller(db);
    const source = new pg.Client({ connectionString: ingestUrl });
    await source.connect();
    const target = new pg.Client({ connectionString: copyUrl });
    await target.connect();
    const ingestMs: number[] = [];
    const copyMs: number[] = [];
    for (const batch of batches) {
      // The records as they arrive over HTTP: parsed JSON.
      const records = JSON.parse(JSON.stringify(batch)) as typeof batch;
      let started = performance.now();
      const result = await caller.usage.ingest({ records });
      ingestMs.push(performance.now() - started);
      if (result.inserted !== 10_000) throw new Error(`ingest stored ${result.inserted} rows`);
      // The batch's rows: its one transaction gave them all one created_at.
      const chunks: Buffer[] = [];
      const stored = source.query(
        copyTo(
          `COPY (SELECT ${COLUMNS} FROM usage_daily
                 WHERE created_at = (SELECT max(created_at) FROM usage_daily)
                 ORDER BY date, user_id) TO STDOUT`,
        ),
      );
      for await (const chunk of stored) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.split('\n').length !== 10_001) throw new Error('COPY read back another batch');
      started = performance.now();
      await pipeline(
        Readable.from([text]),
        target.query(copyFrom(`COPY usage_daily (${COLUMNS}) FROM STDIN`)),
      );
      copyMs.push(performance.now() - started);
    }
    await source.end();
    await target.end();
    // Where one more batch's time goes: each statement as the driver saw it (sent → answered),
    // in a transaction rolled back; what is left of the call is JavaScript between statements.
    const timing = timingDb(ingestUrl, 2);
    const started = performance.now();
    await timing.db
      .transaction()
      .execute(async (trx) => {
        await serviceCaller(trx).usage.ingest({ records: explained });
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    const wall = performance.now() - started;
    await timing.db.destroy();
    const spent = [...timing.spent].map(([text, { ms: took, calls }]) => ({
      text: oneLine(text).slice(0, 90),
      took,
      calls,
    }));
    const inStatements = spent.reduce((total, s) => total + s.took, 0);
    await db.destroy();

    const ingestRate = 10_000 / (median(ingestMs) / 1000);
    const copyRate = 10_000 / (median(copyMs) / 1000);
    const markdown = [
      `${ACCOUNTS} accounts (${users.length} users, one in ten prepaid: their batches also move credits through the ledger). ` +
        `Each sample is one batch of 10 000 new user-days, through usage.ingest and then (the rows it stored, read back) by COPY into an identical database, alternating; medians over ${ingestMs.length} batches each.`,
      '',
      table(
        ['path', 'median per 10 000 rows', 'rows/s', 'ratio to COPY'],
        [
          [
            'usage.ingest (router → service, one transaction)',
            ms(median(ingestMs)),
            fmt(ingestRate),
            ratio(ingestRate / copyRate),
          ],
          ['COPY of the same stored rows', ms(median(copyMs)), fmt(copyRate), '1.00×'],
          ['(pricing 10 000 records alone, in JS)', ms(median(pricing)), '', ''],
        ],
      ),
      '',
      `One more batch of 10 000, statement by statement (as the driver saw each, sent → answered; in a rolled-back transaction): ${ms(wall)} in all. ` +
        'A statement sent while the records are priced counts the pricing it waited for.',
      '',
      table(
        ['statement', 'calls', 'ms'],
        [
          ...spent.map((s) => [`\`${s.text}\``, String(s.calls), ms(s.took)]),
          ['(JavaScript between statements)', '', ms(wall - inStatements)],
        ],
      ),
    ].join('\n');
    return {
      title: 'Ingestion: usage.ingest vs COPY',
      command: 'pnpm --filter @hops/bench bench:api (ingest)',
      markdown,
      targets: [
        {
          target: 'ingestion ≥ 0.8× COPY of the same rows into the same table (batches of 10 000)',
          measured: `${fmt(ingestRate)} rows/s vs COPY ${fmt(copyRate)} rows/s: ${ratio(ingestRate / copyRate)}`,
          met: ingestRate / copyRate >= 0.8,
        },
      ],
      data: { ingestMs, copyMs, pricingMs: pricing, ingestRate, copyRate },
    };
  } finally {
    await dropScratchDatabase(ingestName);
    await dropScratchDatabase(copyName);
  }
}
