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
    const bot = await callerAs(db, { service: true, actAs: admin.id });
    await bot.clusters.assign({ userId: user.id, clusterId: cluster.id });
    await asAdmin.admin.users.setStatus({
      userId: user.id,
      status: 'suspended',
      reason: 'Abuse report',
    });

    const { items } = await asAdmin.audit.list({ targetId: user.id });
    expect(items).toEqual([
      {
        id: expect.any(String),
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
        actorUserId: admin.id,
        actorEmail: 'auditor@hops.test',
        via: 'web',
        action: 'admin.users.setStatus',
        targetType: 'user',
        targetId: user.id,
        targetEmail: user.email,
        details: { email: user.email, from: 'active', to: 'suspended', reason: 'Abuse report' },
      },
      {
        id: expect.any(String),
        at: expect.any(String),
        actorUserId: admin.id,
        actorEmail: 'auditor@hops.test',
        via: 'slack',
        action: 'clusters.assign',
        targetType: 'user',
        targetId: user.id,
        targetEmail: user.email,
        details: expect.objectContaining({ clusterId: cluster.id, users: 1 }),
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

  it('filters by the e-mail of who acted and of whom the change is about, any case, in part', async () => {
    const tag = 'aud7m';
    const boss = await makeUser(db, { isAdmin: true, email: `Boss@${tag}.test` });
    const deputy = await makeUser(db, { isAdmin: true, email: `deputy@${tag}.test` });
    const owner = await makeUser(db, { email: `owner@${tag}.test` });
    const victim = await makeUser(db, { email: `victim_1@${tag}.test` });
    const asBoss = await callerAs(db, { userId: boss.id });
    const asDeputy = await callerAs(db, { userId: deputy.id });
    await asBoss.admin.users.setStatus({ userId: victim.id, status: 'suspended', reason: 'Spam' });
    await asDeputy.credits.grant({ userId: owner.id, amount: '5', pool: 'free', reason: 'Sorry' });
    // An invite is about a person who may have no user yet: its e-mail is the invitee's.
    await asDeputy.invites.create({ ownerId: owner.id, email: `invitee@${tag}.test` });

    const actions = async (input: Parameters<typeof asAdmin.audit.list>[0]) =>
      (await asAdmin.audit.list(input)).items.map((i) => i.action);
    expect(await actions({ actorEmail: `BOSS@${tag.toUpperCase()}` })).toEqual([
      'admin.users.setStatus',
    ]);
    expect(await actions({ actorEmail: `deputy@${tag}.test` })).toEqual([
      'invites.create',
      'credits.grant',
    ]);
    expect(await actions({ actorEmail: `@${tag}.test` })).toEqual([
      'invites.create',
      'credits.grant',
      'admin.users.setStatus',
    ]);
    expect(await actions({ targetEmail: `Owner@${tag}` })).toEqual(['credits.grant']);
    expect(await actions({ targetEmail: `invitee@${tag}.test` })).toEqual(['invites.create']);
    expect(await actions({ targetEmail: `@${tag}.test`, actorEmail: 'deputy' })).toEqual([
      'invites.create',
      'credits.grant',
    ]);
    // LIKE wildcards are matched literally: "_" is not "any character".
    expect(await actions({ targetEmail: 'victim_1' })).toEqual(['admin.users.setStatus']);
    expect(await actions({ targetEmail: 'victim%' })).toEqual([]);
    expect(await actions({ actorEmail: 'nobody@nowhere.test' })).toEqual([]);

    const [invite] = (await asAdmin.audit.list({ targetEmail: `invitee@${tag}` })).items;
    expect(invite).toMatchObject({ targetType: 'invite', targetEmail: `invitee@${tag}.test` });
    const [grant] = (
      await asAdmin.audit.list({ actorEmail: deputy.email, action: 'credits.grant' })
    ).items;
    expect(grant).toMatchObject({ actorEmail: deputy.email, targetEmail: owner.email });
  });

  it('refuses an empty or overlong e-mail filter with a sentence', async () => {
    expect(await expectTrpcError(asAdmin.audit.list({ actorEmail: '  ' }), 'BAD_REQUEST')).toBe(
      'Type at least one character of the e-mail.',
    );
    expect(
      await expectTrpcError(asAdmin.audit.list({ targetEmail: 'x'.repeat(321) }), 'BAD_REQUEST'),
    ).toBe('An e-mail address has at most 320 characters.');
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
