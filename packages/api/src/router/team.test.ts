import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import {
  assignDirect,
  callerAs,
  currentUsers,
  expectTrpcError,
  makeCluster,
  makeUser,
} from '../../test/helpers.ts';

const { db } = await useTestDatabase();

const as = (userId: string) => callerAs(db, { userId });

async function userRow(id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function assignmentOf(userId: string) {
  const row = await db
    .selectFrom('userHopsworksAssignments')
    .select('hopsworksClusterId')
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row?.hopsworksClusterId ?? null;
}

async function audit(action: string, targetId: string) {
  return db
    .selectFrom('auditLog')
    .select(['actorUserId', 'details'])
    .where('action', '=', action)
    .where('targetId', '=', targetId)
    .execute();
}

/** An owner on a cluster with one member, who has one day of usage on the account. */
async function accountWithMember() {
  const cluster = await makeCluster(db);
  const owner = await makeUser(db, { name: 'Olive Owner' });
  const member = await makeUser(db, { owner: owner.id, name: 'Max Member' });
  await assignDirect(db, owner.id, cluster.id);
  await assignDirect(db, member.id, cluster.id);
  await db
    .insertInto('usageDaily')
    .values({
      userId: member.id,
      accountOwnerId: owner.id,
      date: '2025-09-01',
      rateCard: '2025-08',
    })
    .execute();
  return { cluster, owner, member };
}

describe('team.get', () => {
  it('shows the owner their members', async () => {
    const owner = await makeUser(db, { name: 'Olive' });
    const member = await makeUser(db, { owner: owner.id, name: 'Max' });
    await db
      .updateTable('users')
      .set({ hopsworksUsername: 'max_hw' })
      .where('id', '=', member.id)
      .execute();
    const team = await (await as(owner.id)).team.get();
    expect(team).toEqual({
      owner: {
        id: owner.id,
        email: owner.email,
        name: 'Olive',
        joinedAt: owner.createdAt.toISOString(),
        lastLoginAt: null,
        hopsworksUsername: null,
      },
      members: [
        {
          id: member.id,
          email: member.email,
          name: 'Max',
          joinedAt: member.createdAt.toISOString(),
          lastLoginAt: null,
          hopsworksUsername: 'max_hw',
        },
      ],
      isOwner: true,
    });
  });

  it("gives the owner's own row when they joined and their last sign-in", async () => {
    const owner = await makeUser(db, { name: 'Signed In' });
    const signedInAt = new Date('2026-02-03T04:05:06.000Z');
    await db
      .updateTable('users')
      .set({ lastLoginAt: signedInAt, loginCount: 3 })
      .where('id', '=', owner.id)
      .execute();
    await makeUser(db, { owner: owner.id });
    for (const viewer of [
      owner.id,
      (
        await db
          .selectFrom('users')
          .select('id')
          .where('accountOwnerId', '=', owner.id)
          .executeTakeFirstOrThrow()
      ).id,
    ]) {
      const team = await (await as(viewer)).team.get();
      expect(team.owner).toMatchObject({
        joinedAt: owner.createdAt.toISOString(),
        lastLoginAt: signedInAt.toISOString(),
      });
    }
  });

  it('shows a member their owner and teammates', async () => {
    const owner = await makeUser(db);
    const first = await makeUser(db, { owner: owner.id });
    const second = await makeUser(db, { owner: owner.id });
    const team = await (await as(second.id)).team.get();
    expect(team.isOwner).toBe(false);
    expect(team.owner.id).toBe(owner.id);
    expect(team.members.map((m) => m.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('shows a stand-alone owner an empty team, and refuses anonymous callers', async () => {
    const alone = await makeUser(db);
    expect(await (await as(alone.id)).team.get()).toMatchObject({ members: [], isOwner: true });
    await expectTrpcError((await callerAs(db, { anonymous: true })).team.get(), 'UNAUTHORIZED');
  });
});

describe('team.removeMember', () => {
  it('makes the member a stand-alone owner without the cluster, keeping their history', async () => {
    const { cluster, owner, member } = await accountWithMember();
    expect(await currentUsers(db, cluster.id)).toBe(2);

    const result = await (await as(owner.id)).team.removeMember({ memberId: member.id });
    expect(result).toEqual({
      memberId: member.id,
      formerOwnerId: owner.id,
      droppedClusterId: cluster.id,
    });
    expect((await userRow(member.id)).accountOwnerId).toBeNull();
    expect(await assignmentOf(member.id)).toBeNull();
    expect(await assignmentOf(owner.id)).toBe(cluster.id);
    expect(await currentUsers(db, cluster.id)).toBe(1);
    const usage = await db
      .selectFrom('usageDaily')
      .select('accountOwnerId')
      .where('userId', '=', member.id)
      .execute();
    expect(usage).toEqual([{ accountOwnerId: owner.id }]);
    expect((await (await as(owner.id)).team.get()).members).toEqual([]);
    expect((await (await as(member.id)).me.get()).role).toBe('owner');
    const [row] = await audit('team.removeMember', member.id);
    expect(row).toMatchObject({ actorUserId: owner.id });
    expect(row!.details).toMatchObject({ formerOwnerId: owner.id, droppedClusterId: cluster.id });
  });

  it('lets an admin remove a member from any account', async () => {
    const { cluster, owner, member } = await accountWithMember();
    const admin = await makeUser(db, { isAdmin: true });
    await (await as(admin.id)).team.removeMember({ memberId: member.id });
    expect((await userRow(member.id)).accountOwnerId).toBeNull();
    expect(await currentUsers(db, cluster.id)).toBe(1);
    const [row] = await audit('team.removeMember', member.id);
    expect(row).toMatchObject({ actorUserId: admin.id });
    expect(row!.details).toMatchObject({ formerOwnerId: owner.id });
    expect(
      await expectTrpcError(
        (await as(admin.id)).team.removeMember({ memberId: member.id }),
        'BAD_REQUEST',
      ),
    ).toMatch(/not a member of any team/);
  });

  it("answers NOT_FOUND for someone outside the owner's team, existing or not", async () => {
    const { member } = await accountWithMember();
    const otherOwner = await makeUser(db);
    const caller = await as(otherOwner.id);
    expect(
      await expectTrpcError(caller.team.removeMember({ memberId: member.id }), 'NOT_FOUND'),
    ).toBe(`There is no member ${member.id} in your team.`);
    await expectTrpcError(caller.team.removeMember({ memberId: 'auth0|nobody' }), 'NOT_FOUND');
    expect((await userRow(member.id)).accountOwnerId).not.toBeNull();
  });

  it('refuses removing yourself, members and anonymous callers', async () => {
    const { owner, member } = await accountWithMember();
    const teammate = await makeUser(db, { owner: owner.id });
    expect(
      await expectTrpcError(
        (await as(owner.id)).team.removeMember({ memberId: owner.id }),
        'BAD_REQUEST',
      ),
    ).toMatch(/cannot remove yourself/);
    await expectTrpcError(
      (await as(member.id)).team.removeMember({ memberId: teammate.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).team.removeMember({ memberId: member.id }),
      'UNAUTHORIZED',
    );
    expect((await userRow(teammate.id)).accountOwnerId).toBe(owner.id);
  });
});

describe('team.leave', () => {
  it('makes the member a stand-alone owner without the cluster', async () => {
    const { cluster, owner, member } = await accountWithMember();
    const result = await (await as(member.id)).team.leave();
    expect(result).toEqual({
      memberId: member.id,
      formerOwnerId: owner.id,
      droppedClusterId: cluster.id,
    });
    expect((await userRow(member.id)).accountOwnerId).toBeNull();
    expect(await assignmentOf(member.id)).toBeNull();
    expect(await currentUsers(db, cluster.id)).toBe(1);
    const [row] = await audit('team.leave', member.id);
    expect(row).toMatchObject({ actorUserId: member.id });
  });

  it('refuses an owner with a sentence, and anonymous callers', async () => {
    const owner = await makeUser(db);
    expect(await expectTrpcError((await as(owner.id)).team.leave(), 'BAD_REQUEST')).toMatch(
      /You own this account/,
    );
    await expectTrpcError((await callerAs(db, { anonymous: true })).team.leave(), 'UNAUTHORIZED');
  });
});
