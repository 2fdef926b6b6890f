// hopsworks_clusters.current_users stays exactly the number of assignments (SPEC §2.4; the first
// implementation's counter drifted) through 1 000 random assign / unassign / move operations,
// sequential and in concurrent transactions. The generator is seeded: set HOPS_TEST_SEED to replay.
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './schema.ts';
import { useTestDatabase } from './testing/index.ts';

const SEED = Number(process.env.HOPS_TEST_SEED ?? 20_250_901);
const CLUSTERS = 5;
const USERS = 80;
const CONCURRENT = 20;
const SEQUENTIAL_OPERATIONS = 580;
const CONCURRENT_ROUNDS = 4;
const OPERATIONS_PER_TRANSACTION = 5;

const database = await useTestDatabase({ max: CONCURRENT + 4 });
const { db } = database;

/** mulberry32: small, fast and the same on every machine. */
function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

let clusters: string[] = [];
const users = Array.from({ length: USERS }, (_, i) => `auth0|cu-${String(i).padStart(2, '0')}`);
/** What the assignments must be: user → cluster, or null when unassigned. */
const model = new Map<string, string | null>(users.map((u) => [u, null]));
let operations = 0;

type Executor = typeof db | Transaction<Database>;
type Operation =
  | { kind: 'assign'; user: string; to: string }
  | { kind: 'move'; user: string; from: string; to: string }
  | { kind: 'unassign'; user: string; from: string };

/** A random operation on one of `among`, valid against `state` (which it updates). */
function plan(
  state: Map<string, string | null>,
  among: readonly string[],
  within: readonly string[] = clusters,
): Operation {
  const user = pick(among);
  const from = state.get(user) ?? null;
  let op: Operation;
  if (from === null) op = { kind: 'assign', user, to: pick(within) };
  else if (random() < 0.6)
    op = { kind: 'move', user, from, to: pick(within.filter((c) => c !== from)) };
  else op = { kind: 'unassign', user, from };
  state.set(user, op.kind === 'unassign' ? null : op.to);
  return op;
}

async function run(executor: Executor, op: Operation): Promise<void> {
  if (op.kind === 'assign') {
    await executor
      .insertInto('userHopsworksAssignments')
      .values({ userId: op.user, hopsworksClusterId: op.to })
      .execute();
  } else if (op.kind === 'move') {
    await executor
      .updateTable('userHopsworksAssignments')
      .set({ hopsworksClusterId: op.to })
      .where('userId', '=', op.user)
      .execute();
  } else {
    await executor.deleteFrom('userHopsworksAssignments').where('userId', '=', op.user).execute();
  }
}

/** current_users equals the real count, and the assignments are the model's. */
async function expectExact(when: string): Promise<void> {
  const counts = await sql<{ id: string; currentUsers: number; real: number }>`
    SELECT c.id, c.current_users,
           (SELECT count(*) FROM user_hopsworks_assignments a
            WHERE a.hopsworks_cluster_id = c.id) AS real
    FROM hopsworks_clusters c ORDER BY c.id`.execute(db);
  const expected = new Map(clusters.map((c) => [c, 0]));
  for (const cluster of model.values()) {
    if (cluster) expected.set(cluster, expected.get(cluster)! + 1);
  }
  expect(
    counts.rows.map((r) => [r.id, r.currentUsers]),
    `${when} (seed ${SEED})`,
  ).toEqual(counts.rows.map((r) => [r.id, r.real]));
  expect(
    Object.fromEntries(counts.rows.map((r) => [r.id, r.currentUsers])),
    `${when}: counts against the model (seed ${SEED})`,
  ).toEqual(Object.fromEntries(expected));
  const assignments = await db
    .selectFrom('userHopsworksAssignments')
    .select(['userId', 'hopsworksClusterId'])
    .execute();
  const actual = new Map<string, string | null>(users.map((u) => [u, null]));
  for (const a of assignments) actual.set(a.userId, a.hopsworksClusterId);
  expect(actual, `${when}: assignments (seed ${SEED})`).toEqual(model);
}

