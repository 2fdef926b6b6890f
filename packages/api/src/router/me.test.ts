import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import {
  assignDirect,
  callerAs,
  expectTrpcError,
  makeCluster,
  makeUser,
} from '../../test/helpers.ts';

const { db } = await useTestDatabase();

describe('me.get', () => {
  it('describes an owner with their cluster', async () => {
    const cluster = await makeCluster(db, { name: 'me-cluster' });
    const owner = await makeUser(db, { name: 'Olive' });
    await assignDirect(db, owner.id, cluster.id);
    const me = await (await callerAs(db, { userId: owner.id })).me.get();
    expect(me).toMatchObject({ id: owner.id, role: 'owner', owner: null, isAdmin: false });
    expect(me.cluster).toEqual({
      id: cluster.id,
      name: 'me-cluster',
      apiUrl: cluster.apiUrl,
      status: 'active',
    });
  });

  it('describes a member with their owner', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const me = await (await callerAs(db, { userId: member.id })).me.get();
    expect(me.role).toBe('member');
    expect(me.owner).toEqual({ id: owner.id, email: owner.email, name: owner.name });
  });

  it('refuses anonymous callers, suspended users and bare service tokens', async () => {
    await expectTrpcError((await callerAs(db, { anonymous: true })).me.get(), 'UNAUTHORIZED');
    const suspended = await makeUser(db, { status: 'suspended' });
    const message = await expectTrpcError(
      (await callerAs(db, { userId: suspended.id })).me.get(),
      'FORBIDDEN',
    );
    expect(message).toMatch(/suspended/);
    await expectTrpcError((await callerAs(db, { service: true })).me.get(), 'FORBIDDEN');
  });
});
