// The benchmark data generator (its command line: data.ts): accounts (owners with 0–3 members, one
// in ten prepaid), clusters and assignments set-based in SQL, credits through the product's grant,
// and every user's daily usage through the product's set-based ingestion (usage.ingest's service,
// batches of 10 000), with a progress bar; and the data sets the other benchmarks run on.
import { SingleBar } from 'cli-progress';
import {
  grantCredits,
  ingestUsage,
  SecretBox,
  seedDemoData,
  SYSTEM_ACTOR,
  migrateJobQueue,
  type UsageRecordInput,
} from '@hops/api';
import { addDays, utcDay } from '@hops/api/days';
import { createDb, inTransaction, migrateToLatest, type Db } from '@hops/db';
import { sql } from 'kysely';
import { say } from './report.ts';
import { createScratchDatabase, dropScratchDatabase } from './scratch.ts';

export const BATCH = 10_000;

/** Members of account i (0–3, 1.5 on average): 2.5 users per account. */
export const membersOf = (account: number) => account % 4;
export const usersPerAccount = (accounts: number) => {
  let users = 0;
  for (let i = 0; i < accounts; i++) users += 1 + membersOf(i);
  return users / accounts;
};
export const ownerId = (account: number) => `gen|a${account}`;
export const memberId = (account: number, member: number) => `gen|a${account}m${member}`;

/**
 * Owners, members, clusters and assignments in a few set-based statements; credits for prepaid
 * owners through the product's grant (so their ledger is the product's). Returns the user ids of
 * each account, owner first.
 */
export async function buildAccounts(db: Db, accounts: number): Promise<string[][]> {
  const existing = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id', 'like', 'gen|%')
    .executeTakeFirstOrThrow();
  const teams = Array.from({ length: accounts }, (_, i) => [
    ownerId(i),
    ...Array.from({ length: membersOf(i) }, (_, j) => memberId(i, j + 1)),
  ]);
  if (existing.n > 0) {
    // Already built: usage is re-sent (idempotent), for the same accounts only.
    if (existing.n !== teams.flat().length) {
      throw new Error(
        `This database holds another generated data set (${existing.n} users); use a fresh database.`,
      );
    }
    return teams;
  }

  const users = teams.flat().length;
  const clusters = Math.max(3, Math.ceil(users / 4_000));
  await sql`
    INSERT INTO hopsworks_clusters (name, api_url, api_key, max_users)
    SELECT 'gen-' || c, 'https://gen-' || c || '.hopsworks.test', 'not-a-real-key', 5000
    FROM generate_series(1, ${clusters}) c`.execute(db);
  await sql`
    INSERT INTO users (id, email, name, billing_mode, stripe_customer_id)
    SELECT 'gen|a' || i, 'a' || i || '@gen.test', 'Account ' || i,
           CASE WHEN i % 10 = 0 THEN 'prepaid' ELSE 'postpaid' END,
           CASE WHEN i % 10 = 0 THEN NULL ELSE 'cus_gen_' || i END
    FROM generate_series(0, ${accounts - 1}) i`.execute(db);
  await sql`
    INSERT INTO users (id, email, name, account_owner_id)
    SELECT 'gen|a' || i || 'm' || j, 'a' || i || 'm' || j || '@gen.test', 'Member ' || i || '.' || j,
           'gen|a' || i
    FROM generate_series(0, ${accounts - 1}) i, generate_series(1, 3) j
    WHERE j <= i % 4`.execute(db);
  // Whole accounts on one cluster each, round robin.
  await sql`
    INSERT INTO user_hopsworks_assignments (user_id, hopsworks_cluster_id, assigned_by)
    SELECT u.id, c.id, 'system'
    FROM users u
    JOIN LATERAL (SELECT substring(coalesce(u.account_owner_id, u.id) FROM 'gen\\|a(\\d+)')::int AS n) a
      ON true
    JOIN (SELECT id, row_number() OVER (ORDER BY name) - 1 AS k FROM hopsworks_clusters
          WHERE name LIKE 'gen-%') c ON c.k = a.n % ${clusters}
    WHERE u.id LIKE 'gen|%'`.execute(db);
  // Prepaid owners: most with plenty of credits, every other one with little (it runs out).
  for (let i = 0; i < accounts; i += 10) {
    await inTransaction(db, (trx) =>
      grantCredits(trx, SYSTEM_ACTOR, {
        userId: ownerId(i),
        amount: i % 20 === 0 ? '5' : '1000000',
        pool: 'paid',
        reason: 'benchmark data',
      }),
    );
  }
  return teams;
}

/** A small, fast deterministic generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A quantity with up to 4 decimals below `max`, as collectors send it. */
const quantity = (rand: () => number, max: number) =>
  (Math.floor(rand() * max * 10_000) / 10_000).toString();

