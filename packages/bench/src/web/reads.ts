// Reads over HTTP: usage.daily (one account, 30 days) and usage.summary as the account's owner,
// through the real API server, against the floor (the very statements the API runs, replayed
// through raw pg behind a bare node:http server) and PostGraphile 4 (read-only, same database,
// SQL functions whose bodies are those statements). autocannon at 1 and 32 connections; each
// server runs alone in its own process; latency p50/p99, requests/s and the ratios.
// Over 300 lines: three servers asked the same two questions, checked to agree, then measured and
// reported side by side — splitting it would scatter one comparison over files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@hops/api/days';
import { AMOUNT_FIELDS, columnOf } from '@hops/api/resources';
import { createDb } from '@hops/db';
import { SESSION_COOKIE, sealSession } from '@hops/web/server';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { recordingDb, routerCallerAs, type Statement } from '../api/support.ts';
import { fmt, ms, quantile, ratio, say, table, type BenchResult } from '../report.ts';
import {
  startApiServer,
  startPostGraphile,
  startRawServer,
  type RunningServer,
} from './servers.ts';

const DURATION_S = Number(process.env.BENCH_READ_SECONDS ?? 5);
/**
 * Every run starts with this long a warm-up, discarded: a server's JIT, its pool's connections
 * and (for the API) their prepared statements reach their steady state first.
 */
const WARM_UP_S = Number(process.env.BENCH_READ_WARMUP_SECONDS ?? 3);
const CONNECTIONS = [1, 32] as const;
/**
 * The usage figures the API's statements sum (the one list of @hops/api/resources, so all three
 * servers agree): as columns of the SQL functions, and as PostGraphile's (camelCase) fields.
 */
const AMOUNTS = AMOUNT_FIELDS.map(columnOf);
const FIELDS = AMOUNT_FIELDS.join(' ');

interface Question {
  name: string;
  /** The statements the API runs for it per request (the caller's row is kept by the caller cache). */
  statements: Statement[];
  api: { path: string; input: unknown };
  graphql: string;
  /** The total cost in each server's answer, to check they answer the same. */
  totalOf: {
    api: (body: unknown) => string;
    raw: (body: unknown) => string;
    gql: (body: unknown) => string;
  };
}

