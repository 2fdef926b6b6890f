// credits.grant as a service (./account.ts): the ledger rows and audit it writes, its refusals,
// and the cluster assignment a grant can trigger.
import { describe, expect, it } from 'vitest';
import { inTransaction, type Db } from '@hops/db';
import { createTestDatabase, useTestDatabase } from '@hops/db/testing';
import { makeCluster, makeUser } from '../../../test/helpers.ts';
import type { AuditActor } from '../../actor.ts';
import { AppError } from '../../errors.ts';
import type { CreditPool } from '../../schemas.ts';
import { grantCredits } from './account.ts';

const { db } = await useTestDatabase({ max: 40 });

const ADMIN: AuditActor = { userId: null, via: 'system', isAdmin: true, label: 'system' };

const grant = (userId: string, amount: string, pool: CreditPool, on: Db = db) =>
  inTransaction(on, (trx) =>
    grantCredits(trx, ADMIN, { userId, amount, pool, reason: 'test grant' }),
  );

describe('credits.grant (service)', () => {
  it('adds paid credits as a purchase and free credits as a grant, with an audit row', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const paid = await grant(owner.id, '12.5', 'paid');
    expect(paid).toEqual({
      userId: owner.id,
      paid: '12.5000',
      free: '0.0000',
      available: '12.5000',
      unpaidUsage: '0.0000',
      creditsExhausted: false,
      billingMode: 'prepaid',
    });
    const free = await grant(owner.id, '2', 'free');
    expect(free).toMatchObject({ paid: '12.5000', free: '2.0000', available: '14.5000' });
    const ledger = await db
      .selectFrom('creditTransactions')
      .select(['kind', 'pool', 'amount', 'balanceAfter', 'description', 'actor'])
      .where('userId', '=', owner.id)
      .orderBy('createdAt')
      .execute();
    expect(ledger).toEqual([
      {
        kind: 'purchase',
        pool: 'paid',
        amount: '12.5000',
        balanceAfter: '12.5000',
        description: 'test grant',
        actor: 'system',
      },
      {
        kind: 'grant',
        pool: 'free',
        amount: '2.0000',
        balanceAfter: '14.5000',
        description: 'test grant',
        actor: 'system',
      },
    ]);
    const credits = await db
      .selectFrom('userCredits')
      .select(['totalPurchased', 'freeCreditsGranted', 'lastPurchaseAt'])
      .where('userId', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(credits).toMatchObject({ totalPurchased: '12.5000', freeCreditsGranted: '2.0000' });
    expect(credits.lastPurchaseAt).toBeInstanceOf(Date);
    const audit = await db
      .selectFrom('auditLog')
      .select(['action', 'targetId', 'details'])
      .where('targetId', '=', owner.id)
      .where('action', '=', 'credits.grant')
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit[0]!.details).toMatchObject({
      amount: '12.5000',
      pool: 'paid',
      reason: 'test grant',
    });
  });

  it('refuses members, unknown users and amounts that are not positive', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const kind = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: unknown) => (e instanceof AppError ? e.kind : String(e)),
      );
    expect(await kind(grant(member.id, '1', 'paid'))).toBe('BAD_REQUEST');
    expect(await kind(grant('auth0|nobody', '1', 'paid'))).toBe('NOT_FOUND');
    expect(await kind(grant(owner.id, '0', 'free'))).toBe('BAD_REQUEST');
    const rows = await db
      .selectFrom('userCredits')
      .select('id')
      .where('userId', 'in', [owner.id, member.id])
      .execute();
    expect(rows).toEqual([]);
  });
});

describe('automatic assignment on a grant', () => {
  it('places a prepaid owner once credited; no room never fails the grant', async () => {
    const other = await createTestDatabase();
    try {
      const full = await makeCluster(other.db, { name: 'full-one', maxUsers: 1 });
      const squatter = await makeUser(other.db);
      await other.db
        .insertInto('userHopsworksAssignments')
        .values({ userId: squatter.id, hopsworksClusterId: full.id })
        .execute();
      const owner = await makeUser(other.db, { billingMode: 'prepaid' });
      await makeUser(other.db, { owner: owner.id });
      expect(await grant(owner.id, '5', 'paid', other.db)).toMatchObject({ available: '5.0000' });
      const unassigned = await other.db
        .selectFrom('userHopsworksAssignments')
        .select('userId')
        .where('userId', '=', owner.id)
        .execute();
      expect(unassigned).toEqual([]);
      const noRoom = await other.db
        .selectFrom('events')
        .select('payload')
        .where('kind', '=', 'cluster.no_room')
        .execute();
      expect(noRoom.map((e) => (e.payload as { ownerId: string }).ownerId)).toEqual([owner.id]);

      const roomy = await makeCluster(other.db, { name: 'roomy', maxUsers: 10 });
      await grant(owner.id, '1', 'free', other.db);
      const placed = await other.db
        .selectFrom('userHopsworksAssignments')
        .select(['userId', 'hopsworksClusterId'])
        .where('hopsworksClusterId', '=', roomy.id)
        .execute();
      expect(placed).toHaveLength(2); // the owner and the member
    } finally {
      await other.drop();
    }
  });
});
