// Collection: the OpenCost collector through `clusters.collectNow` (the router, as an admin's
// "Collect now" runs it; the hourly job calls the same collectUsage) against a fake OpenCost and a
// fake Hopsworks admin API over HTTPS on loopback, their certificate trusted as the cluster's
// ca_certificate: one cluster-hour of 1 000 namespaces (1 000 people), and 48 hours of 200 (200
// people), each read, mapped, and written (usage_hourly, the hours' record, every user-day
// recomputed through ingestUsage), next to ingestUsage of the same user-days, computed here from
// the same hours, into an identical database: the floor it is built on. Every round runs on fresh
// copies of one database; the user-days the collector wrote must total exactly what the floor
// wrote, or the bench fails.
import { ingestUsage, SYSTEM_ACTOR, type UsageRecordInput } from '@hops/api';
import { utcDay } from '@hops/api/days';
import { divideHalfEven, printUnits } from '@hops/api/decimal';
import { AMOUNT_FIELDS, columnOf } from '@hops/api/resources';
import { createDb, inTransaction, migrateToLatest, type Db } from '@hops/db';
import { startFakeHopsworks, type FakeHopsworks } from '@hops/fakes/hopsworks';
import { startFakeOpenCost, type FakeAllocation, type FakeOpenCost } from '@hops/fakes/opencost';
import { selfSignedCertificate } from '@hops/fakes/tls';
import { sql } from 'kysely';
import { buildAccounts, random } from '../generate.ts';
import { fmt, median, ms, ratio, say, table, type BenchResult } from '../report.ts';
import { createScratchDatabase, dropScratchDatabase } from '../scratch.ts';
import { benchDeps, oneLine, routerCallerAs, timingDb } from './support.ts';

const HOUR_MS = 3_600_000;
const WINDOW_HOURS = 48;
const GIB = 2n ** 30n;
const TOKEN = 'bench-opencost-token';
const ADMIN = 'bench|collector-admin';

export interface CollectionScenario {
  /** Namespaces (projects), one person each; a multiple of 10 (whole generated accounts). */
  namespaces: number;
  /** Hours one run collects: 1 (the steady state) or 48 (a cluster catching up). */
  hours: number;
}

interface Round {
  collectMs: number;
  /** Of collectMs, the time in PostgreSQL, and the statements that took most of it. */
  sqlMs: number;
  slowest: { sql: string; ms: number; calls: number }[];
  floorMs: number;
  userDays: number;
  totals: Totals;
}

type Totals = Record<string, string>;