/** bench_gql: the API's usage statements as SQL functions, parameters named by their values. */
async function createGraphQLSchema(
  url: string,
  daily: Statement,
  summary: Statement,
  names: Map<unknown, string>,
) {
  const body = (s: Statement) =>
    s.sql.replace(/\$(\d+)/g, (_, n: string) => {
      const name = names.get(s.parameters[Number(n) - 1]);
      if (!name) throw new Error(`no argument for $${n}`);
      return name;
    });
  const amounts = AMOUNTS.map((a) => `${a} numeric`).join(', ');
  const args = 'from_day text, to_day text, account text';
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      DROP SCHEMA IF EXISTS bench_gql CASCADE;
      CREATE SCHEMA bench_gql;
      CREATE TYPE bench_gql.daily_row AS (date text, ${amounts});
      CREATE TYPE bench_gql.summary_row AS (is_total boolean, user_id text, email text, name text, former_member boolean, ${amounts});
      CREATE FUNCTION bench_gql.account_daily(${args}) RETURNS SETOF bench_gql.daily_row
        LANGUAGE sql STABLE AS $body$ ${body(daily)} $body$;
      CREATE FUNCTION bench_gql.account_summary(${args}) RETURNS SETOF bench_gql.summary_row
        LANGUAGE sql STABLE AS $body$ ${body(summary)} $body$;`);
  } finally {
    await client.end();
  }
}

interface Run {
  server: string;
  question: string;
  connections: number;
  p50: number;
  p99: number;
  rps: number;
  failed: number;
}

interface Request {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** One request on a kept-alive connection; resolves when the whole answer has arrived. */
function once(agent: Agent, request: Request): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      request.url,
      { method: request.method, headers: request.headers, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/**
 * One connection: requests one after another for DURATION_S, each timed with performance.now()
 * (autocannon's histogram counts whole milliseconds, too coarse for sub-millisecond answers).
 */
async function sequential(server: string, question: string, request: Request): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const warmUntil = performance.now() + WARM_UP_S * 1_000;
    while (performance.now() < warmUntil) await once(agent, request);
    const samples: number[] = [];
    let failed = 0;
    const started = performance.now();
    const until = started + DURATION_S * 1_000;
    while (performance.now() < until) {
      const t = performance.now();
      const status = await once(agent, request);
      samples.push(performance.now() - t);
      if (status !== 200) failed += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      server,
      question,
      connections: 1,
      p50: quantile(samples, 0.5),
      p99: quantile(samples, 0.99),
      rps: samples.length / seconds,
      failed,
    };
  } finally {
    agent.destroy();
  }
}

/** Many connections: autocannon (whole-millisecond latencies, fine at these values). */
async function hammer(
  server: string,
  question: string,
  connections: number,
  request: Request,
): Promise<Run> {
  if (connections === 1) return sequential(server, question, request);
  const options = { ...request, connections };
  await autocannon({ ...options, duration: WARM_UP_S }); // warm-up, discarded
  const result = await autocannon({ ...options, duration: DURATION_S });
  return {
    server,
    question,
    connections,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    failed: result.errors + result.timeouts + result.non2xx,
  };
}

export async function benchReads(databaseUrl: string): Promise<BenchResult> {
  const folder = mkdtempSync(join(tmpdir(), 'hops-bench-reads-'));
  const servers: RunningServer[] = [];
  try {
    // The question's account: an owner with three members, over the last 30 days of data.
    const db = createDb({ connectionString: databaseUrl, max: 2 });
    const { rows } = await sql<{ owner: string; lastDay: string }>`
      SELECT (SELECT account_owner_id FROM users WHERE account_owner_id IS NOT NULL
              GROUP BY account_owner_id HAVING count(*) = 3 ORDER BY account_owner_id LIMIT 1)
               AS owner,
             (SELECT max(date)::text FROM usage_daily) AS last_day`.execute(db);
    await db.destroy();
    const { owner, lastDay } = rows[0]!;
    const range = { from: addDays(lastDay, -29), to: lastDay };

    // The statements the API runs, recorded through the router as the owner.
    const recorder = recordingDb(databaseUrl, 2);
    const record = async (
      ask: (caller: Awaited<ReturnType<typeof routerCallerAs>>) => Promise<unknown>,
    ) => {
      const caller = await routerCallerAs(recorder.db, owner);
      // Per request the server reads only the question: the caller's row is read once and then
      // kept by the caller cache (server/main.ts) until the user changes.
      recorder.statements.length = 0;
      await ask(caller);
      return [...recorder.statements];
    };
    const dailyStatements = await record((c) => c.usage.daily(range));
    const summaryStatements = await record((c) => c.usage.summary(range));
    await recorder.db.destroy();
    const statementsFile = join(folder, 'statements.json');
    writeFileSync(
      statementsFile,
      JSON.stringify({ daily: dailyStatements, summary: summaryStatements }),
    );
    const names = new Map<unknown, string>([
      [range.from, 'from_day'],
      [range.to, 'to_day'],
      [owner, 'account'],
    ]);
    await createGraphQLSchema(
      databaseUrl,
      dailyStatements.at(-1)!,
      summaryStatements.at(-1)!,
      names,
    );

    const gqlArgs = `fromDay: "${range.from}", toDay: "${range.to}", account: "${owner}"`;
    const sumTotals = (list: { totalCost?: string; total_cost?: string }[]) =>
      list.reduce((n, r) => n + Number(r.totalCost ?? r.total_cost), 0).toFixed(4);
    const questions: Question[] = [
      {
        name: 'usage.daily (one account, 30 days)',
        statements: dailyStatements,
        api: { path: 'usage.daily', input: range },
        graphql: `{ accountDaily(${gqlArgs}) { nodes { date ${FIELDS} } } }`,
        totalOf: {
          api: (b) => sumTotals((b as { result: { data: { totalCost: string }[] } }).result.data),
          raw: (b) => sumTotals((b as { total_cost: string }[][]).at(-1)!),
          gql: (b) =>
            sumTotals(
              (b as { data: { accountDaily: { nodes: { totalCost: string }[] } } }).data
                .accountDaily.nodes,
            ),
        },
      },
      {
        name: 'usage.summary (one account, 30 days)',
        statements: summaryStatements,
        api: { path: 'usage.summary', input: range },
        graphql: `{ accountSummary(${gqlArgs}) { nodes { isTotal userId email name ${FIELDS} } } }`,
        totalOf: {
          api: (b) => (b as { result: { data: { totalCost: string } } }).result.data.totalCost,
          raw: (b) =>
            (b as { is_total: boolean; total_cost: string }[][]).at(-1)!.find((r) => r.is_total)!
              .total_cost,
          gql: (b) =>
            (
              b as {
                data: { accountSummary: { nodes: { isTotal: boolean; totalCost: string }[] } };
              }
            ).data.accountSummary.nodes.find((n) => n.isTotal)!.totalCost,
        },
      },
    ];

    const runs: Run[] = [];
    const answers = new Map<string, string[]>();
    const measure = async (
      server: string,
      requestFor: (q: Question) => Request,
      totalOf: (q: Question, body: unknown) => string,
    ) => {
      for (const q of questions) {
        const request = requestFor(q);
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body ? { body: request.body } : {}),
        });
        const body = (await response.json()) as unknown;
        if (!response.ok)
          throw new Error(
            `${server} ${q.name}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`,
          );
        answers.set(q.name, [...(answers.get(q.name) ?? []), `${server}: ${totalOf(q, body)}`]);
        for (const connections of CONNECTIONS) {
          say(`reads: ${server}, ${q.name}, ${connections} connection(s)`);
          runs.push(await hammer(server, q.name, connections, request));
        }
      }
    };

    say('reads: API server');
    const api = await startApiServer(databaseUrl);
    servers.push(api);
    const cookie = `${SESSION_COOKIE}=${sealSession(api.sessionSecret, owner)}`;
    await measure(
      'API (server/main.ts)',
      (q) => ({
        url: `${api.url}/trpc/${q.api.path}?input=${encodeURIComponent(JSON.stringify(q.api.input))}`,
        method: 'GET',
        headers: { cookie },
      }),
      (q, body) => q.totalOf.api(body),
    );
    await api.stop();

    say('reads: raw pg floor');
    const raw = await startRawServer(databaseUrl, statementsFile);
    servers.push(raw);
    await measure(
      'raw pg (floor)',
      (q) => ({
        url: `${raw.url}/${q === questions[0] ? 'daily' : 'summary'}`,
        method: 'GET',
        headers: {},
      }),
      (q, body) => q.totalOf.raw(body),
    );
    await raw.stop();

    say('reads: PostGraphile 4');
    const gql = await startPostGraphile(databaseUrl);
    servers.push(gql);
    await measure(
      'PostGraphile 4',
      (q) => ({
        url: `${gql.url}/graphql`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: q.graphql }),
      }),
      (q, body) => q.totalOf.gql(body),
    );
    await gql.stop();

    // Ratios, per question and concurrency.
    const find = (server: string, question: string, connections: number) =>
      runs.find(
        (r) =>
          r.server.startsWith(server) && r.question === question && r.connections === connections,
      )!;
    const ratioRows: string[][] = [];
    let latencyWorst = 0;
    let floorWorst = Number.POSITIVE_INFINITY;
    let graphWorst = Number.POSITIVE_INFINITY;
    for (const q of questions) {
      for (const c of CONNECTIONS) {
        const a = find('API', q.name, c);
        const floor = find('raw', q.name, c);
        const graph = find('PostGraphile', q.name, c);
        latencyWorst = Math.max(latencyWorst, a.p50 / floor.p50);
        if (c === 32) {
          floorWorst = Math.min(floorWorst, a.rps / floor.rps);
          graphWorst = Math.min(graphWorst, a.rps / graph.rps);
        }
        ratioRows.push([
          q.name,
          String(c),
          ratio(a.p50 / floor.p50),
          ratio(a.p99 / floor.p99),
          ratio(a.rps / floor.rps),
          ratio(a.rps / graph.rps),
        ]);
      }
    }
    const same = [...answers.entries()].map(
      ([name, list]) => `- ${name}: total cost ${list.join(', ')}`,
    );
    const markdown = [
      `Account \`${owner}\` (owner and 3 members), ${range.from}..${range.to}, as its owner (session cookie). 1 connection: requests one after another on a kept-alive connection, timed with performance.now(); 32 connections: autocannon. ${DURATION_S} s per run after a ${WARM_UP_S} s warm-up; every server in its own process, one at a time, pool of 10 connections each; autocannon shares the 2 CPUs with the server and PostgreSQL.`,
      '',
      'The three answer the same question (checked before measuring):',
      ...same,
      '',
      table(
        ['server', 'question', 'connections', 'p50', 'p99', 'requests/s', 'failed'],
        runs.map((r) => [
          r.server,
          r.question,
          String(r.connections),
          ms(r.p50),
          ms(r.p99),
          fmt(r.rps),
          String(r.failed),
        ]),
      ),
      '',
      table(
        [
          'question',
          'connections',
          'API p50 ÷ raw p50',
          'API p99 ÷ raw p99',
          'API req/s ÷ raw',
          'API req/s ÷ PostGraphile',
        ],
        ratioRows,
      ),
      '',
      `What each does per request — API: Fastify, session cookie check, the caller's user row from the caller cache (read once; forgotten when the user changes, announced by PostgreSQL at commit), tRPC + zod, the procedure's ${dailyStatements.length} (daily) / ${summaryStatements.length} (summary) usage queries via Kysely. Raw floor: the same ${dailyStatements.length} / ${summaryStatements.length} statements through pg, no framework. PostGraphile: one GraphQL request calling SQL functions made of the same usage statements, no authentication.`,
    ].join('\n');
    return {
      title: 'Reads over HTTP: API vs raw pg vs PostGraphile 4',
      command: 'pnpm --filter @hops/bench bench:web (reads, on BENCH_DATABASE_URL)',
      markdown,
      targets: [
        {
          target:
            'API ≥ 0.8× the raw floor in requests/s at 32 connections (usage.daily and usage.summary)',
          measured: `worst ratio ${ratio(floorWorst)}`,
          met: floorWorst >= 0.8,
        },
        {
          target: 'API p50 ≤ 1.3× the raw floor (both questions, 1 and 32 connections)',
          measured: `worst p50 ratio ${ratio(latencyWorst)}`,
          met: latencyWorst <= 1.3,
        },
        {
          target: 'API ≥ 1.2× PostGraphile 4 in requests/s at 32 connections (both questions)',
          measured: `worst ratio ${ratio(graphWorst)}`,
          met: graphWorst >= 1.2,
        },
      ],
      data: { runs },
    };
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect().then(
      () => client.query('DROP SCHEMA IF EXISTS bench_gql CASCADE').finally(() => client.end()),
      () => undefined,
    );
  }
}
