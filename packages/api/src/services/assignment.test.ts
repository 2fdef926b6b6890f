// The assignment rules of SPEC §3.3, on the services directly, and the races of failure mode 1.
// Over 300 lines: each race gets its own test with its own setup.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { inTransaction, type Db } from '@hops/db';
import { createTestDatabase, useTestDatabase } from '@hops/db/testing';
import { SYSTEM_ACTOR } from '../actor.ts';
import { assignDirect, callerAs, makeCluster, makeUser } from '../../test/helpers.ts';
import {
  assignAccountTo,
  autoAssignAccount,
  placeMemberWithOwner,
  type AutoAssignResult,
} from './assignment.ts';

const { db } = await useTestDatabase();

// Every automatic assignment looks at all clusters: each test starts from an empty set.
beforeEach(async () => {
  await db.deleteFrom('userHopsworksAssignments').execute();
  await db.deleteFrom('hopsworksClusters').execute();
});

function auto(ownerId: string, admin = false): Promise<AutoAssignResult> {
  return inTransaction(db, (trx) => autoAssignAccount(trx, SYSTEM_ACTOR, ownerId, { admin }));
}

async function clusterNameOf(userId: string) {
  const row = await db
    .selectFrom('userHopsworksAssignments as a')
    .innerJoin('hopsworksClusters as c', 'c.id', 'a.hopsworksClusterId')
    .select('c.name')
    .where('a.userId', '=', userId)
    .executeTakeFirst();
  return row?.name ?? null;
}

async function eventsOf(database: Db, kind: string) {
  const rows = await database
    .selectFrom('events')
    .selectAll()
    .where('kind', '=', kind)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.payload as Record<string, unknown>);
}

let filler = 0;
/** Puts `n` stand-alone users on a cluster directly (the trigger keeps `current_users`). */
async function fill(clusterId: string, n: number) {
  const users = await db
    .insertInto('users')
    .values(
      Array.from({ length: n }, () => ({
        id: `fill|${++filler}`,
        email: `fill${filler}@fill.test`,
      })),
    )
    .returning('id')
    .execute();
  await db
    .insertInto('userHopsworksAssignments')
    .values(users.map((u) => ({ userId: u.id, hopsworksClusterId: clusterId })))
    .execute();
}

const eligible = () =>
  makeUser(db, { stripeCustomerId: `cus_${Math.random().toString(36).slice(2)}` });

