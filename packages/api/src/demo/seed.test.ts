// The demo data (seed.ts) on a fresh database: what it promises, that a second run adds nothing,
// that its credits ledger balances, that its usage is priced by the rate card, and that the
// cluster secrets are stored encrypted. The seed goes through the services, so these are also
// checks that the services make what the demo promises.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, useTestDatabase } from '@hops/db/testing';
import { dec, round4 } from '../money.ts';
import { priceUsage } from '../rates.ts';
import { SecretBox } from '../secrets.ts';
import { DEMO_USERS, demoInviteSecret, seedDemoData } from './seed.ts';

const { db } = await useTestDatabase();
const secrets = new SecretBox(randomBytes(32).toString('base64'));
// A fixed "today" whose 90 days span February, so storage is priced by 28-, 31- and 30-day months.
const TODAY = '2026-03-20';

/** Row count of every table in public (Kysely's own included). */
async function rowCounts(database = db): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`.execute(database);
  const counts: Record<string, number> = {};
  for (const { name } of rows) {
    const result = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(name)}`.execute(
      db,
    );
    counts[name] = result.rows[0]!.n;
  }
  return counts;
}

let firstReport: string[] = [];
let afterFirst: Record<string, number> = {};

beforeAll(async () => {
  firstReport = await seedDemoData(db, { secrets, today: TODAY });
  afterFirst = await rowCounts();
});

