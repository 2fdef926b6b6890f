import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, expectTrpcError, makeUser, userDay } from '../../test/helpers.ts';

const { db } = await useTestDatabase();

type User = Awaited<ReturnType<typeof makeUser>>;
const as = (user: User) => callerAs(db, { userId: user.id });
const anonymous = () => callerAs(db, { anonymous: true });

const admin = await makeUser(db, { isAdmin: true });

describe('credits.grant', () => {
  it('lets an admin add paid or free credits and answers with the new balance', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const caller = await as(admin);
    const paid = await caller.credits.grant({
      userId: owner.id,
      amount: 10,
      pool: 'paid',
      reason: 'Bought 40 credits',
    });
    expect(paid).toEqual({
      userId: owner.id,
      paid: '10.0000',
      free: '0.0000',
      available: '10.0000',
      unpaidUsage: '0.0000',
      creditsExhausted: false,
      billingMode: 'prepaid',
    });
    const free = await caller.credits.grant({
      userId: owner.id,
      amount: '2.5',
      pool: 'free',
      reason: 'Welcome',
    });
    expect(free).toMatchObject({ paid: '10.0000', free: '2.5000', available: '12.5000' });
    const audit = await db
      .selectFrom('auditLog')
      .select(['actorUserId', 'via', 'details'])
      .where('action', '=', 'credits.grant')
      .where('targetId', '=', owner.id)
      .orderBy('at')
      .execute();
    expect(audit.map((a) => a.details)).toMatchObject([
      { amount: '10.0000', pool: 'paid', reason: 'Bought 40 credits' },
      { amount: '2.5000', pool: 'free', reason: 'Welcome' },
    ]);
    expect(audit[0]).toMatchObject({ actorUserId: admin.id, via: 'web' });
  });

  it('is audited as Slack when the bot acts for an admin', async () => {
    const owner = await makeUser(db);
    const bot = await callerAs(db, { service: true, actAs: admin.id });
    await bot.credits.grant({ userId: owner.id, amount: '1', pool: 'free', reason: 'Slack grant' });
    const audit = await db
      .selectFrom('auditLog')
      .select(['actorUserId', 'via'])
      .where('action', '=', 'credits.grant')
      .where('targetId', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actorUserId: admin.id, via: 'slack' });
  });

  it('refuses non-admins, members as targets, and bad amounts or reasons', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const input = { userId: owner.id, amount: '5', pool: 'paid' as const, reason: 'because' };
    await expectTrpcError((await as(owner)).credits.grant(input), 'FORBIDDEN');
    await expectTrpcError((await anonymous()).credits.grant(input), 'UNAUTHORIZED');
    await expectTrpcError(
      (await callerAs(db, { service: true })).credits.grant(input),
      'FORBIDDEN',
    );
    const caller = await as(admin);
    const message = await expectTrpcError(
      caller.credits.grant({ ...input, userId: member.id }),
      'BAD_REQUEST',
    );
    expect(message).toMatch(/member of another account; grant credits to the account owner/);
    await expectTrpcError(caller.credits.grant({ ...input, amount: '0' }), 'BAD_REQUEST');
    await expectTrpcError(caller.credits.grant({ ...input, amount: -5 }), 'BAD_REQUEST');
    await expectTrpcError(caller.credits.grant({ ...input, amount: '1.00001' }), 'BAD_REQUEST');
    await expectTrpcError(caller.credits.grant({ ...input, reason: 'x' }), 'BAD_REQUEST');
    await expectTrpcError(caller.credits.grant({ ...input, userId: 'auth0|nobody' }), 'NOT_FOUND');
    const rows = await db
      .selectFrom('userCredits')
      .select('id')
      .where('userId', 'in', [owner.id, member.id])
      .execute();
    expect(rows).toEqual([]);
  });
});

describe('credits.balance', () => {
  it("shows an owner their own balance (zeros before any credit), and an admin anyone's", async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    expect(await (await as(owner)).credits.balance()).toEqual({
      userId: owner.id,
      paid: '0.0000',
      free: '0.0000',
      available: '0.0000',
      unpaidUsage: '0.0000',
      creditsExhausted: false,
      billingMode: 'prepaid',
    });
    await (
      await as(admin)
    ).credits.grant({ userId: owner.id, amount: '3', pool: 'free', reason: 'trial' });
    expect(await (await as(owner)).credits.balance({ userId: owner.id })).toMatchObject({
      free: '3.0000',
    });
    expect(await (await as(admin)).credits.balance({ userId: owner.id })).toMatchObject({
      available: '3.0000',
    });
  });

  it('refuses members, other owners and anonymous callers', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const stranger = await makeUser(db);
    await expectTrpcError((await as(member)).credits.balance(), 'FORBIDDEN');
    await expectTrpcError((await as(member)).credits.balance({ userId: owner.id }), 'FORBIDDEN');
    await expectTrpcError((await as(stranger)).credits.balance({ userId: owner.id }), 'FORBIDDEN');
    await expectTrpcError((await anonymous()).credits.balance(), 'UNAUTHORIZED');
    await expectTrpcError((await as(admin)).credits.balance({ userId: member.id }), 'BAD_REQUEST');
    await expectTrpcError(
      (await as(admin)).credits.balance({ userId: 'auth0|nobody' }),
      'NOT_FOUND',
    );
  });
});

describe('credits.transactions', () => {
  it('pages through the ledger newest first without gaps or repeats', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const admins = await as(admin);
    for (let i = 1; i <= 7; i += 1) {
      await admins.credits.grant({
        userId: owner.id,
        amount: String(i),
        pool: i % 2 ? 'paid' : 'free',
        reason: `grant ${i}`,
      });
    }
    await (
      await callerAs(db, { service: true })
    ).usage.ingest({
      records: [userDay(owner.id, '2025-12-01', { cpuHours: '8' })],
    });
    const caller = await as(owner);
    const seen: { description: string; amount: string; kind: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await caller.credits.transactions({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((t) => t.description)).toEqual([
      expect.stringMatching(/^Usage 2025-12-01/),
      'grant 7',
      'grant 6',
      'grant 5',
      'grant 4',
      'grant 3',
      'grant 2',
      'grant 1',
    ]);
    expect(seen[0]).toMatchObject({ kind: 'usage', amount: '-1.0000' });
    const first = (await caller.credits.transactions({ limit: 50 })).items[1]!;
    expect(first).toMatchObject({
      kind: 'purchase',
      pool: 'paid',
      amount: '7.0000',
      balanceAfter: '28.0000',
    });
    expect(first.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    const ofAdmin = await admins.credits.transactions({ userId: owner.id, limit: 500 });
    expect(ofAdmin.items).toHaveLength(8);
  });

  it('refuses a forged cursor, members, other owners and anonymous callers', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await expectTrpcError(
      (await as(owner)).credits.transactions({ cursor: 'garbage' }),
      'BAD_REQUEST',
    );
    const forged = Buffer.from(JSON.stringify(['soon', 'not-an-id'])).toString('base64url');
    await expectTrpcError(
      (await as(owner)).credits.transactions({ cursor: forged }),
      'BAD_REQUEST',
    );
    await expectTrpcError((await as(owner)).credits.transactions({ limit: 501 }), 'BAD_REQUEST');
    await expectTrpcError((await as(member)).credits.transactions({}), 'FORBIDDEN');
    await expectTrpcError(
      (await as(owner)).credits.transactions({ userId: admin.id }),
      'FORBIDDEN',
    );
    await expectTrpcError((await anonymous()).credits.transactions({}), 'UNAUTHORIZED');
  });
});
