// Cluster assignment under contention: 500 concurrent sign-ins (signIn, the one sign-in path) of
// eligible owners onto 5 clusters × 50 places, through a pool of 10 connections (main.ts's). Time to
// settle, how many were placed (exactly 250), how many clusters ended over capacity (none), and
// whether current_users is exact. Side by side: the same 500 sign-ins of owners who are not
// eligible (no payment method), i.e. sign-in without the assignment, as the baseline.
import { migrateJobQueue, signIn } from '@hops/api';
import { createDb, migrateToLatest } from '@hops/db';
import { sql } from 'kysely';
import { median, ms, ratio, say, table, type BenchResult } from '../report.ts';
import { createScratchDatabase, dropScratchDatabase } from '../scratch.ts';

const QUIET = { info: () => undefined, warn: console.warn, error: console.error };
const SIGNUPS = 500;
const CLUSTERS = 5;
const PLACES = 50;
const ROUNDS = 3;

interface Round {
  ms: number;
  failed: number;
  assigned: number;
  overCapacity: number;
  drift: number;
  noRoomAlerts: number;
}

async function round(templateName: string, name: string, eligible: boolean): Promise<Round> {
  const url = await createScratchDatabase(name, { template: templateName });
  const db = createDb({ connectionString: url, max: 10, connectionTimeoutMillis: 30_000 });
  try {
    if (!eligible) await sql`UPDATE users SET stripe_customer_id = NULL`.execute(db);
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: SIGNUPS }, (_, i) =>
        signIn(
          db,
          { sub: `bench|owner${i}`, email: `owner${i}@bench.test` },
          { bootstrapAdminEmails: [], source: 'dev' },
        ),
      ),
    );
    const elapsed = performance.now() - started;
    const { rows } = await sql<{
      assigned: number;
      overCapacity: number;
      drift: number;
      noRoomAlerts: number;
    }>`
      SELECT (SELECT count(*)::int FROM user_hopsworks_assignments) AS assigned,
             (SELECT count(*)::int FROM hopsworks_clusters WHERE current_users > max_users)
               AS over_capacity,
             (SELECT count(*)::int FROM hopsworks_clusters c
               WHERE current_users <> (SELECT count(*) FROM user_hopsworks_assignments a
                                        WHERE a.hopsworks_cluster_id = c.id)) AS drift,
             (SELECT count(*)::int FROM events WHERE kind = 'cluster.no_room') AS no_room_alerts
    `.execute(db);
    return {
      ms: elapsed,
      failed: outcomes.filter((o) => o.status === 'rejected').length,
      ...rows[0]!,
    };
  } finally {
    await db.destroy();
    await dropScratchDatabase(name);
  }
}

export async function benchAssignment(): Promise<BenchResult> {
  const template = `hops_bench_assign_${process.pid}`;
  const url = await createScratchDatabase(template);
  try {
    const db = createDb({ connectionString: url, max: 2 });
    await migrateToLatest(db);
    // A placement writes its provisioning job in the sign-in's transaction: the queue must exist.
    await migrateJobQueue({ connectionString: url, log: QUIET });
    await sql`
      INSERT INTO hopsworks_clusters (name, api_url, api_key, max_users)
      SELECT 'bench-' || c, 'https://bench-' || c || '.hopsworks.test', 'not-a-real-key',
             ${PLACES}
      FROM generate_series(1, ${CLUSTERS}) c`.execute(db);
    // Owners who signed up before and have since given a payment method: eligible, unassigned.
    await sql`
      INSERT INTO users (id, email, stripe_customer_id)
      SELECT 'bench|owner' || i, 'owner' || i || '@bench.test', 'cus_bench_' || i
      FROM generate_series(0, ${SIGNUPS - 1}) i`.execute(db);
    await db.destroy();

    const eligible: Round[] = [];
    const baseline: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      say(`assignment: round ${r + 1} of ${ROUNDS}`);
      baseline.push(await round(template, `${template}_b${r}`, false));
      eligible.push(await round(template, `${template}_e${r}`, true));
    }
    const settle = median(eligible.map((r) => r.ms));
    const base = median(baseline.map((r) => r.ms));
    const worst = (key: keyof Round, rounds: Round[]) =>
      `${Math.min(...rounds.map((r) => r[key]))}–${Math.max(...rounds.map((r) => r[key]))}`;
    const correct = eligible.every(
      (r) =>
        r.assigned === CLUSTERS * PLACES && r.overCapacity === 0 && r.drift === 0 && r.failed === 0,
    );
    const markdown = [
      `${SIGNUPS} concurrent \`signIn\` calls of eligible owners onto ${CLUSTERS} clusters × ${PLACES} places, pool of 10 connections; ${ROUNDS} rounds on fresh copies of one database (median time; counts as min–max over the rounds).`,
      '',
      table(
        [
          '',
          'time to settle',
          'assigned',
          'clusters over capacity',
          'current_users drift',
          'failed sign-ins',
          "'no room' alerts",
        ],
        [
          [
            'eligible owners (assignment)',
            ms(settle),
            worst('assigned', eligible),
            worst('overCapacity', eligible),
            worst('drift', eligible),
            worst('failed', eligible),
            worst('noRoomAlerts', eligible),
          ],
          [
            'baseline: same sign-ins, not eligible',
            ms(base),
            worst('assigned', baseline),
            worst('overCapacity', baseline),
            worst('drift', baseline),
            worst('failed', baseline),
            worst('noRoomAlerts', baseline),
          ],
        ],
      ),
      '',
      `Assignment under contention costs ${ratio(settle / base)} the time of the bare sign-ins (${ms(settle / SIGNUPS)} per sign-in, overall).`,
    ].join('\n');
    return {
      title: 'Assignment under contention',
      command: 'pnpm --filter @hops/bench bench:api (assignment)',
      markdown,
      targets: [
        {
          target: '500 concurrent sign-ups onto 5 × 50: exactly 250 assigned, 0 over capacity',
          measured: `assigned ${worst('assigned', eligible)}, over capacity ${worst('overCapacity', eligible)}, drift ${worst('drift', eligible)}, settled in ${ms(settle)}`,
          met: correct,
        },
      ],
      data: { eligible, baseline },
    };
  } finally {
    await dropScratchDatabase(template);
  }
}
