import { beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { recordAudit } from '../audit.ts';
import { callerAs, expectTrpcError, makeCluster, makeUser } from '../../test/helpers.ts';

const { db } = await useTestDatabase();

let admin: Awaited<ReturnType<typeof makeUser>>;
let asAdmin: Awaited<ReturnType<typeof callerAs>>;

beforeAll(async () => {
  admin = await makeUser(db, { isAdmin: true, email: 'auditor@hops.test' });
  asAdmin = await callerAs(db, { userId: admin.id });
});

describe('audit.list', () => {
  it('shows admin actions newest first, with who and via what', async () => {
    const user = await makeUser(db);
    const cluster = await makeCluster(db);
    await asAdmin.admin.users.setStatus({
      userId: user.id,
      status: 'suspended',
      reason: 'Abuse report',
    });
    const bot = await callerAs(db, { service: true, actAs: admin.id });
    await bot.clusters.assign({ userId: user.id, clusterId: cluster.id });

    const { items } = await asAdmin.audit.list({ targetId: user.id });
    expect(items).toEqual([
      {
        id: expect.any(String),
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
        actorUserId: admin.id,
        actorEmail: 'auditor@hops.test',
        via: 'slack',
        action: 'clusters.assign',
        targetType: 'user',
        targetId: user.id,
        details: expect.objectContaining({ clusterId: cluster.id, users: 1 }),
      },
      {
        id: expect.any(String),
        at: expect.any(String),
        actorUserId: admin.id,
        actorEmail: 'auditor@hops.test',
        via: 'web',
        action: 'admin.users.setStatus',
        targetType: 'user',
        targetId: user.id,
        details: { email: user.email, from: 'active', to: 'suspended', reason: 'Abuse report' },
      },
    ]);
  });

  it('filters by actor, exact action and action prefix', async () => {
    const other = await makeUser(db, { isAdmin: true });
    const asOther = await callerAs(db, { userId: other.id });
    const target = await makeUser(db);
    await asOther.admin.users.setAdmin({ userId: target.id, isAdmin: true });
    await asOther.clusters.create({
      name: 'audit-filter',
      apiUrl: 'https://af.test',
      apiKey: 'k',
      maxUsers: 3,
    });

    const byActor = await asAdmin.audit.list({ actorId: other.id });
    expect(byActor.items.map((i) => i.action)).toEqual(['clusters.create', 'admin.users.setAdmin']);
    const exact = await asAdmin.audit.list({ actorId: other.id, action: 'admin.users.setAdmin' });
    expect(exact.items.map((i) => i.targetId)).toEqual([target.id]);
    const prefix = await asAdmin.audit.list({ action: 'clusters.*' });
    expect(prefix.items.length).toBeGreaterThan(0);
    expect(prefix.items.every((i) => i.action.startsWith('clusters.'))).toBe(true);
    expect((await asAdmin.audit.list({ action: 'clusters' })).items).toEqual([]);
    expect((await asAdmin.audit.list({ actorId: 'auth0|nobody' })).items).toEqual([]);
  });

  it('walks every row exactly once, rows written in one transaction included', async () => {
    const actor = {
      userId: admin.id,
      via: 'web' as const,
      isAdmin: true,
      label: `user:${admin.id}`,
    };
    // 23 rows in one transaction share `at`; 10 more one by one.
    await inTransaction(db, async (trx) => {
      for (let i = 0; i < 23; i += 1)
        await recordAudit(trx, actor, 'test.walk', { type: 'n', id: `bulk-${i}` });
    });
    for (let i = 0; i < 10; i += 1) {
      await inTransaction(db, (trx) =>
        recordAudit(trx, actor, 'test.walk', { type: 'n', id: `single-${i}` }),
      );
    }
    const seen: string[] = [];
    const at: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await asAdmin.audit.list({ action: 'test.walk', limit: 4, cursor });
      seen.push(...page.items.map((i) => i.targetId!));
      at.push(...page.items.map((i) => i.at));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
      expect(pages).toBeLessThan(20);
    } while (cursor);
    expect(seen).toHaveLength(33);
    expect(new Set(seen).size).toBe(33);
    expect(pages).toBe(9);
    expect(at).toEqual([...at].sort().reverse());
    expect(seen.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `single-${9 - i}`));
  });

  it('refuses forged cursors and bad limits', async () => {
    await expectTrpcError(asAdmin.audit.list({ cursor: '%%%' }), 'BAD_REQUEST');
    const forged = Buffer.from(
      JSON.stringify(['2026-01-01T00:00:00.000000Z', 'not-a-uuid']),
    ).toString('base64url');
    await expectTrpcError(asAdmin.audit.list({ cursor: forged }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.audit.list({ limit: 0 }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.audit.list({ limit: 1000 }), 'BAD_REQUEST');
  });

  it('is for admins only', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await expectTrpcError((await callerAs(db, { userId: member.id })).audit.list({}), 'FORBIDDEN');
    await expectTrpcError((await callerAs(db, { userId: owner.id })).audit.list({}), 'FORBIDDEN');
    await expectTrpcError((await callerAs(db, { anonymous: true })).audit.list({}), 'UNAUTHORIZED');
    await expectTrpcError((await callerAs(db, { service: true })).audit.list({}), 'FORBIDDEN');
  });
});
