// Queries at scale, on the generated data (BENCH_DATABASE_URL): one account's month (usage.daily
// and usage.summary as its owner) and the top 20 accounts over 30 days (usage.top as an admin),
// run through the router with the SQL recorded, timed, and explained (ANALYZE, BUFFERS). The
// 10 M-row figures are extrapolated from how each plan scales, and say so.
import { sql } from 'kysely';
import pg from 'pg';
import { fenced, fmt, median, ms, say, table, type BenchResult } from '../../db/bench/report.ts';
import { explain, oneLine, recordingDb, userCaller, type Statement } from './support.ts';

const RUNS_SMALL = 30;
const RUNS_TOP = 8;

/** usage.top's answer by another route: per (account, user) first, owners for the winners only. */
const TOP_REWRITE = `
WITH per_user AS (
  SELECT account_owner_id, user_id, sum(total_cost) AS cost
  FROM usage_daily
  WHERE date BETWEEN $1::date AND $2::date
  GROUP BY account_owner_id, user_id
), per_account AS (
  SELECT account_owner_id, sum(cost) AS cost, count(*)::int AS active_users
  FROM per_user
  GROUP BY account_owner_id
  ORDER BY sum(cost) DESC, account_owner_id
  LIMIT $3
)
SELECT a.account_owner_id, o.email AS owner_email, o.name AS owner_name,
       round(a.cost, 4) AS total_cost, a.active_users
FROM per_account a JOIN users o ON o.id = a.account_owner_id
ORDER BY a.cost DESC, a.account_owner_id`;

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Median milliseconds of `runs` runs of a statement on one session, after one warm-up run. */
function timeStatement(url: string, s: Statement, runs: number): Promise<number> {
  return withClient(url, async (client) => {
    await client.query(s.sql, s.parameters as unknown[]);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await client.query(s.sql, s.parameters as unknown[]);
      times.push(performance.now() - started);
    }
    return median(times);
  });
}

function rowsOf(url: string, s: Statement): Promise<unknown[]> {
  return withClient(
    url,
    async (client) => (await client.query(s.sql, s.parameters as unknown[])).rows,
  );
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export async function benchQueries(databaseUrl: string): Promise<BenchResult> {
  const { db, statements } = recordingDb(databaseUrl, 4);
  try {
    // Steady state, as autovacuum leaves a table: statistics and the visibility map up to date.
    await sql`VACUUM ANALYZE usage_daily`.execute(db);
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
    const asOwner = await userCaller(db, owner);
    const asAdmin = await userCaller(db, 'bench|admin');

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

    // What would make the top fast: the same answer by another statement (accounts summed per
    // user first, owners joined to the 20 winners only), and a covering index, each timed side by
    // side with the product's statement on the same data.
    say('queries: top 20, alternatives');
    const top = results[2]!.statements.at(-1)!;
    const rewrite: Statement = { sql: TOP_REWRITE, parameters: [month.from, month.to, 20] };
    const time = (s: Statement) => timeStatement(databaseUrl, s, RUNS_TOP);
    const sameAnswer =
      JSON.stringify(await rowsOf(databaseUrl, top)) ===
      JSON.stringify(await rowsOf(databaseUrl, rewrite));
    const experiments: { name: string; ms: number; plan: string }[] = [];
    experiments.push({ name: 'product statement', ms: await time(top), plan: '' });
    experiments.push({
      name: 'rewrite (per user, then per account)',
      ms: await time(rewrite),
      plan: await explain(databaseUrl, rewrite),
    });
    await sql`CREATE INDEX bench_usage_daily_date_covering ON usage_daily (date)
              INCLUDE (account_owner_id, user_id, total_cost)`.execute(db);
    await sql`VACUUM ANALYZE usage_daily`.execute(db);
    try {
      experiments.push({
        name: 'product statement + covering index',
        ms: await time(top),
        plan: await explain(databaseUrl, top),
      });
      experiments.push({
        name: 'rewrite + covering index',
        ms: await time(rewrite),
        plan: await explain(databaseUrl, rewrite),
      });
    } finally {
      await sql`DROP INDEX bench_usage_daily_date_covering`.execute(db);
    }

    // Extrapolation to 10 M rows (10 000 accounts × 365 days × 2.5 users ≈ 9.1 M): the account
    // questions read one account's rows through (account_owner_id, date) / (user_id, date)
    // indexes, whose cost does not grow with the table (one more B-tree level at most); the top
    // reads every row of the 30-day window, so it grows with the window's rows.
    const fullWindow = 10_000 * 2.5 * 30;
    const scale = fullWindow / windowRows;
    const month10m = results[0]!.median;
    const top10m = results[2]!.median * scale;
    const markdown = [
      `${fmt(total)} usage rows (${accounts} accounts, last day ${lastDay}); ${fmt(windowRows)} rows in the 30-day window. ` +
        `Medians of ${RUNS_SMALL} (account) and ${RUNS_TOP} (top) calls through the router after one warm-up call, so the data is in PostgreSQL's cache.`,
      '',
      table(
        ['question', `measured (${fmt(total / 1e6, 2)} M rows)`, 'at 10 M rows (extrapolated)'],
        [
          [
            results[0]!.name,
            ms(results[0]!.median),
            `≈ ${ms(month10m)} (index range scan, size-independent)`,
          ],
          [results[1]!.name, ms(results[1]!.median), `≈ ${ms(results[1]!.median)} (same)`],
          [
            results[2]!.name,
            ms(results[2]!.median),
            `≈ ${ms(top10m)} (× ${fmt(scale, 1)}, rows in the window)`,
          ],
        ],
      ),
      '',
      `Top 20 over 30 days, other ways to the same answer (${sameAnswer ? 'checked: identical rows' : '**rows differ**'}), statement alone through pg, median of ${RUNS_TOP}:`,
      '',
      table(
        ['statement', 'measured', 'speed-up over the product statement', 'at 10 M rows (× window)'],
        experiments.map((e) => [
          e.name,
          ms(e.ms),
          `${fmt(experiments[0]!.ms / e.ms, 2)}×`,
          `≈ ${ms(e.ms * scale)}`,
        ]),
      ),
      '',
      ...experiments
        .filter((e) => e.plan)
        .flatMap((e) => [
          `<details><summary>Plan: ${e.name}</summary>`,
          '',
          fenced(e.plan),
          '',
          '</details>',
          '',
        ]),
      fenced(TOP_REWRITE),
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
      command: 'pnpm --filter @hops/api bench (queries, on BENCH_DATABASE_URL)',
      markdown,
      targets: [
        {
          target: "one account's month < 20 ms at 10 M rows",
          measured: `${ms(month10m)} at ${fmt(total / 1e6, 2)} M rows (size-independent plan; 10 M extrapolated)`,
          met: month10m < 20,
        },
        {
          target: 'top 20 accounts over 30 days < 300 ms at 10 M rows',
          measured: `${ms(results[2]!.median)} at ${fmt(total / 1e6, 2)} M rows → ≈ ${ms(top10m)} at 10 M (extrapolated × ${fmt(scale, 1)})`,
          met: top10m < 300,
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
