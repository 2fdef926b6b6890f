// `pnpm --filter @hops/bench bench:partition`: usage_daily partitioned by month (migration 0015)
// against the plain table it replaced, on the same rows — BENCH_DATABASE_URL's usage (made by
// `bench:data`, which `pnpm bench` runs first) copied into both layouts (./tables.ts): one
// account's month (usage.daily, usage.summary) and the top 20 (usage.top) through the router,
// ingestion (usage.ingest's service, batches of 10 000 new user-days) and dropping a month
// (DETACH + DROP of its partition vs DELETE of its rows). Both copies are dropped after.
// BENCH_READ_RUNS (default 20), BENCH_INGEST_BATCHES (default 8) and BENCH_DROP_MONTHS (default 7)
// set the samples.
import { ingestUsage, SYSTEM_ACTOR, type UsageRecordInput } from '@hops/api';
import { addDays, monthStart } from '@hops/api/days';
import { createDb, inTransaction, migrateToLatest } from '@hops/db';
import { sql } from 'kysely';
import pg from 'pg';
import { onBenchData, usageOf } from '../generate.ts';
import { fmt, median, ms, publish, ratio, say, table, type BenchResult } from '../report.ts';
import { recordingDb, routerCallerAs, type Statement } from '../api/support.ts';
import { buildTable, dropTables, nextMonth, partitionOf, urlFor, type Layout } from './tables.ts';

const LAYOUTS: Layout[] = ['plain', 'part'];
const NAME: Record<Layout, string> = {
  plain: 'plain table',
  part: 'partitioned by month',
};
const READ_RUNS = Number(process.env.BENCH_READ_RUNS ?? 20);
const INGEST_BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 8);
/** The oldest whole months dropped (each a DELETE + VACUUM and a DETACH + DROP); the median counts. */
const DROP_MONTHS = Number(process.env.BENCH_DROP_MONTHS ?? 7);
/** Users per ingested batch (one day each): usage.ingest's largest batch. */
const BATCH = 10_000;

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/**
 * The partitions a statement actually reads: EXPLAIN ANALYZE (in a transaction rolled back), the
 * scans that ran at least once — partitions pruned at planning are absent, those pruned while
 * running are "never executed".
 */