/**
 * Runs the works as parallel transactions, each on its own pool connection, released together
 * once all have begun so that they really overlap. Returns the failures (none expected).
 */
async function concurrently(
  works: ((trx: Transaction<Database>) => Promise<void>)[],
): Promise<unknown[]> {
  let begun = 0;
  let release!: () => void;
  const allBegun = new Promise<void>((resolve) => (release = resolve));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`only ${begun} of ${works.length} transactions began`));
    }, 10_000);
  });
  timeout.catch(() => undefined); // reported through the race below, if at all
  const results = await Promise.allSettled(
    works.map((work) =>
      db.transaction().execute(async (trx) => {
        begun += 1;
        if (begun === works.length) release();
        await Promise.race([allBegun, timeout]);
        await work(trx);
      }),
    ),
  );
  clearTimeout(timer);
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
}

beforeAll(async () => {
  // Should a deadlock happen below, let PostgreSQL find it in 50 ms instead of the default second.
  // Needs a superuser; without one a failure is only slower to show.
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin
    .query(`ALTER DATABASE ${database.name} SET deadlock_timeout = '50ms'`)
    .catch(() => undefined);
  await admin.end();

  const inserted = await db
    .insertInto('hopsworksClusters')
    .values(
      Array.from({ length: CLUSTERS }, (_, i) => ({
        name: `cu-cluster-${i}`,
        apiUrl: `https://cu-${i}.hopsworks.test`,
        apiKey: 'enc:v1:x:y:z',
        maxUsers: USERS,
      })),
    )
    .returning('id')
    .execute();
  clusters = inserted.map((c) => c.id).sort();
  await db
    .insertInto('users')
    .values(users.map((id) => ({ id, email: `${id.slice(6)}@current-users.test` })))
    .execute();
});

