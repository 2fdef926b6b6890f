// Queries at scale, on the generated data (BENCH_DATABASE_URL): one account's month (usage.daily
// and usage.summary as its owner) and the top 20 accounts over 30 days (usage.top as an admin),
// run through the router with the SQL recorded, timed, and explained (ANALYZE, BUFFERS). On a data
// set smaller than 10 M rows the 10 M-row figures are extrapolated from how each plan scales, and
// say so.
import { rankRowsStatement } from '@hops/api';
import { addDays } from '@hops/api/days';
import { sql } from 'kysely';
import pg from 'pg';
import { fenced, fmt, median, ms, say, table, type BenchResult } from '../report.ts';
import { explain, oneLine, recordingDb, routerCallerAs, type Statement } from './support.ts';

const RUNS_SMALL = 30;
const RUNS_TOP = 8;

/**
 * Where usage_account_months and usage_daily disagree, per account and month (the running total
 * on the month's last day against the sum of the month's rows): none, if the rollup is exact.
 */
const ROLLUP_CHECK = `
WITH stored AS (
  SELECT account_owner_id, date_trunc('month', date)::date AS month, sum(total_cost) AS cost
  FROM usage_daily GROUP BY 1, 2
)
SELECT count(*)::int AS differing, (SELECT count(*)::int FROM usage_account_months) AS months
FROM stored s
FULL JOIN usage_account_months m USING (account_owner_id, month)
WHERE coalesce(s.cost, 0) <> coalesce(m.cum[cardinality(m.cum)], 0)`;

/** Without index-only scans the covering index is read like the plain one it replaced. */
const NO_COVERING = 'SET enable_indexonlyscan = off';

async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
  setup?: string,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (setup) await client.query(setup);
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Median milliseconds of `runs` runs of a statement on one session, after one warm-up run. */
function timeStatement(url: string, s: Statement, runs: number, setup?: string): Promise<number> {
  return withClient(
    url,
    async (client) => {
      await client.query(s.sql, s.parameters as unknown[]);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await client.query(s.sql, s.parameters as unknown[]);
        times.push(performance.now() - started);
      }
      return median(times);
    },
    setup,
  );
}

function rowsOf(url: string, s: Statement): Promise<unknown[]> {
  return withClient(
    url,
    async (client) => (await client.query(s.sql, s.parameters as unknown[])).rows,
  );
}