describe('seedDemoData', () => {
  it('adds 3 clusters (one in maintenance), 1 admin and 6 accounts with 0–4 members', async () => {
    const clusters = await db
      .selectFrom('hopsworksClusters')
      .select(['name', 'status', 'currentUsers', 'maxUsers'])
      .orderBy('name')
      .execute();
    expect(clusters).toEqual([
      { name: 'eu-west-1-prod', status: 'active', currentUsers: 4, maxUsers: 20 },
      { name: 'us-east-1-prod', status: 'active', currentUsers: 11, maxUsers: 50 },
      { name: 'us-west-2-staging', status: 'maintenance', currentUsers: 0, maxUsers: 10 },
    ]);

    const users = await db.selectFrom('users').selectAll().execute();
    expect(users).toHaveLength(DEMO_USERS.length);
    const admins = users.filter((u) => u.isAdmin);
    expect(admins.map((u) => u.id)).toEqual(['dev|admin']);
    const owners = users.filter((u) => u.accountOwnerId === null && !u.isAdmin);
    expect(owners).toHaveLength(6);
    const members = (owner: string) => users.filter((u) => u.accountOwnerId === owner).length;
    expect(Object.fromEntries(owners.map((o) => [o.id, members(o.id)]))).toEqual({
      'dev|alice': 4,
      'dev|frank': 2,
      'dev|grace': 0,
      'dev|heidi': 1,
      'dev|judy': 3,
      'dev|nina': 0,
    });
    expect(users.find((u) => u.id === 'dev|grace')?.billingMode).toBe('prepaid');

    const assignments = await db
      .selectFrom('userHopsworksAssignments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(assignments.n).toBe(15);
  });

  it('adds open, accepted, expired and revoked invites with hashed tokens', async () => {
    const invites = await db
      .selectFrom('teamInvites')
      .select([
        'email',
        'token',
        'acceptedByUserId',
        sql<string>`CASE WHEN accepted_at IS NOT NULL THEN 'accepted'
                         WHEN revoked_at IS NOT NULL THEN 'revoked'
                         WHEN expires_at < ${`${TODAY}T12:00:00Z`}::timestamptz THEN 'expired'
                         ELSE 'open' END`.as('state'),
      ])
      .orderBy('email')
      .execute();
    expect(invites.map((i) => [i.email, i.state, i.acceptedByUserId])).toEqual([
      ['bob@acme.test', 'accepted', 'dev|bob'],
      ['late@globex.test', 'expired', null],
      ['newbie@acme.test', 'open', null],
      ['nope@umbrella.test', 'revoked', null],
    ]);
    for (const invite of invites) {
      expect(invite.token).toMatch(/^[0-9a-f]{64}$/);
      expect(invite.token).not.toBe(demoInviteSecret(invite.email));
    }
  });

  it('adds up to 90 days of usage before today for every user with a load', async () => {
    const rows = await db
      .selectFrom('usageDaily')
      .select((eb) => [
        'userId',
        eb.fn.countAll<number>().as('days'),
        eb.fn.min('date').as('first'),
        eb.fn.max('date').as('last'),
      ])
      .groupBy('userId')
      .execute();
    const loaded = DEMO_USERS.filter((u) => u.load > 0).map((u) => u.id);
    expect(rows.map((r) => r.userId).sort()).toEqual([...loaded].sort());
    for (const row of rows) {
      expect(row.days).toBeGreaterThan(60);
      expect(row.days).toBeLessThanOrEqual(90);
      expect(row.first >= '2025-12-20' && row.last <= '2026-03-19', row.userId).toBe(true);
    }
    // The payer of a member's usage is their owner.
    const wrongPayer = await db
      .selectFrom('usageDaily as u')
      .innerJoin('users', 'users.id', 'u.userId')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(sql<boolean>`u.account_owner_id <> coalesce(users.account_owner_id, users.id)`)
      .executeTakeFirstOrThrow();
    expect(wrongPayer.n).toBe(0);
  });

  it('prices every usage row with the rate card (priceUsage of its quantities)', async () => {
    const rows = await db.selectFrom('usageDaily').selectAll().execute();
    expect(rows.length).toBeGreaterThan(1000);
    const mismatches = rows.filter((row) => {
      const expected = priceUsage(row, row.date);
      return (
        row.cpuCost !== expected.cpuCost ||
        row.gpuCost !== expected.gpuCost ||
        row.ramCost !== expected.ramCost ||
        row.storageCost !== expected.storageCost ||
        row.networkCost !== expected.networkCost ||
        row.totalCost !== expected.totalCost ||
        row.rateCard !== expected.rateCard
      );
    });
    expect(mismatches).toEqual([]);
    // The data set covers months of different lengths.
    expect(new Set(rows.map((r) => r.date.slice(0, 7)))).toEqual(
      new Set(['2025-12', '2026-01', '2026-02', '2026-03']),
    );
  });

  it('keeps a prepaid ledger whose sums equal user_credits', async () => {
    const credits = await db.selectFrom('userCredits').selectAll().execute();
    expect(credits.map((c) => c.userId)).toEqual(['dev|grace']);
    for (const c of credits) {
      const sums = await db
        .selectFrom('creditTransactions')
        .select((eb) => [
          'pool',
          eb.fn.sum<string>('amount').as('total'),
          sql<string>`coalesce(sum(amount) FILTER (WHERE kind = 'usage'), 0)`.as('usage'),
        ])
        .where('userId', '=', c.userId)
        .groupBy('pool')
        .execute();
      const pool = (name: string) => sums.find((s) => s.pool === name);
      expect(pool('paid')?.total).toBe(round4(dec(c.totalPurchased).minus(c.totalUsed)));
      expect(pool('free')?.total).toBe(round4(dec(c.freeCreditsGranted).minus(c.freeCreditsUsed)));
      expect(c.totalPurchased).toBe('400.0000');
      expect(c.freeCreditsGranted).toBe('50.0000');

      // What usage cost was paid from the two pools, plus what they could not cover.
      const usage = await db
        .selectFrom('usageDaily')
        .select((eb) => eb.fn.sum<string>('totalCost').as('total'))
        .where('accountOwnerId', '=', c.userId)
        .executeTakeFirstOrThrow();
      const paidFromCredits = dec(pool('paid')!.usage).plus(pool('free')!.usage).neg();
      expect(round4(paidFromCredits.plus(c.unpaidUsage))).toBe(usage.total);
      expect(round4(paidFromCredits)).toBe(round4(dec(c.totalUsed).plus(c.freeCreditsUsed)));
    }
    // Every usage entry points at a usage row of the same payer.
    const stray = await db
      .selectFrom('creditTransactions as t')
      .leftJoin('usageDaily as u', 'u.id', 't.usageDailyId')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('t.kind', '=', 'usage')
      .where((eb) =>
        eb.or([eb('u.id', 'is', null), eb('u.accountOwnerId', '!=', eb.ref('t.userId'))]),
      )
      .executeTakeFirstOrThrow();
    expect(stray.n).toBe(0);
  });

  it('dates the ledger so that, read in time order, each balance follows from the one before', async () => {
    const lines = await db
      .selectFrom('creditTransactions')
      .select(['amount', 'balanceAfter', 'kind', 'createdAt'])
      .where('userId', '=', 'dev|grace')
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
    expect(lines[0]?.kind).toBe('purchase');
    let balance = dec(0);
    for (const line of lines) {
      balance = balance.plus(line.amount);
      expect(line.balanceAfter).toBe(round4(balance));
    }
    // No two lines share a time (to the microsecond, PostgreSQL's precision), so the order is
    // the ledger's own and not the tie-break.
    const { rows } = await sql<{ distinct: number; all: number }>`
      SELECT count(DISTINCT created_at)::int AS distinct, count(*)::int AS all
      FROM credit_transactions WHERE user_id = 'dev|grace'`.execute(db);
    expect(rows[0]!.distinct).toBe(rows[0]!.all);
  });

  it('gives the demo clusters no API key, so nothing is ever sent to them', async () => {
    const clusters = await db
      .selectFrom('hopsworksClusters')
      .select(['name', 'apiKey', 'kubeconfig'])
      .execute();
    expect(clusters.length).toBeGreaterThan(0);
    for (const cluster of clusters) {
      expect(cluster.apiKey).toBe('');
      expect(cluster.kubeconfig).toBeNull();
    }
    // The people placed on them are provisioned as skipped, with no call made.
    const states = await db
      .selectFrom('hopsworksProvisioning')
      .select('state')
      .distinct()
      .execute();
    expect(states.map((s) => s.state).every((s) => s === 'pending' || s === 'skipped')).toBe(true);
  });

  it('adds nothing when run again', async () => {
    expect(firstReport).toContain('clusters: 3 added');
    const creditsBefore = await db.selectFrom('userCredits').selectAll().execute();

    const secondReport = await seedDemoData(db, { secrets, today: TODAY });
    expect(await rowCounts()).toEqual(afterFirst);
    expect(
      secondReport.filter((line) => / [1-9]\d* (added|transactions added)/.test(line)),
    ).toEqual([]);
    expect(await db.selectFrom('userCredits').selectAll().execute()).toEqual(creditsBefore);

    // Every table was counted, and the seed filled the ones it promises.
    expect(afterFirst).toMatchObject({
      users: DEMO_USERS.length,
      hopsworks_clusters: 3,
      team_invites: 4,
    });
    // The services audit what they do; the seed adds one row saying what it added.
    const seeds = await db
      .selectFrom('auditLog')
      .select('action')
      .where('action', '=', 'db.seed')
      .execute();
    expect(seeds).toHaveLength(1);
    for (const table of [
      'usage_daily',
      'credit_transactions',
      'user_credits',
      'user_hopsworks_assignments',
    ]) {
      expect(afterFirst[table], table).toBeGreaterThan(0);
    }
  });

  it('adds the same once when two runs start at the same time (two apps starting together)', async () => {
    const other = await createTestDatabase();
    try {
      await Promise.all([
        seedDemoData(other.db, { secrets, today: TODAY }),
        seedDemoData(other.db, { secrets, today: TODAY }),
      ]);
      expect(await rowCounts(other.db)).toEqual(afterFirst);
    } finally {
      await other.drop();
    }
  });
});
