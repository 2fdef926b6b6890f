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
import { fenced, fmt, median, ms, ratio, say, table, type BenchResult } from '../report.ts';
import { createScratchDatabase, dropScratchDatabase } from '../scratch.ts';
import { explain, oneLine, recordingDb, serviceCaller } from './support.ts';

const ACCOUNTS = 1_000;

class RolledBack extends Error {}
/** Every column usage.ingest writes, so COPY moves the same data. */
const COLUMNS = [
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

    say(`ingest: ${batches.length} batches of 10 000 through usage.ingest`);
    const caller = serviceCaller(db);
    const ingestMs: number[] = [];
    for (const batch of batches) {
      // The records as they arrive over HTTP: parsed JSON.
      const records = JSON.parse(JSON.stringify(batch)) as typeof batch;
      const started = performance.now();
      const result = await caller.usage.ingest({ records });
      ingestMs.push(performance.now() - started);
      if (result.inserted !== 10_000) throw new Error(`ingest stored ${result.inserted} rows`);
    }
    // The plan of the batch statement, for one more batch: recorded in a transaction that is
    // rolled back, then explained (and rolled back again).
    const recorder = recordingDb(ingestUrl, 2);
    await recorder.db
      .transaction()
      .execute(async (trx) => {
        await serviceCaller(trx).usage.ingest({ records: explained });
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    await recorder.db.destroy();
    const statement = recorder.statements.find((s) => s.sql.includes('INSERT INTO usage_daily'));
    const plan = statement ? await explain(ingestUrl, statement) : '(statement not captured)';
    await db.destroy();

    // COPY the stored rows, in the same batches, into the twin database.
    say('ingest: COPY of the same rows');
    const source = new pg.Client({ connectionString: ingestUrl });
    await source.connect();
    const chunks: Buffer[] = [];
    const stored = source.query(
      copyTo(`COPY (SELECT ${COLUMNS} FROM usage_daily ORDER BY date, user_id) TO STDOUT`),
    );
    for await (const chunk of stored) chunks.push(chunk as Buffer);
    await source.end();
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
    const target = new pg.Client({ connectionString: copyUrl });
    await target.connect();
    const copyMs: number[] = [];
    for (let i = 0; i + 10_000 <= lines.length; i += 10_000) {
      const text = `${lines.slice(i, i + 10_000).join('\n')}\n`;
      const started = performance.now();
      await pipeline(
        Readable.from([text]),
        target.query(copyFrom(`COPY usage_daily (${COLUMNS}) FROM STDIN`)),
      );
      copyMs.push(performance.now() - started);
    }
    await target.end();

    const ingestRate = 10_000 / (median(ingestMs) / 1000);
    const copyRate = 10_000 / (median(copyMs) / 1000);
    const markdown = [
      `${ACCOUNTS} accounts (${users.length} users, one in ten prepaid: their batches also move credits through the ledger). ` +
        `Each sample is one batch of 10 000 new user-days; medians over ${ingestMs.length} (ingest) and ${copyMs.length} (COPY) batches.`,
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
      'Plan of the batch statement (a further 10 000 new rows, EXPLAIN ANALYZE in a rolled-back transaction):',
      '',
      fenced(plan),
      '',
      `<details><summary>The statement</summary>\n\n${fenced(oneLine(statement?.sql ?? ''))}\n\n</details>`,
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
