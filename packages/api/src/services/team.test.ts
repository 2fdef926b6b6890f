import { describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { assignDirect, makeCluster, makeUser, userCaller } from '../../test/helpers.ts';
import { SYSTEM_ACTOR, type UserCaller } from '../actor.ts';
import { AppError } from '../errors.ts';
import { ACCEPT_STEP, acceptInvite } from './invites/link.ts';
import { createInvite } from './invites/owner.ts';
import { getTeam, leaveTeam, removeMember } from './team.ts';

const { db } = await useTestDatabase();

/** `caller`'s rights, with the system written as the actor in the audit log. */
const bySystem = (caller: UserCaller): UserCaller => ({ ...SYSTEM_ACTOR, user: caller.user });

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
    const ownerActor = await userCaller(db, owner.id);
    const joinerActor = await userCaller(db, joiner.id);
    const join = async () => {
      const { secret } = await inTransaction(db, (trx) =>
        createInvite(trx, bySystem(ownerActor), { email: joiner.email }),
      );
      return inTransaction(db, (trx) =>
        acceptInvite(trx, bySystem(joinerActor), secret, ACCEPT_STEP),
      );
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

    await inTransaction(db, (trx) => removeMember(trx, ownerActor, joiner.id));
    expect((await getTeam(db, ownerActor)).members).toEqual([]);
    const again = await join();
    expect(again).toMatchObject({ accountOwnerId: owner.id, joined: true });
    expect(again.cluster?.id).toBe(cluster.id);
  });

  it('refuses with the right kinds of error', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const other = await makeUser(db);
    const ownerActor = await userCaller(db, owner.id);
    const otherActor = await userCaller(db, other.id);
    const ghost: UserCaller = { ...ownerActor, user: { ...ownerActor.user, id: 'auth0|ghost' } };
    await expectAppError(
      inTransaction(db, (trx) => removeMember(trx, ownerActor, owner.id)),
      'BAD_REQUEST',
    );
    await expectAppError(
      inTransaction(db, (trx) => removeMember(trx, otherActor, member.id)),
      'NOT_FOUND',
    );
    await expectAppError(
      inTransaction(db, (trx) => leaveTeam(trx, ownerActor)),
      'BAD_REQUEST',
    );
    await expectAppError(
      inTransaction(db, (trx) => leaveTeam(trx, ghost)),
      'NOT_FOUND',
    );
  });
});
