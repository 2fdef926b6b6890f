import { describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { assignDirect, makeCluster, makeUser } from '../../test/helpers.ts';
import { auditActorOf, SYSTEM_ACTOR, type UserActor } from '../actor.ts';
import { AppError } from '../errors.ts';
import { acceptInvite, createInvite } from './invites.ts';
import { getTeam, leaveTeam, removeMember } from './team.ts';

const { db } = await useTestDatabase();

async function actorOf(id: string): Promise<UserActor> {
  return (await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'isAdmin', 'accountOwnerId', 'status', 'billingMode'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()) as UserActor;
}

async function expectAppError(promise: Promise<unknown>, kind: AppError['kind']) {
  const error = await promise.then(
    () => expect.fail(`expected ${kind}, but the call succeeded`),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).kind).toBe(kind);
}

describe('team service', () => {
  it('dates a member from the invite they accepted, and lets a removed member be invited back', async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db);
    await assignDirect(db, owner.id, cluster.id);
    const joiner = await makeUser(db);
    const ownerActor = await actorOf(owner.id);
    const join = async () => {
      const { secret } = await inTransaction(db, (trx) =>
        createInvite(trx, SYSTEM_ACTOR, ownerActor, { email: joiner.email }),
      );
      return inTransaction(db, (trx) => acceptInvite(trx, SYSTEM_ACTOR, joiner.id, secret));
    };
    await join();
    const accepted = await db
      .selectFrom('teamInvites')
      .select('acceptedAt')
      .where('acceptedByUserId', '=', joiner.id)
      .executeTakeFirstOrThrow();
    const team = await getTeam(db, ownerActor);
    expect(team.members).toMatchObject([
      { id: joiner.id, joinedAt: accepted.acceptedAt!.toISOString() },
    ]);

    await inTransaction(db, (trx) =>
      removeMember(trx, auditActorOf(ownerActor, 'web'), ownerActor, joiner.id),
    );
    expect((await getTeam(db, ownerActor)).members).toEqual([]);
    const again = await join();
    expect(again).toMatchObject({ accountOwnerId: owner.id, joined: true });
    expect(again.cluster?.id).toBe(cluster.id);
  });

  it('refuses with the right kinds of error', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const other = await makeUser(db);
    const ownerActor = await actorOf(owner.id);
    const otherActor = await actorOf(other.id);
    const actor = auditActorOf(ownerActor, 'web');
    await expectAppError(
      inTransaction(db, (trx) => removeMember(trx, actor, ownerActor, owner.id)),
      'BAD_REQUEST',
    );
    await expectAppError(
      inTransaction(db, (trx) => removeMember(trx, actor, otherActor, member.id)),
      'NOT_FOUND',
    );
    await expectAppError(
      inTransaction(db, (trx) => leaveTeam(trx, actor, owner.id)),
      'BAD_REQUEST',
    );
    await expectAppError(
      inTransaction(db, (trx) => leaveTeam(trx, actor, 'auth0|ghost')),
      'NOT_FOUND',
    );
  });
});
