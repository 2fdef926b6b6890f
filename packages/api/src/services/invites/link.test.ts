import { describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser, userCaller } from '../../../test/helpers.ts';
import { ACCEPT_STEP, acceptInvite } from './link.ts';
import { createInvite } from './owner.ts';

const { db } = await useTestDatabase({ max: 10 });

describe('acceptInvite', () => {
  it('reports whether the call joined, so a repeat is recognisable', async () => {
    const owner = await makeUser(db);
    const joiner = await makeUser(db);
    const caller = await userCaller(db, owner.id);
    const { secret } = await inTransaction(db, (trx) =>
      createInvite(trx, caller, { email: joiner.email }),
    );
    const actor = await userCaller(db, joiner.id);
    const first = await inTransaction(db, (trx) => acceptInvite(trx, actor, secret, ACCEPT_STEP));
    const again = await inTransaction(db, (trx) => acceptInvite(trx, actor, secret, ACCEPT_STEP));
    expect(first).toEqual({ accountOwnerId: owner.id, cluster: null, joined: true });
    expect(again).toEqual({ accountOwnerId: owner.id, cluster: null, joined: false });
  });
});