async function relationsRead(url: string, s: Statement): Promise<string[]> {
  const c = await client(url);
  try {
    await c.query('BEGIN');
    const { rows } = await c.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${s.sql}`,
      s.parameters as unknown[],
    );
    const found = new Set<string>();
    const walk = (node: Record<string, unknown>) => {
      const name = node['Relation Name'];
      if (
        typeof name === 'string' &&
        name.startsWith('usage_daily') &&
        Number(node['Actual Loops']) > 0
      ) {
        found.add(name);
      }
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk((rows[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
    return [...found].sort();
  } finally {
    await c
      .query('ROLLBACK')
      .catch((error: unknown) => say(`partition: rollback: ${String(error)}`));
    await c.end();
  }
}

/** Median milliseconds of `runs` runs of a statement on one session, after one warm-up run. */
async function timeStatement(url: string, s: Statement, runs: number): Promise<number> {
  const c = await client(url);
  try {
    await c.query(s.sql, s.parameters as unknown[]);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await c.query(s.sql, s.parameters as unknown[]);
      times.push(performance.now() - started);
    }
    return median(times);
  } finally {
    await c.end();
  }
}

async function benchPartition(databaseUrl: string): Promise<BenchResult> {
  const admin = createDb({ connectionString: databaseUrl, max: 2 });
  try {
    // A data set generated before migration 0015 is partitioned here: its time is a figure too.
    const migrateStarted = performance.now();
    const applied = await migrateToLatest(admin);
    const migrateSeconds = (performance.now() - migrateStarted) / 1000;
    const { rows: facts } = await sql<{ rows: number; firstDay: string; lastDay: string }>`
      SELECT count(*)::int AS rows, min(date)::text AS first_day, max(date)::text AS last_day
      FROM public.usage_daily`.execute(admin);
    const { rows: total, firstDay, lastDay } = facts[0]!;
    if (!total) throw new Error('No usage in BENCH_DATABASE_URL: run bench:data first.');
    // Ingestion writes the days after the last one: their months must have partitions too.
    const lastIngested = addDays(lastDay, INGEST_BATCHES);
    const lastMonth = nextMonth(nextMonth(nextMonth(monthStart(lastIngested))));

    const build: Record<Layout, number> = { plain: 0, part: 0 };
    for (const layout of LAYOUTS) {
      say(`partition: copying ${fmt(total)} rows into the ${NAME[layout]}`);
      build[layout] = await buildTable(admin, layout, lastMonth);
    }

    // ---- reads: the product's statements, through the router, on each layout ----
    const { rows: typical } = await sql<{ owner: string }>`
      SELECT account_owner_id AS owner FROM users WHERE account_owner_id IS NOT NULL
      GROUP BY account_owner_id HAVING count(*) = 3 ORDER BY account_owner_id LIMIT 1`.execute(
      admin,
    );
    const owner = typical[0]!.owner;
    await sql`INSERT INTO users (id, email, is_admin) VALUES ('bench|admin', 'admin@bench.test', true)
              ON CONFLICT DO NOTHING`.execute(admin);
    const month = { from: addDays(lastDay, -29), to: lastDay };
    const dbs = Object.fromEntries(
      LAYOUTS.map((l) => [l, recordingDb(urlFor(databaseUrl, l), 4)]),
    ) as Record<Layout, ReturnType<typeof recordingDb>>;
    type Caller = Awaited<ReturnType<typeof routerCallerAs>>;
    const callers = {} as Record<Layout, { owner: Caller; admin: Caller }>;
    for (const l of LAYOUTS) {
      callers[l] = {
        owner: await routerCallerAs(dbs[l].db, owner),
        admin: await routerCallerAs(dbs[l].db, 'bench|admin'),
      };
    }
    const questions = [
      {
        name: "one account's month: usage.daily (30 days)",
        ask: (l: Layout) => callers[l].owner.usage.daily(month),
      },
      {
        name: "one account's month: usage.summary",
        ask: (l: Layout) => callers[l].owner.usage.summary(month),
      },
      {
        name: 'top 20 accounts over 30 days: usage.top',
        ask: (l: Layout) => callers[l].admin.usage.top({ ...month, limit: 20 }),
      },
    ];
    const reads: {
      name: string;
      median: Record<Layout, number>;
      same: boolean;
      read: Record<Layout, string[]>;
      statements: Record<Layout, Statement[]>;
    }[] = [];
    for (const q of questions) {
      say(`partition: ${q.name}`);
      const answers = await Promise.all(LAYOUTS.map((l) => q.ask(l))); // warm-up, and the answers
      const times: Record<Layout, number[]> = { plain: [], part: [] };
      const recorded: Record<Layout, Statement[]> = { plain: [], part: [] };
      for (let i = 0; i < READ_RUNS; i++) {
        // Alternating, so that whatever else loads the machine loads both alike.
        for (const l of i % 2 === 0 ? LAYOUTS : [...LAYOUTS].reverse()) {
          dbs[l].statements.length = 0;
          const started = performance.now();
          await q.ask(l);
          times[l].push(performance.now() - started);
          recorded[l] = [...dbs[l].statements];
        }
      }
      const read = { plain: [] as string[], part: [] as string[] };
      for (const l of LAYOUTS) {
        for (const s of recorded[l])
          read[l].push(...(await relationsRead(urlFor(databaseUrl, l), s)));
      }
      reads.push({
        name: q.name,
        median: { plain: median(times.plain), part: median(times.part) },
        same: JSON.stringify(answers[0]) === JSON.stringify(answers[1]),
        read: { plain: [...new Set(read.plain)], part: [...new Set(read.part)].sort() },
        statements: recorded,
      });
    }

    // usage.daily joins usage_daily on the day alone, which prunes no partition when planning;
    // the same statement with the range on usage_daily too (a possible change to reads.ts).
    say('partition: usage.daily with the range on usage_daily');
    const daily: Record<Layout, { now: number; ranged: number; read: string[] }> = {
      plain: { now: 0, ranged: 0, read: [] },
      part: { now: 0, ranged: 0, read: [] },
    };
    for (const l of LAYOUTS) {
      const s = reads[0]!.statements[l].at(-1)!;
      const ranged = {
        sql: s.sql.replace(
          'LEFT JOIN usage_daily u ON u.date = d::date AND',
          'LEFT JOIN usage_daily u ON u.date = d::date AND u.date BETWEEN $1::date AND $2::date AND',
        ),
        parameters: s.parameters,
      };
      // reads.ts took this change (the range on usage_daily): the shipped statement is it.
      if (ranged.sql === s.sql && !s.sql.includes('AND u.date BETWEEN'))
        throw new Error("usage.daily's statement changed: update the bench.");
      const url = urlFor(databaseUrl, l);
      daily[l] = {
        now: await timeStatement(url, s, READ_RUNS),
        ranged: await timeStatement(url, ranged, READ_RUNS),
        read: await relationsRead(url, ranged),
      };
    }

    // ---- ingestion: new user-days of postpaid accounts (no ledger rows into the copies) ----
    const { rows: users } = await sql<{ id: string }>`
      SELECT u.id FROM users u JOIN users o ON o.id = coalesce(u.account_owner_id, u.id)
      WHERE u.id LIKE 'gen|%' AND o.billing_mode = 'postpaid' ORDER BY u.id LIMIT ${BATCH}`.execute(
      admin,
    );
    const batchSize = users.length;
    const ingestMs: Record<Layout, number[]> = { plain: [], part: [] };
    for (let b = 0; b < INGEST_BATCHES; b++) {
      const date = addDays(lastDay, b + 1);
      const batch: UsageRecordInput[] = users.map((u, i) => usageOf(u.id, i, date));
      for (const l of b % 2 === 0 ? LAYOUTS : [...LAYOUTS].reverse()) {
        say(`partition: ingest ${date} into the ${NAME[l]}`);
        const started = performance.now();
        await inTransaction(dbs[l].db, (trx) =>
          ingestUsage(trx, SYSTEM_ACTOR, batch, { today: date }),
        );
        ingestMs[l].push(performance.now() - started);
      }
    }

    // ---- dropping a month: the oldest whole months ----
    const wholeFrom = firstDay.endsWith('-01') ? firstDay : nextMonth(firstDay);
    const months: string[] = [];
    for (
      let m = wholeFrom;
      nextMonth(m) <= lastDay && months.length < DROP_MONTHS;
      m = nextMonth(m)
    )
      months.push(m);
    const drops: {
      month: string;
      rows: number;
      delete: number;
      vacuum: number;
      detach: number;
      detachOnly: number;
      dropOnly: number;
    }[] = [];
    const c = await client(databaseUrl);
    try {
      for (const m of months) {
        say(`partition: dropping ${m.slice(0, 7)}`);
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM bench_plain.usage_daily WHERE date >= $1 AND date < $2`,
          [m, nextMonth(m)],
        );
        // Each timed operation starts from a checkpoint (untimed): neither pays for the dirty pages
        // and WAL the one before it left (the VACUUM's, say, written out during the DROP's COMMIT),
        // and the DELETE meets its month as in production, untouched since the last checkpoint (so
        // its first change of each page is logged whole, as there).
        await c.query('CHECKPOINT');
        let started = performance.now();
        await c.query(`DELETE FROM bench_plain.usage_daily WHERE date >= $1 AND date < $2`, [
          m,
          nextMonth(m),
        ]);
        const deleted = performance.now() - started;
        // The deleted rows' space comes back only through VACUUM: part of the price of DELETE.
        started = performance.now();
        await c.query(`VACUUM bench_plain.usage_daily`);
        const vacuumed = performance.now() - started;
        await c.query('CHECKPOINT');
        started = performance.now();
        await c.query('BEGIN');
        await c.query(
          `ALTER TABLE bench_part.usage_daily DETACH PARTITION ${partitionOf('part', m)}`,
        );
        const detachOnly = performance.now() - started;
        // The files go at COMMIT: DROP's share includes it.
        await c.query(`DROP TABLE ${partitionOf('part', m)}`);
        await c.query('COMMIT');
        const detached = performance.now() - started;
        drops.push({
          month: m.slice(0, 7),
          rows: rows[0]!.n,
          delete: deleted,
          vacuum: vacuumed,
          detach: detached,
          detachOnly,
          dropOnly: detached - detachOnly,
        });
      }
    } finally {
      await c.end();
    }
    await Promise.all(LAYOUTS.map((l) => dbs[l].db.destroy()));

    const rowsPerSecond = (l: Layout) => batchSize / (median(ingestMs[l]) / 1000);
    const markdown = [
      `${fmt(total)} usage rows (${firstDay}..${lastDay}) copied into both layouts in the same database: ` +
        `the plain table in ${fmt(build.plain, 0)} s, the partitioned one (${months.length ? 'monthly partitions' : 'partitions'} and a default) in ${fmt(build.part, 0)} s, each with the product's keys, indexes, foreign keys and trigger, then VACUUM ANALYZE. ` +
        (applied.length > 0
          ? `Migration 0015 partitioned this database's own usage_daily (${fmt(total)} rows) in **${fmt(migrateSeconds, 0)} s**, holding the table exclusively. `
          : '') +
        `Reads: medians of ${READ_RUNS} calls through the router per layout, alternating, after one warm-up call each (data in cache); the answers compared. ` +
        `Ingestion: ${INGEST_BATCHES} batches of ${fmt(batchSize)} new user-days (postpaid accounts) per layout through usage.ingest's service, alternating.`,
      '',
      table(
        ['question', NAME.plain, NAME.part, 'partitioned / plain', 'answers', 'partitions read'],
        [
          ...reads.map((r) => [
            r.name,
            ms(r.median.plain),
            ms(r.median.part),
            ratio(r.median.part / r.median.plain),
            r.same ? 'identical' : '**differ**',
            `${r.read.part.length} (${r.read.part.join(', ')})`,
          ]),
          [
            `ingestion: ${fmt(batchSize)} new user-days per batch`,
            `${ms(median(ingestMs.plain))} (${fmt(rowsPerSecond('plain'))} rows/s)`,
            `${ms(median(ingestMs.part))} (${fmt(rowsPerSecond('part'))} rows/s)`,
            ratio(median(ingestMs.part) / median(ingestMs.plain)),
            '',
            '—',
          ],
        ],
      ),
      '',
      `usage.daily's statement alone (median of ${READ_RUNS} through pg): it joins usage_daily on the day only, so no partition is pruned when planning; with \`u.date BETWEEN from AND to\` on usage_daily as well (a possible one-line change to services/usage/reads.ts), same answer:`,
      '',
      table(
        ['statement', NAME.plain, NAME.part, 'partitions read'],
        [
          [
            'as shipped',
            ms(daily.plain.now),
            ms(daily.part.now),
            String(reads[0]!.read.part.length),
          ],
          [
            'with the range on usage_daily',
            ms(daily.plain.ranged),
            ms(daily.part.ranged),
            `${daily.part.read.length} (${daily.part.read.join(', ')})`,
          ],
        ],
      ),
      '',
      'Dropping a month (the oldest whole months; the plain table: one DELETE, then the VACUUM that gives the space back; partitioned: DETACH PARTITION + DROP TABLE in one transaction):',
      '',
      table(
        [
          'month',
          'rows',
          'plain: DELETE',
          'plain: VACUUM after it',
          'partitioned: DETACH',
          'DROP (+ COMMIT)',
          'partitioned: DETACH + DROP',
          'DELETE / DETACH + DROP',
        ],
        drops.map((d) => [
          d.month,
          fmt(d.rows),
          ms(d.delete),
          ms(d.vacuum),
          ms(d.detachOnly),
          ms(d.dropOnly),
          ms(d.detach),
          ratio(d.delete / d.detach),
        ]),
      ),
      '',
      'A month whose rows the credits ledger references (prepaid accounts) cannot be detached: PostgreSQL refuses, as the plain table refuses the DELETE (the ledger is append-only).',
      '',
    ].join('\n');
    const top = reads[2]!;
    const account = reads[0]!;
    const drop = median(drops.map((d) => d.delete / d.detach));
    return {
      title: 'Partitioned usage_daily: monthly partitions vs the plain table',
      command: 'pnpm --filter @hops/bench bench:partition (on BENCH_DATABASE_URL)',
      markdown,
      targets: [
        {
          target: "partitioned: one account's month no slower than the plain table (±20 %)",
          measured: `${ms(account.median.part)} vs ${ms(account.median.plain)} (${ratio(account.median.part / account.median.plain)}) at ${fmt(total / 1e6, 2)} M rows`,
          met: account.median.part <= account.median.plain * 1.2,
        },
        {
          target: 'partitioned: top 20 over 30 days no slower than the plain table (±20 %)',
          measured: `${ms(top.median.part)} vs ${ms(top.median.plain)} (${ratio(top.median.part / top.median.plain)})`,
          met: top.median.part <= top.median.plain * 1.2,
        },
        {
          target: 'partitioned: ingestion no slower than the plain table (±20 %)',
          measured: `${fmt(rowsPerSecond('part'))} vs ${fmt(rowsPerSecond('plain'))} rows/s`,
          met: median(ingestMs.part) <= median(ingestMs.plain) * 1.2,
        },
        {
          target: 'dropping a month: DETACH + DROP at least 10× faster than DELETE',
          measured: drops.length
            ? `${ratio(drop)} (median of ${drops.length} months)`
            : 'no whole month in the data',
          met: drops.length ? drop >= 10 : null,
        },
      ],
      data: {
        total,
        build,
        reads: reads.map(({ statements: _, ...r }) => r),
        daily,
        ingestMs,
        drops,
        migrateSeconds: applied.length ? migrateSeconds : null,
      },
    };
  } finally {
    await dropTables(admin).catch((error: unknown) =>
      say(`partition: cleanup failed: ${String(error)}`),
    );
    await admin.destroy();
  }
}

publish('partition', await onBenchData('partition', benchPartition));