describe('automatic assignment', () => {
  it('picks the least-loaded active cluster, ties by name', async () => {
    await makeCluster(db, { name: 'b-cluster', maxUsers: 10 });
    await makeCluster(db, { name: 'a-cluster', maxUsers: 10 });
    const first = await eligible();
    expect(await auto(first.id)).toMatchObject({
      status: 'assigned',
      cluster: { name: 'a-cluster' },
    });
    const second = await eligible();
    expect(await auto(second.id)).toMatchObject({
      status: 'assigned',
      cluster: { name: 'b-cluster' },
    });
    const third = await eligible();
    expect(await auto(third.id)).toMatchObject({
      status: 'assigned',
      cluster: { name: 'a-cluster' },
    });
  });

  it('measures load as the share of capacity in use', async () => {
    const big = await makeCluster(db, { name: 'z-big', maxUsers: 100 });
    const small = await makeCluster(db, { name: 'a-small', maxUsers: 10 });
    await fill(big.id, 5); // 5 %
    await fill(small.id, 1); // 10 %
    const owner = await eligible();
    expect(await auto(owner.id)).toMatchObject({ status: 'assigned', cluster: { name: 'z-big' } });
  });

  it('never sends anyone to a cluster in maintenance, full or inactive', async () => {
    for (const status of ['maintenance', 'full', 'inactive'] as const) {
      await makeCluster(db, { name: `empty-${status}`, maxUsers: 100, status });
    }
    const owner = await eligible();
    expect(await auto(owner.id, true)).toEqual({ status: 'no_room', users: 1 });
    expect(await clusterNameOf(owner.id)).toBeNull();
    const busy = await makeCluster(db, { name: 'busy-active', maxUsers: 10 });
    await fill(busy.id, 8);
    expect(await auto(owner.id, true)).toMatchObject({
      status: 'assigned',
      cluster: { name: 'busy-active' },
    });
  });

  it('places the whole team where all of it fits', async () => {
    const tight = await makeCluster(db, { name: 'a-tight', maxUsers: 10 });
    await fill(tight.id, 8); // room for 2
    const roomy = await makeCluster(db, { name: 'b-roomy', maxUsers: 100 });
    await fill(roomy.id, 90); // more loaded (90 % against 80 %), but the only one with room for 3
    const owner = await eligible();
    const members = [
      await makeUser(db, { owner: owner.id }),
      await makeUser(db, { owner: owner.id }),
    ];
    expect(await auto(owner.id)).toMatchObject({
      status: 'assigned',
      users: 3,
      cluster: { name: 'b-roomy' },
    });
    for (const u of [owner, ...members]) expect(await clusterNameOf(u.id)).toBe('b-roomy');
    const assignedBy = await db
      .selectFrom('userHopsworksAssignments')
      .select(['userId', 'assignedBy'])
      .where('userId', 'in', [owner.id, ...members.map((m) => m.id)])
      .execute();
    expect(new Map(assignedBy.map((r) => [r.userId, r.assignedBy]))).toEqual(
      new Map([
        [owner.id, 'system'],
        [members[0]!.id, 'team_member_auto'],
        [members[1]!.id, 'team_member_auto'],
      ]),
    );
  });

  it('waits for a payment method (postpaid) or credits (prepaid) unless an admin asks', async () => {
    await makeCluster(db, { maxUsers: 10 });
    const postpaid = await makeUser(db, { billingMode: 'postpaid' });
    expect(await auto(postpaid.id)).toEqual({
      status: 'not_eligible',
      reason: 'a postpaid account needs a payment method first',
    });
    const prepaid = await makeUser(db, { billingMode: 'prepaid' });
    expect(await auto(prepaid.id)).toEqual({
      status: 'not_eligible',
      reason: 'a prepaid account needs credits first',
    });
    await db
      .insertInto('userCredits')
      .values({ userId: prepaid.id, freeCreditsGranted: '5' })
      .execute();
    expect(await auto(prepaid.id)).toMatchObject({ status: 'assigned' });
    expect(await auto(postpaid.id, true)).toMatchObject({ status: 'assigned' });
    expect(await auto(postpaid.id, true)).toMatchObject({ status: 'already_assigned' });
  });

  it('refuses a member: the owner is the one assigned', async () => {
    await makeCluster(db);
    const owner = await eligible();
    const member = await makeUser(db, { owner: owner.id });
    await expect(auto(member.id, true)).rejects.toMatchObject({ kind: 'BAD_REQUEST' });
    await expect(
      inTransaction(db, async (trx) => {
        const cluster = await trx
          .selectFrom('hopsworksClusters')
          .select('id')
          .executeTakeFirstOrThrow();
        return assignAccountTo(trx, SYSTEM_ACTOR, member.id, cluster.id);
      }),
    ).rejects.toMatchObject({ kind: 'BAD_REQUEST' });
    expect(await clusterNameOf(member.id)).toBeNull();
  });
});