describe('current_users', () => {
  it('stays exact through random sequential operations', async () => {
    for (let i = 0; i < SEQUENTIAL_OPERATIONS; i++) {
      const roll = random();
      if (roll < 0.03) {
        // One statement moving every user of a cluster to another.
        const [from, to] = [pick(clusters), pick(clusters)];
        await db
          .updateTable('userHopsworksAssignments')
          .set({ hopsworksClusterId: to })
          .where('hopsworksClusterId', '=', from)
          .execute();
        for (const [user, cluster] of model) if (cluster === from) model.set(user, to);
      } else if (roll < 0.05) {
        // Deleting a user cascades to the assignment; the user then signs up again.
        const user = pick(users);
        await db.deleteFrom('users').where('id', '=', user).execute();
        await db
          .insertInto('users')
          .values({ id: user, email: `${user.slice(6)}@current-users.test` })
          .execute();
        model.set(user, null);
      } else if (roll < 0.08) {
        // A transaction whose second half is rolled back to a savepoint, or that fails entirely.
        const state = new Map(model);
        const kept = plan(state, users);
        const undone = plan(
          state,
          users.filter((u) => u !== kept.user),
        );
        const commit = random() < 0.5;
        await db
          .transaction()
          .execute(async (trx) => {
            await run(trx, kept);
            await sql`SAVEPOINT undo`.execute(trx);
            await run(trx, undone);
            await sql`ROLLBACK TO SAVEPOINT undo`.execute(trx);
            if (!commit) throw new Error('rolled back on purpose');
          })
          .catch((error: Error) => {
            if (error.message !== 'rolled back on purpose') throw error;
          });
        if (commit) model.set(kept.user, kept.kind === 'unassign' ? null : kept.to);
      } else {
        const state = new Map(model);
        const op = plan(state, users);
        await run(db, op);
        model.set(op.user, state.get(op.user)!);
      }
      operations += 1;
      if (i % 100 === 99) await expectExact(`after ${i + 1} sequential operations`);
    }
    await expectExact('after the sequential operations');
  });

  it('does not deadlock on single moves in opposite directions', async () => {
    const [a, b] = clusters as [string, string];
    const movers = users.slice(0, CONCURRENT);
    // Put even movers on A and odd ones on B; then all at once, each crosses to the other side.
    for (const [i, user] of movers.entries()) {
      const to = i % 2 === 0 ? a : b;
      const from = model.get(user) ?? null;
      if (from === to) continue;
      await run(
        db,
        from === null ? { kind: 'assign', user, to } : { kind: 'move', user, from, to },
      );
      model.set(user, to);
      operations += 1;
    }
    const failures = await concurrently(
      movers.map((user, i) => async (trx) => {
        const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
        await run(trx, { kind: 'move', user, from, to });
        // Hold both cluster rows a moment so that the others queue behind them.
        await sql`SELECT pg_sleep(0.01)`.execute(trx);
      }),
    );
    expect(failures, 'no move may fail, not even with a deadlock').toEqual([]);
    for (const [i, user] of movers.entries()) model.set(user, i % 2 === 0 ? b : a);
    operations += CONCURRENT;
    await expectExact('after the opposite moves');
  });

  it(`stays exact through ${CONCURRENT} concurrent transactions of several operations`, async () => {
    // Each transaction works on its own users, so the end state does not depend on who wins a
    // lock; the clusters are shared, so the counters are fought over. Transaction i works between
    // clusters i and i+1 (mod 5), so four transactions share each pair and each cluster is in
    // two pairs. Its first operation is a move, which locks both clusters in id order; the rest
    // (moves both ways, assignments, unassignments) stay within the pair.
    const groups = Array.from({ length: CONCURRENT }, (_, i) =>
      users.filter((_, u) => u % CONCURRENT === i),
    );
    const pairs = groups.map((_, i) => [clusters[i % CLUSTERS]!, clusters[(i + 1) % CLUSTERS]!]);
    for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
      // Bring each group inside its pair, its first user assigned (sequential operations).
      for (const [i, group] of groups.entries()) {
        const pair = pairs[i]!;
        for (const [u, user] of group.entries()) {
          const from = model.get(user) ?? null;
          if (from !== null && pair.includes(from)) continue;
          if (from === null && u > 0) continue;
          const to = pick(pair);
          await run(
            db,
            from === null ? { kind: 'assign', user, to } : { kind: 'move', user, from, to },
          );
          model.set(user, to);
          operations += 1;
        }
      }
      const plans = groups.map((group, i) => {
        const pair = pairs[i]!;
        const state = new Map(model);
        const first = group[0]!;
        const from = state.get(first)!;
        const to = pair.find((c) => c !== from)!;
        state.set(first, to);
        const ops: Operation[] = [{ kind: 'move', user: first, from, to }];
        while (ops.length < OPERATIONS_PER_TRANSACTION) ops.push(plan(state, group, pair));
        return { ops, state, group };
      });
      // The plans include moves both ways between the same clusters, within and across transactions.
      const moves = new Set(
        plans.flatMap((p) =>
          p.ops.filter((o) => o.kind === 'move').map((o) => `${o.from}>${o.to}`),
        ),
      );
      expect(
        [...moves].filter((m) => moves.has(m.split('>').reverse().join('>'))).length,
      ).toBeGreaterThan(0);

      const failures = await concurrently(
        plans.map((p) => async (trx) => {
          for (const op of p.ops) await run(trx, op);
        }),
      );
      expect(
        failures,
        `round ${round + 1}: no transaction may fail, not even with a deadlock`,
      ).toEqual([]);
      for (const p of plans) for (const user of p.group) model.set(user, p.state.get(user)!);
      operations += CONCURRENT * OPERATIONS_PER_TRANSACTION;
      await expectExact(`after concurrent round ${round + 1}`);
    }
  });

  it('counted 1 000 operations', () => {
    expect(operations).toBeGreaterThanOrEqual(1000);
  });
});
