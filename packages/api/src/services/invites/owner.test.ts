import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser, userCaller } from '../../../test/helpers.ts';
import { AppError } from '../../errors.ts';
import { createInvite, listInvites } from './owner.ts';

const { db } = await useTestDatabase({ max: 10 });

let counter = 0;
const mail = (tag: string) => `${tag}-${process.pid}-${++counter}@example.test`;

async function openInvites(ownerId: string) {
  return db
    .selectFrom('teamInvites')
    .select(['id', 'email'])
    .where('accountOwnerId', '=', ownerId)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .execute();
}

/** Waits until some other session of this database waits for a lock. */
async function someoneWaitsForALock() {
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('nobody ended up waiting for a lock');
}

describe('createInvite', () => {
  it('turns the unique index into a CONFLICT when a concurrent create slips past the check', async () => {
    const owner = await makeUser(db);
    const actor = await userCaller(db, owner.id);
    const email = mail('index');
    let inserted!: () => void;
    const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
    let release!: () => void;
    const mayCommit = new Promise<void>((resolve) => (release = resolve));

    const first = db.transaction().execute(async (trx) => {
      const result = await createInvite(trx, actor, { email });
      inserted();
      await mayCommit;
      return result;
    });
    await firstInserted;
    // The second one's check cannot see the uncommitted invite; its insert waits on the index.
    const second = inTransaction(db, (trx) =>
      createInvite(trx, actor, { email: email.toUpperCase() }),
    ).catch((error: unknown) => error);
    await someoneWaitsForALock();
    release();
    await first;
    const error = await second;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ kind: 'CONFLICT' });
    expect((error as AppError).message).toMatch(/already an open invite/);
    expect(await openInvites(owner.id)).toHaveLength(1);
  });

  it('replaces an expired invite once when two creates race for it', async () => {
    const owner = await makeUser(db);
    const actor = await userCaller(db, owner.id);
    const email = mail('expired-race');
    const old = await inTransaction(db, (trx) => createInvite(trx, actor, { email }));
    await db
      .updateTable('teamInvites')
      .set({ expiresAt: sql`now() - interval '1 day'` })
      .where('id', '=', old.invite.id)
      .execute();
    const results = await Promise.allSettled(
      [1, 2].map(() => inTransaction(db, (trx) => createInvite(trx, actor, { email }))),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const open = await openInvites(owner.id);
    expect(open).toHaveLength(1);
    expect(open[0]!.id).not.toBe(old.invite.id);
    const listed = await listInvites(db, actor);
    expect(listed.map((i) => [i.id, i.status])).toEqual([[open[0]!.id, 'open']]);
  });

  it('writes nothing when the surrounding transaction rolls back', async () => {
    const owner = await makeUser(db);
    const actor = await userCaller(db, owner.id);
    await db
      .transaction()
      .execute(async (trx) => {
        await createInvite(trx, actor, { email: mail('rollback') });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await openInvites(owner.id)).toEqual([]);
    const audit = await db
      .selectFrom('auditLog')
      .select('id')
      .where('actorUserId', '=', owner.id)
      .execute();
    expect(audit).toEqual([]);
  });
});