describe('locking', () => {
  it('does not deadlock with usage rows that reference clusters (foreign-key checks)', async () => {
    // Usage ingestion inserts rows pointing at clusters in any order; each foreign-key check holds
    // FOR KEY SHARE on the cluster until commit. Assignment must lock clusters in a mode that does
    // not conflict with that, or "ingest holds B, wants A" meets "assign holds A, wants B".
    const [low, high] = (
      await Promise.all([makeCluster(db, { maxUsers: 10 }), makeCluster(db, { maxUsers: 10 })])
    ).sort((a, b) => (a.id < b.id ? -1 : 1));
    const worker = await makeUser(db);
    const owner = await eligible();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holdingHigh!: () => void;
    const holding = new Promise<void>((resolve) => (holdingHigh = resolve));
    const usageRow = (date: string, clusterId: string) => ({
      userId: worker.id,
      accountOwnerId: worker.id,
      date,
      hopsworksClusterId: clusterId,
      rateCard: '2025-08',
    });

    const ingest = db.transaction().execute(async (trx) => {
      await trx.insertInto('usageDaily').values(usageRow('2026-01-01', high!.id)).execute();
      holdingHigh();
      await released;
      await trx.insertInto('usageDaily').values(usageRow('2026-01-02', low!.id)).execute();
    });
    await holding;
    const assign = auto(owner.id);
    // Give the assignment time to take (or wait for) its cluster locks.
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const [ingested, assigned] = await Promise.allSettled([ingest, assign]);
    expect(ingested).toEqual({ status: 'fulfilled', value: undefined });
    expect(assigned).toMatchObject({ status: 'fulfilled', value: { status: 'assigned' } });
  });
});

describe('capacity alerts', () => {
  it("emits one 'cluster.capacity_high' when a cluster crosses 90 %", async () => {
    const cluster = await makeCluster(db, { name: 'watermark', maxUsers: 10 });
    const before = (await eventsOf(db, 'cluster.capacity_high')).length;
    for (let i = 0; i < 8; i += 1)
      expect(await auto((await eligible()).id)).toMatchObject({ status: 'assigned' });
    expect(await eventsOf(db, 'cluster.capacity_high')).toHaveLength(before);
    await auto((await eligible()).id); // 9 of 10: crosses 90 %
    await auto((await eligible()).id); // 10 of 10: already above
    const high = await eventsOf(db, 'cluster.capacity_high');
    expect(high.slice(before)).toEqual([
      { clusterId: cluster.id, name: 'watermark', currentUsers: 9, maxUsers: 10 },
    ]);
    expect(await auto((await eligible()).id)).toEqual({ status: 'no_room', users: 1 });
  });

  it("lets a member join a full cluster and emits 'cluster.over_capacity'", async () => {
    const cluster = await makeCluster(db, { name: 'packed', maxUsers: 2 });
    const owner = await eligible();
    await auto(owner.id);
    await auto((await eligible()).id);
    const before = (await eventsOf(db, 'cluster.over_capacity')).length;
    const member = await makeUser(db, { owner: owner.id });
    const placed = await inTransaction(db, (trx) => placeMemberWithOwner(trx, member.id, owner.id));
    expect(placed).toMatchObject({ id: cluster.id, currentUsers: 3, maxUsers: 2 });
    expect((await eventsOf(db, 'cluster.over_capacity')).slice(before)).toEqual([
      { clusterId: cluster.id, name: 'packed', currentUsers: 3, maxUsers: 2 },
    ]);
  });
});

// A database of its own with a pool big enough for real parallel transactions.
const race = await createTestDatabase({ max: 40 });
afterAll(() => race.drop());