/** The start of the newest completed UTC hour at `at` (as the collector counts). */
const lastCompletedHour = (at: Date) => Math.floor(at.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS;

/** Namespace i's hour, the same on every run: CPU and GPU in thousandths, bytes whole. */
function allocationOf(index: number, hour: number) {
  const rand = random(index * 100_003 + hour / HOUR_MS);
  return {
    cpuMilli: BigInt(Math.floor(rand() * 4_000)),
    gpuMilli: index % 5 === 0 ? BigInt(Math.floor(rand() * 1_000)) : 0n,
    ram: BigInt(Math.floor(rand() * 64 * 2 ** 30)),
    pv: BigInt(Math.floor(rand() * 500 * 2 ** 30)),
    net: BigInt(Math.floor(rand() * 2 ** 30)),
  };
}

/** As OpenCost answers it (JSON numbers). */
function fakeAllocationOf(index: number, hour: number): FakeAllocation {
  const a = allocationOf(index, hour);
  return {
    minutes: 60,
    cpuCoreHours: Number(a.cpuMilli) / 1000,
    gpuHours: Number(a.gpuMilli) / 1000,
    ramByteHours: Number(a.ram),
    pvByteHours: Number(a.pv),
    networkTransferBytes: Number(a.net),
  };
}

const namespaceOf = (index: number) => `proj-${index}`;

/**
 * The user-days those hours make, computed here in exact integers (SPEC §9: CPU and GPU hours
 * summed, RAM and egress bytes ÷ 2³⁰, online storage the day's average, each rounded half-even to
 * 4 decimals once), each with its namespace's breakdown: what the floor ingests.
 */
function userDaysOf(
  users: readonly string[],
  clusterId: string,
  hours: readonly number[],
): UsageRecordInput[] {
  const records: UsageRecordInput[] = [];
  const at4 = (units: bigint) => printUnits(units, 4);
  users.forEach((userId, index) => {
    const days = new Map<string, ReturnType<typeof allocationOf>[]>();
    for (const hour of hours) {
      const day = utcDay(new Date(hour));
      days.set(day, [...(days.get(day) ?? []), allocationOf(index, hour)]);
    }
    for (const [date, parts] of days) {
      const total = (pick: (a: ReturnType<typeof allocationOf>) => bigint) =>
        parts.reduce((acc, a) => acc + pick(a), 0n);
      const quantities = {
        cpuHours: at4(total((a) => a.cpuMilli) * 10n),
        gpuHours: at4(total((a) => a.gpuMilli) * 10n),
        ramGbHours: at4(divideHalfEven(total((a) => a.ram) * 10_000n, GIB)),
        onlineStorageGb: at4(divideHalfEven(total((a) => a.pv) * 10_000n, GIB * 24n)),
        offlineStorageGb: at4(0n),
        networkEgressGb: at4(divideHalfEven(total((a) => a.net) * 10_000n, GIB)),
      };
      records.push({
        userId,
        date,
        hopsworksClusterId: clusterId,
        projectBreakdown: { [namespaceOf(index)]: quantities },
        ...quantities,
      });
    }
  });
  return records;
}

/** What the user-days of a database add up to: every amount column, payers and counts. */
async function totalsOf(db: Db): Promise<Totals> {
  const sums = AMOUNT_FIELDS.map(columnOf)
    .map((c) => `coalesce(sum(${c}), 0)::text AS ${c}`)
    .join(', ');
  const { rows } = await sql<Totals>`
    SELECT count(*)::text AS user_days, count(DISTINCT account_owner_id)::text AS payers,
           count(DISTINCT hopsworks_cluster_id)::text AS clusters, ${sql.raw(sums)}
    FROM usage_daily`.execute(db);
  return rows[0]!;
}

/**
 * The scenario's database, copied for every round: generated accounts (one in ten prepaid) of
 * exactly `namespaces` people, an admin, and the cluster (through clusters.create, its key and
 * token sealed) every person is placed on with a Hopsworks username: the creator of their project.
 */
async function buildBase(
  name: string,
  scenario: CollectionScenario,
  deps: ReturnType<typeof benchDeps>,
  fakes: { openCost: FakeOpenCost; hopsworks: FakeHopsworks; cert: string },
): Promise<{ clusterId: string; users: string[] }> {
  const url = await createScratchDatabase(name);
  const db = createDb({ connectionString: url, max: 4 });
  try {
    await migrateToLatest(db);
    const users = (await buildAccounts(db, (scenario.namespaces * 2) / 5)).flat();
    if (users.length !== scenario.namespaces) {
      throw new Error(`bench: ${users.length} people for ${scenario.namespaces} namespaces`);
    }
    await db
      .insertInto('users')
      .values({ id: ADMIN, email: 'collector-admin@bench.test', name: 'Admin', isAdmin: true })
      .execute();
    const admin = await routerCallerAs(db, ADMIN, deps);
    const { id: clusterId } = await admin.clusters.create({
      name: 'bench-opencost',
      apiUrl: fakes.hopsworks.url,
      apiKey: fakes.hopsworks.apiKey,
      maxUsers: 5_000,
      caCertificate: fakes.cert,
      openCostUrl: fakes.openCost.url,
      openCostToken: TOKEN,
    });
    await sql`
      UPDATE user_hopsworks_assignments a
      SET hopsworks_cluster_id = ${clusterId}::uuid, hopsworks_username = t.username
      FROM unnest(${users}::text[], ${users.map((_, i) => `hw${i}`)}::text[]) AS t(user_id, username)
      WHERE a.user_id = t.user_id`.execute(db);
    return { clusterId, users };
  } finally {
    await db.destroy();
  }
}

async function runScenario(
  scenario: CollectionScenario,
  rounds: number,
  tag: string,
): Promise<Round[]> {
  const tls = selfSignedCertificate();
  const [openCost, hopsworks] = await Promise.all([
    startFakeOpenCost({ tls, token: TOKEN }),
    startFakeHopsworks({ tls }),
  ]);
  const deps = benchDeps();
  const base = `hops_bench_collect_${scenario.namespaces}_${scenario.hours}_${tag}`;
  const collectName = `${base}_c`;
  const floorName = `${base}_f`;
  try {
    for (let i = 0; i < scenario.namespaces; i++) {
      hopsworks.projects.push({ name: `Proj_${i}`, creator: { username: `hw${i}` } });
    }
    // Every hour a run may read (and a few after, should the clock turn an hour meanwhile).
    const start = lastCompletedHour(new Date());
    for (
      let hour = start - (scenario.hours - 1) * HOUR_MS;
      hour <= start + 3 * HOUR_MS;
      hour += HOUR_MS
    ) {
      const namespaces: Record<string, FakeAllocation> = {};
      for (let i = 0; i < scenario.namespaces; i++) {
        namespaces[namespaceOf(i)] = fakeAllocationOf(i, hour);
      }
      openCost.setHour(new Date(hour), namespaces);
    }
    const { clusterId, users } = await buildBase(base, scenario, deps, {
      openCost,
      hopsworks,
      cert: tls.cert,
    });

    const results: Round[] = [];
    while (results.length < rounds) {
      const collectUrl = await createScratchDatabase(collectName, { template: base });
      const floorUrl = await createScratchDatabase(floorName, { template: base });
      const timed = timingDb(collectUrl);
      const collectDb = timed.db;
      const floorDb = createDb({ connectionString: floorUrl, max: 4 });
      try {
        const admin = await routerCallerAs(collectDb, ADMIN, deps);
        const before = new Date();
        const last = lastCompletedHour(before);
        const hours = Array.from(
          { length: scenario.hours },
          (_, k) => last - (scenario.hours - 1 - k) * HOUR_MS,
        );
        // The window's earlier hours were collected by earlier runs: this one reads `hours`.
        const earlier = Array.from({ length: WINDOW_HOURS - scenario.hours }, (_, k) =>
          new Date(hours[0]! - (k + 1) * HOUR_MS).toISOString(),
        );
        if (earlier.length > 0) {
          await sql`
            INSERT INTO usage_collection_hours (cluster_id, hour, state, attempts, minutes,
              namespaces, unmapped, collected_at)
            SELECT ${clusterId}::uuid, h, 'complete', 1, 60, ${scenario.namespaces}, 0, now()
            FROM unnest(${earlier}::timestamptz[]) AS h`.execute(collectDb);
        }

        timed.reset();
        let started = performance.now();
        const { clusters } = await admin.clusters.collectNow({ clusterId });
        const collectMs = performance.now() - started;
        const spent = [...timed.spent].map(([text, t]) => ({ sql: oneLine(text), ...t }));
        const sqlMs = spent.reduce((acc, t) => acc + t.ms, 0);
        const slowest = spent.sort((a, b) => b.ms - a.ms).slice(0, 3);
        if (lastCompletedHour(new Date()) !== last) {
          say('collection: the clock turned an hour during the round; running it again');
          continue;
        }
        const run = clusters[0]!;
        if (
          run.error !== null ||
          run.hours !== scenario.hours ||
          run.namespaces !== scenario.namespaces ||
          run.unmapped !== 0 ||
          run.users !== scenario.namespaces
        ) {
          throw new Error(
            `bench: the collector's run was not the one set up: ${JSON.stringify(run)}`,
          );
        }

        const records = userDaysOf(users, clusterId, hours);
        const today = utcDay(before);
        started = performance.now();
        await inTransaction(floorDb, async (trx) => {
          for (let at = 0; at < records.length; at += 10_000) {
            await ingestUsage(trx, SYSTEM_ACTOR, records.slice(at, at + 10_000), {
              today,
              mail: { secrets: deps.secrets },
            });
          }
        });
        const floorMs = performance.now() - started;

        const [collected, floor] = await Promise.all([totalsOf(collectDb), totalsOf(floorDb)]);
        if (JSON.stringify(collected) !== JSON.stringify(floor)) {
          console.error('collector:', collected, '\nfloor:', floor);
          throw new Error(
            'bench: the user-days the collector wrote do not total what ingestUsage of the same user-days wrote',
          );
        }
        if (Number(collected.userDays) !== records.length) {
          throw new Error(
            `bench: ${collected.userDays} user-days written, ${records.length} expected`,
          );
        }
        say(
          `collection: ${scenario.namespaces} namespaces × ${scenario.hours} h: ${ms(collectMs)}, ` +
            `${ms(sqlMs)} in SQL (floor ${ms(floorMs)}, ${records.length} user-days, totals equal)`,
        );
        for (const t of slowest) say(`  ${ms(t.ms)} in ${t.calls}× ${t.sql.slice(0, 100)}`);
        results.push({
          collectMs,
          sqlMs,
          slowest,
          floorMs,
          userDays: records.length,
          totals: collected,
        });
      } finally {
        await Promise.all([collectDb.destroy(), floorDb.destroy()]);
        await dropScratchDatabase(collectName);
        await dropScratchDatabase(floorName);
      }
    }
    return results;
  } finally {
    await Promise.all([openCost.close(), hopsworks.close()]);
    await dropScratchDatabase(collectName);
    await dropScratchDatabase(floorName);
    await dropScratchDatabase(base);
  }
}

export async function benchCollection(options: {
  rounds: number;
  scenarios: readonly CollectionScenario[];
}): Promise<BenchResult> {
  const tag = `${process.pid}`;
  const measured: { scenario: CollectionScenario; rounds: Round[] }[] = [];
  for (const scenario of options.scenarios) {
    say(
      `collection: ${scenario.namespaces} namespaces × ${scenario.hours} h, ${options.rounds} rounds`,
    );
    measured.push({ scenario, rounds: await runScenario(scenario, options.rounds, tag) });
  }

  const rows = measured.map(({ scenario, rounds }) => {
    const collect = median(rounds.map((r) => r.collectMs));
    const floor = median(rounds.map((r) => r.floorMs));
    // Where the median round's time went.
    const { sqlMs: inSql, slowest } = rounds.find((r) => r.collectMs === collect)!;
    // Each round's two runs are side by side under the same load: the median of their ratios.
    const paired = median(rounds.map((r) => r.collectMs / r.floorMs));
    return {
      scenario,
      rounds,
      collect,
      floor,
      paired,
      inSql,
      slowest,
      userDays: rounds[0]!.userDays,
    };
  });
  const label = (s: CollectionScenario) =>
    `${s.hours === 1 ? 'one cluster-hour' : `${s.hours} hours`} of ${fmt(s.namespaces)} namespaces (${fmt(s.namespaces)} people)`;
  const markdown = [
    `Each run is \`clusters.collectNow\` for one cluster (the router, as an admin's "Collect now"; the hourly job calls the same collectUsage): ` +
      'the project list from the fake Hopsworks admin API, one OpenCost allocation request per hour, namespaces mapped to people ' +
      '(their Hopsworks usernames on the cluster), usage_hourly and the hours written, and every user-day touched recomputed and written ' +
      'through ingestUsage, in one transaction. Both fakes answer over HTTPS on loopback with a self-signed certificate trusted as the ' +
      "cluster's ca_certificate. The one-hour run finds the window's 47 earlier hours collected; the 48-hour run finds none. " +
      'The floor is ingestUsage of the same user-days (computed here from the same hours, with their project breakdown) in one transaction ' +
      'into an identical copy of the database; accounts as generated (0–3 members, one in ten prepaid). ' +
      `Medians over ${options.rounds} rounds, each on fresh copies (the ratio: the median of each round's collector ÷ its floor, run one after the other); in every round the collector's usage_daily totals ` +
      '(every quantity and cost column, payers, user-days) equalled the floor’s.',
    '',
    table(
      [
        'run',
        'user-days',
        'collector',
        'of which in PostgreSQL',
        'per hour collected',
        'ingestUsage of the same user-days (floor)',
        'collector ÷ floor (median of the rounds)',
      ],
      rows.map((r) => [
        label(r.scenario),
        fmt(r.userDays),
        ms(r.collect),
        ms(r.inSql),
        ms(r.collect / r.scenario.hours),
        ms(r.floor),
        ratio(r.paired),
      ]),
    ),
    '',
    `Total cost written per run: ${rows.map((r) => `${label(r.scenario)} $${r.rounds[0]!.totals.totalCost}`).join('; ')}. ` +
      '"Of which in PostgreSQL": how long the median round waited on its statements; the rest is the calls to the fakes (a new TLS connection each) and JavaScript.',
    '',
    ...rows.map(
      (r) =>
        `<details><summary>The collector's slowest statements, ${label(r.scenario)} (the median round)</summary>\n\n` +
        table(
          ['time', 'calls', 'statement'],
          r.slowest.map((t) => [
            ms(t.ms),
            fmt(t.calls),
            `\`${t.sql.slice(0, 160).replaceAll('|', '\\|')}\``,
          ]),
        ) +
        '\n\n</details>',
    ),
  ].join('\n');
  const hourly = rows.find((r) => r.scenario.hours === 1);
  return {
    title: 'Collection: the OpenCost collector vs ingestUsage of the same user-days',
    command: 'BENCH_ONLY=collection pnpm --filter @hops/bench bench:api',
    markdown,
    targets: hourly
      ? [
          {
            target: `collection of one cluster-hour of ${fmt(hourly.scenario.namespaces)} namespaces ≤ 2× its floor (ingestUsage of the same user-days)`,
            measured: `${ms(hourly.collect)} vs ${ms(hourly.floor)}: ${ratio(hourly.paired)}; usage_daily totals equal`,
            met: hourly.paired <= 2,
          },
        ]
      : [],
    data: rows.map((r) => ({
      ...r.scenario,
      userDays: r.userDays,
      collectMs: r.rounds.map((x) => x.collectMs),
      floorMs: r.rounds.map((x) => x.floorMs),
    })),
  };
}