/** One user-day, the same on every run for the same user and day. */
export function usageOf(userId: string, userIndex: number, date: string): UsageRecordInput {
  const rand = random(userIndex * 100_003 + Date.parse(date) / 86_400_000);
  const gpu = userIndex % 5 === 0;
  return {
    userId,
    date,
    cpuHours: quantity(rand, 24),
    gpuHours: gpu ? quantity(rand, 8) : '0',
    ramGbHours: quantity(rand, 200),
    onlineStorageGb: quantity(rand, 500),
    offlineStorageGb: quantity(rand, 5_000),
    networkEgressGb: quantity(rand, 50),
  };
}

/** The batches of one worker: its users' days, day by day, 10 000 records at a time. */
export function* batchesOf(
  users: readonly { id: string; index: number }[],
  firstDay: string,
  days: number,
  size = BATCH,
): Generator<UsageRecordInput[]> {
  let batch: UsageRecordInput[] = [];
  for (let d = 0; d < days; d++) {
    const date = addDays(firstDay, d);
    for (const user of users) {
      batch.push(usageOf(user.id, user.index, date));
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

export interface GenerateResult {
  accounts: number;
  days: number;
  users: number;
  rows: number;
  firstDay: string;
  lastDay: string;
  concurrency: number;
  seconds: number;
  rowsPerSecond: number;
  /** Extrapolated, same mix, same machine: 10 000 accounts × 365 days. */
  fullScale: { rows: number; seconds: number };
}

export async function generate(
  db: Db,
  options: { accounts: number; days: number; concurrency: number; lastDay?: string },
): Promise<GenerateResult> {
  await migrateToLatest(db);
  const teams = await buildAccounts(db, options.accounts);
  const lastDay = options.lastDay ?? addDays(utcDay(new Date()), -1);
  const firstDay = addDays(lastDay, -(options.days - 1));
  const users = teams.flat().map((id, index) => ({ id, index }));
  const byId = new Map(users.map((u) => [u.id, u]));
  const total = users.length * options.days;

  // Workers own disjoint accounts, so their batches never wait for each other's row locks.
  const workers = Array.from({ length: options.concurrency }, (_, w) =>
    teams
      .filter((_, account) => account % options.concurrency === w)
      .flat()
      .map((id) => byId.get(id)!),
  );
  const bar = new SingleBar({
    format: 'usage |{bar}| {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta}s',
    noTTYOutput: !process.stdout.isTTY,
    notTTYSchedule: 5_000,
    hideCursor: true,
  });
  bar.start(total, 0, { speed: 0 });
  const started = performance.now();
  let done = 0;
  let failed = false;
  const outcomes = await Promise.allSettled(
    workers.map(async (mine) => {
      for (const batch of batchesOf(mine, firstDay, options.days)) {
        if (failed) return;
        await inTransaction(db, (trx) => ingestUsage(trx, SYSTEM_ACTOR, batch)).catch(
          (error: unknown) => {
            failed = true;
            throw error;
          },
        );
        done += batch.length;
        const seconds = (performance.now() - started) / 1000;
        bar.update(done, { speed: Math.round(done / seconds) });
      }
    }),
  );
  bar.stop();
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  const seconds = (performance.now() - started) / 1000;
  await sql`ANALYZE`.execute(db);
  const rowsPerSecond = total / seconds;
  const fullRows = Math.round(11_000 * usersPerAccount(11_000) * 365);
  return {
    accounts: options.accounts,
    days: options.days,
    users: users.length,
    rows: total,
    firstDay,
    lastDay,
    concurrency: options.concurrency,
    seconds,
    rowsPerSecond,
    fullScale: { rows: fullRows, seconds: fullRows / rowsPerSecond },
  };
}

/**
 * Runs `work` on BENCH_DATABASE_URL (the data set `pnpm bench` generates first); without it, on a
 * small data set (200 accounts × 90 days) generated into a scratch database and dropped after.
 */
export async function onBenchData<T>(label: string, work: (url: string) => Promise<T>): Promise<T> {
  const given = process.env.BENCH_DATABASE_URL;
  if (given) return work(given);
  const scratch = `hops_bench_${label}_${process.pid}`;
  try {
    say(`${label}: no BENCH_DATABASE_URL; generating 200 accounts × 90 days`);
    const url = await createScratchDatabase(scratch);
    const db = createDb({ connectionString: url, max: 4 });
    await generate(db, { accounts: 200, days: 90, concurrency: 2 }).finally(() => db.destroy());
    return await work(url);
  } finally {
    await dropScratchDatabase(scratch);
  }
}

const QUIET = { info: () => undefined, warn: console.warn, error: console.error };

/**
 * Migrates the database at `url` (its tables and the job queue's: the seed writes jobs, as the
 * product's start does) and adds the demo data (the product's seed, as `pnpm db:seed`).
 */
export async function seedDemoDatabase(url: string): Promise<void> {
  const db = createDb({ connectionString: url, max: 2 });
  try {
    await migrateToLatest(db);
    await migrateJobQueue({ connectionString: url, log: QUIET });
    await seedDemoData(db, { secrets: new SecretBox(Buffer.alloc(32, 7).toString('base64')) });
  } finally {
    await db.destroy();
  }
}