export async function benchQueries(databaseUrl: string): Promise<BenchResult> {
  const { db, statements } = recordingDb(databaseUrl, 4);
  try {
    // Steady state, as autovacuum leaves a table: statistics and the visibility map up to date.
    await sql`VACUUM ANALYZE usage_daily`.execute(db);
    await sql`VACUUM ANALYZE usage_account_months`.execute(db);
    say('queries: the rollup against the rows');
    const rollupStarted = performance.now();
    const { rows: rollupCheck } = await sql<{ differing: number; months: number }>`${sql.raw(
      ROLLUP_CHECK,
    )}`.execute(db);
    const rollupCheckMs = performance.now() - rollupStarted;
    const { differing, months: rollupMonths } = rollupCheck[0]!;
    const { rows: facts } = await sql<{ rows: number; lastDay: string; accounts: number }>`
      SELECT count(*)::int AS rows, max(date)::text AS last_day,
             count(DISTINCT account_owner_id)::int AS accounts
      FROM usage_daily`.execute(db);
    const { rows: total, lastDay, accounts } = facts[0]!;
    if (!total) throw new Error('No usage in BENCH_DATABASE_URL: run bench:data first.');
    const month = { from: addDays(lastDay, -29), to: lastDay };
    const { rows: window } = await sql<{ rows: number }>`
      SELECT count(*)::int AS rows FROM usage_daily
      WHERE date BETWEEN ${month.from}::date AND ${month.to}::date`.execute(db);
    const windowRows = window[0]!.rows;

    // A typical account (an owner with three members), and an admin to ask for the top.
    const { rows: typical } = await sql<{ owner: string }>`
      SELECT account_owner_id AS owner FROM users WHERE account_owner_id IS NOT NULL
      GROUP BY account_owner_id HAVING count(*) = 3 ORDER BY account_owner_id LIMIT 1`.execute(db);
    const owner = typical[0]!.owner;
    await sql`INSERT INTO users (id, email, is_admin) VALUES ('bench|admin', 'admin@bench.test', true)
              ON CONFLICT DO NOTHING`.execute(db);
    const asOwner = await routerCallerAs(db, owner);
    const asAdmin = await routerCallerAs(db, 'bench|admin');

    const questions = [
      {
        name: "one account's month: usage.daily (30 days)",
        runs: RUNS_SMALL,
        ask: () => asOwner.usage.daily(month),
      },
      {
        name: "one account's month: usage.summary",
        runs: RUNS_SMALL,
        ask: () => asOwner.usage.summary(month),
      },
      {
        name: 'top 20 accounts over 30 days: usage.top',
        runs: RUNS_TOP,
        ask: () => asAdmin.usage.top({ ...month, limit: 20 }),
      },
    ];
    const results: { name: string; median: number; statements: Statement[]; plans: string[] }[] =
      [];
    for (const q of questions) {
      say(`queries: ${q.name}`);
      await q.ask(); // warm the cache: steady-state reads
      const times: number[] = [];
      let recorded: Statement[] = [];
      for (let i = 0; i < q.runs; i++) {
        statements.length = 0;
        const started = performance.now();
        await q.ask();
        times.push(performance.now() - started);
        recorded = [...statements];
      }
      const plans: string[] = [];
      for (const s of recorded) plans.push(await explain(databaseUrl, s));
      results.push({ name: q.name, median: median(times), statements: recorded, plans });
    }

    // The top, statement alone, on the same data: the shipped statement (on the rollup) against
    // the one it replaced (every user-day of the window), the latter also without index-only
    // scans (how the plain date index read it before migration 0004).
    say('queries: top 20, before and after');
    const top = results[2]!.statements.at(-1)!;
    // usage.top's statement before the rollup (issue 15): every user-day of the window, summed
    // per user, then per account, on migration 0004's covering index on date; still what usage.top
    // falls back to when fewer accounts than asked cost anything (reads.ts, rankRows).
    const compiler = recordingDb(databaseUrl, 1);
    const compiled = rankRowsStatement({ from: month.from, to: month.to, limit: 20 }).compile(
      compiler.db,
    );
    await compiler.db.destroy();
    const before: Statement = { sql: compiled.sql, parameters: compiled.parameters };
    const sameAnswer =
      JSON.stringify(await rowsOf(databaseUrl, top)) ===
      JSON.stringify(await rowsOf(databaseUrl, before));
    const variants = [
      {
        name: 'before: every user-day of the window, covering index (0004)',
        s: before,
        setup: undefined,
      },
      { name: 'every user-day of the window, plain index reads', s: before, setup: NO_COVERING },
      { name: 'shipped: usage.top on usage_account_months (0019)', s: top, setup: undefined },
    ];
    const experiments: { name: string; ms: number; plan: string }[] = [];
    for (const v of variants) {
      experiments.push({
        name: v.name,
        ms: await timeStatement(databaseUrl, v.s, RUNS_TOP, v.setup),
        plan: await explain(databaseUrl, v.s, v.setup),
      });
    }

    // At 10 M rows (≈ 11 000 accounts × 365 days) the figures are measured. On a smaller data set
    // they are extrapolated: the account questions read one account's rows through
    // (account_owner_id, date) / (user_id, date) indexes, whose cost does not grow with the table
    // (one more B-tree level at most); the top reads two rollup rows per account, so it grows
    // with the accounts.
    const FULL_ROWS = 10_000_000;
    const fullAccounts = FULL_ROWS / (2.5 * 365);
    const scale = Math.max(1, fullAccounts / accounts);
    const atScale = total >= FULL_ROWS * 0.98;
    const month10m = Math.max(results[0]!.median, results[1]!.median);
    const top10m = results[2]!.median * (atScale ? 1 : scale);
    const at10m = (value: number, why: string) =>
      atScale ? `${ms(value)} (measured)` : `≈ ${ms(value)} (${why})`;
    const markdown = [
      `${fmt(total)} usage rows (${accounts} accounts, last day ${lastDay}); ${fmt(windowRows)} rows in the 30-day window. ` +
        `Medians of ${RUNS_SMALL} (account) and ${RUNS_TOP} (top) calls through the router after one warm-up call, so the data is in PostgreSQL's cache.`,
      '',
      table(
        ['question', `measured (${fmt(total / 1e6, 2)} M rows)`, 'at 10 M rows'],
        [
          [results[0]!.name, ms(results[0]!.median), at10m(month10m, 'size-independent plan')],
          [results[1]!.name, ms(results[1]!.median), at10m(results[1]!.median, 'same')],
          [
            results[2]!.name,
            ms(results[2]!.median),
            at10m(top10m, `× ${fmt(scale, 1)}, the accounts`),
          ],
        ],
      ),
      '',
      `The rollup (usage_account_months, ${fmt(rollupMonths)} account-months) against the rows, every account and month: ${differing === 0 ? '**equal**' : `**${differing} differ**`} (checked in ${ms(rollupCheckMs)}).`,
      '',
      `Top 20 over 30 days, the statement alone through pg, median of ${RUNS_TOP}, before and after the rollup (${sameAnswer ? 'checked: identical rows' : '**rows differ**'}):`,
      '',
      table(
        ['statement', 'measured', 'speed-up over before', 'at 10 M rows'],
        experiments.map((e) => [
          e.name,
          ms(e.ms),
          `${fmt(experiments[0]!.ms / e.ms, 2)}×`,
          atScale ? 'measured' : 'not extrapolated',
        ]),
      ),
      '',
      ...experiments.flatMap((e) => [
        `<details><summary>Plan: ${e.name}</summary>`,
        '',
        fenced(e.plan),
        '',
        '</details>',
        '',
      ]),
      '<details><summary>The previous statement</summary>',
      '',
      fenced(before.sql),
      '',
      '</details>',
      '',
      ...results.flatMap((r) => [
        `### ${r.name}`,
        '',
        ...r.statements.flatMap((s, i) => [
          fenced(
            `-- ${oneLine(s.sql).slice(0, 400)}\n-- parameters: ${JSON.stringify(s.parameters).slice(0, 200)}\n${r.plans[i]}`,
          ),
          '',
        ]),
      ]),
    ].join('\n');
    return {
      title: 'Queries at scale',
      command: 'pnpm --filter @hops/bench bench:api (queries, on BENCH_DATABASE_URL)',
      markdown,
      targets: [
        {
          target: "one account's month < 5 ms at 10 M rows (usage.daily and usage.summary)",
          measured: `${ms(results[0]!.median)} and ${ms(results[1]!.median)} at ${fmt(total / 1e6, 2)} M rows${atScale ? '' : ' (size-independent plan; 10 M extrapolated)'}`,
          met: month10m < 5,
        },
        {
          target:
            'top 20 accounts over 30 days ≤ 100 ms at 10 M rows, on a rollup by account and day kept exact in the ingestion transaction',
          measured: atScale
            ? `${ms(top10m)} at ${fmt(total / 1e6, 2)} M rows (before: ${ms(experiments[0]!.ms)}, statement alone); rollup ${differing === 0 ? 'equal to the rows' : `${differing} account-months differ`}`
            : `${ms(results[2]!.median)} at ${fmt(total / 1e6, 2)} M rows → ≈ ${ms(top10m)} at 10 M (extrapolated × ${fmt(scale, 1)}); rollup ${differing === 0 ? 'equal to the rows' : `${differing} account-months differ`}`,
          met: top10m <= 100 && differing === 0 && sameAnswer,
        },
      ],
      data: {
        total,
        windowRows,
        results: results.map((r) => ({ name: r.name, median: r.median })),
      },
    };
  } finally {
    await db.destroy();
  }
}