describe('races (failure mode 1)', () => {
  it('300 parallel auto-assignments onto 3 × 40 slots: exactly 120 assigned, counts exact', async () => {
    const rdb = race.db;
    const admin = await makeUser(rdb, { isAdmin: true });
    const clusters = [];
    for (const name of ['race-a', 'race-b', 'race-c'])
      clusters.push(await makeCluster(rdb, { name, maxUsers: 40 }));
    const owners = await rdb
      .insertInto('users')
      .values(
        Array.from({ length: 300 }, (_, i) => ({
          id: `race|${i}`,
          email: `race-${i}@race.test`,
          stripeCustomerId: `cus_race_${i}`,
        })),
      )
      .returning('id')
      .execute();

    const asAdmin = await callerAs(rdb, { userId: admin.id });
    const results = await Promise.allSettled(
      owners.map((o) => asAdmin.clusters.assign({ userId: o.id, clusterId: 'auto' })),
    );

    const assigned = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ id: owners[i]!.id, error: r.reason }] : [],
    );
    expect(assigned).toHaveLength(120);
    expect(refused).toHaveLength(180);
    for (const { id, error } of refused) {
      expect(error).toMatchObject({ code: 'PRECONDITION_FAILED' });
      const n = Number(id.split('|')[1]);
      expect((error as Error).message).toBe(
        `No active cluster has room for the account of race-${n}@race.test (1 user). ` +
          'Admins have been alerted; add capacity or a cluster, then assign again.',
      );
    }

    for (const cluster of clusters) {
      const row = await rdb
        .selectFrom('hopsworksClusters')
        .select((eb) => [
          'currentUsers',
          eb
            .selectFrom('userHopsworksAssignments as a')
            .whereRef('a.hopsworksClusterId', '=', 'hopsworksClusters.id')
            .select((e) => e.fn.countAll<number>().as('n'))
            .as('real'),
        ])
        .where('id', '=', cluster.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ currentUsers: 40, real: 40 });
    }

    const noRoom = await eventsOf(rdb, 'cluster.no_room');
    expect(noRoom).toHaveLength(180);
    expect(new Set(noRoom.map((e) => e.ownerId))).toEqual(new Set(refused.map((r) => r.id)));
    const unassigned = await rdb
      .selectFrom('users')
      .leftJoin('userHopsworksAssignments as a', 'a.userId', 'users.id')
      .select('users.id')
      .where('a.id', 'is', null)
      .where('users.id', 'like', 'race|%')
      .execute();
    expect(new Set(unassigned.map((u) => u.id))).toEqual(new Set(refused.map((r) => r.id)));
    // Each cluster crossed 90 % exactly once, and none went over.
    expect((await eventsOf(rdb, 'cluster.capacity_high')).map((e) => e.name).sort()).toEqual([
      'race-a',
      'race-b',
      'race-c',
    ]);
    expect(await eventsOf(rdb, 'cluster.over_capacity')).toEqual([]);
  });

  it('parallel explicit assignments and moves never overfill a cluster', async () => {
    const rdb = race.db;
    const admin = await makeUser(rdb, { isAdmin: true });
    const target = await makeCluster(rdb, { name: 'race-target', maxUsers: 20 });
    const origin = await makeCluster(rdb, { name: 'race-origin', maxUsers: 100 });
    const owners = [];
    for (let i = 0; i < 50; i += 1) {
      const owner = await makeUser(rdb);
      // Half of the accounts are teams of two already on another cluster (moves).
      if (i % 2 === 0) {
        const member = await makeUser(rdb, { owner: owner.id });
        await assignDirect(rdb, owner.id, origin.id);
        await assignDirect(rdb, member.id, origin.id);
      }
      owners.push(owner);
    }
    const asAdmin = await callerAs(rdb, { userId: admin.id });
    const results = await Promise.allSettled(
      owners.map((o) => asAdmin.clusters.assign({ userId: o.id, clusterId: target.id })),
    );
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'PRECONDITION_FAILED' });
    }
    const counts = await rdb
      .selectFrom('hopsworksClusters as c')
      .select((eb) => [
        'c.name',
        'c.currentUsers',
        eb
          .selectFrom('userHopsworksAssignments as a')
          .whereRef('a.hopsworksClusterId', '=', 'c.id')
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('real'),
      ])
      .where('c.id', 'in', [target.id, origin.id])
      .execute();
    for (const c of counts) expect(c.currentUsers).toBe(c.real);
    const onTarget = counts.find((c) => c.name === 'race-target')!;
    // 25 single owners alone could fill it, so it ends exactly full, never past.
    expect(onTarget.currentUsers).toBe(20);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(10);
    // No team was split by the moves.
    const split = await rdb
      .selectFrom('users as m')
      .innerJoin('userHopsworksAssignments as ma', 'ma.userId', 'm.id')
      .leftJoin('userHopsworksAssignments as oa', 'oa.userId', 'm.accountOwnerId')
      .select('m.id')
      .where('m.accountOwnerId', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('oa.id', 'is', null),
          eb('oa.hopsworksClusterId', '<>', eb.ref('ma.hopsworksClusterId')),
        ]),
      )
      .execute();
    expect(split).toEqual([]);
  });
});
