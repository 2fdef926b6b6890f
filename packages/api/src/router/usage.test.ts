// usage.* through the router (SPEC §4). Over 300 lines: one shared data set for five procedures.
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Decimal } from '../money.ts';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, expectTrpcError, makeUser, ZERO_QUANTITIES } from '../../test/helpers.ts';

const { db } = await useTestDatabase();

type User = Awaited<ReturnType<typeof makeUser>>;
let alice: User; // owner
let amy: User; // alice's member
let andy: User; // alice's member without usage
let bob: User; // another owner
let ben: User; // bob's member
let admin: User;

const service = () => callerAs(db, { service: true });
const as = (user: User) => callerAs(db, { userId: user.id });

beforeAll(async () => {
  alice = await makeUser(db, { name: 'Alice', email: 'alice@acme.test' });
  amy = await makeUser(db, { name: 'Amy', owner: alice.id });
  andy = await makeUser(db, { name: 'Andy', owner: alice.id });
  bob = await makeUser(db, { name: 'Bob', email: 'bob@bobco.test' });
  ben = await makeUser(db, { owner: bob.id });
  admin = await makeUser(db, { isAdmin: true });
  // October 2025: alice 8 CPU h/day on the 1st and 2nd (1 USD each), amy 1 GPU h on the 2nd
  // (2.5 USD) and 30 GB online on the 3rd (0.5 ÷ 31 days), bob's account 20 USD on the 1st.
  const result = await (
    await service()
  ).usage.ingest({
    records: [
      { ...ZERO_QUANTITIES, userId: alice.id, date: '2025-10-01', cpuHours: 8 },
      { ...ZERO_QUANTITIES, userId: alice.id, date: '2025-10-02', cpuHours: '8' },
      { ...ZERO_QUANTITIES, userId: amy.id, date: '2025-10-02', gpuHours: 1 },
      { ...ZERO_QUANTITIES, userId: amy.id, date: '2025-10-03', onlineStorageGb: '31' },
      { ...ZERO_QUANTITIES, userId: bob.id, date: '2025-10-01', gpuHours: '4' },
      { ...ZERO_QUANTITIES, userId: ben.id, date: '2025-10-01', gpuHours: '4' },
    ],
  });
  expect(result).toEqual({ inserted: 6, updated: 0, costDelta: '25.0000' });
});

async function counts() {
  const { rows } = await sql<{ usage: number; cost: string; audit: number }>`
    SELECT (SELECT count(*)::int FROM usage_daily) AS usage,
           (SELECT coalesce(sum(total_cost), 0)::text FROM usage_daily) AS cost,
           (SELECT count(*)::int FROM audit_log) AS audit`.execute(db);
  return rows[0];
}

describe('usage.ingest', () => {
  it('takes JSON numbers and decimal strings, and audits the batch', async () => {
    const user = await makeUser(db);
    const res = await (
      await service()
    ).usage.ingest({
      records: [
        {
          ...ZERO_QUANTITIES,
          userId: user.id,
          date: '2025-11-01',
          cpuHours: 1.25,
          ramGbHours: '10',
        },
      ],
    });
    expect(res).toEqual({ inserted: 1, updated: 0, costDelta: '0.2812' }); // 0.15625 → 0.1562 (half-even) + 0.125
    const audit = await db
      .selectFrom('auditLog')
      .select(['via', 'actorUserId', 'details'])
      .where('action', '=', 'usage.ingest')
      .orderBy('at', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      via: 'service',
      actorUserId: null,
      details: { records: 1, inserted: 1 },
    });
  });

  it('is for service tokens only', async () => {
    const records = [{ ...ZERO_QUANTITIES, userId: alice.id, date: '2025-11-02', cpuHours: '1' }];
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).usage.ingest({ records }),
      'UNAUTHORIZED',
    );
    await expectTrpcError((await as(alice)).usage.ingest({ records }), 'FORBIDDEN');
    await expectTrpcError((await as(admin)).usage.ingest({ records }), 'FORBIDDEN');
  });

  it('refuses a bad batch with the index of the first bad record, and saves none of it', async () => {
    const before = await counts();
    const good = { ...ZERO_QUANTITIES, userId: alice.id, date: '2025-11-03', cpuHours: '1' };
    const message = await expectTrpcError(
      (await service()).usage.ingest({
        records: [good, { ...good, date: '2025-11-04' }, { ...good, userId: 'auth0|x' }],
      }),
      'BAD_REQUEST',
    );
    expect(message).toBe('Record 2: there is no user auth0|x. Nothing was saved.');
    const negative = await expectTrpcError(
      (await service()).usage.ingest({
        records: [good, { ...good, date: '2025-11-05', cpuHours: -3 }],
      }),
      'BAD_REQUEST',
    );
    expect(negative).toMatch(/^Record 1: cpuHours must be a non-negative number/);
    const tooMany = await expectTrpcError(
      (await service()).usage.ingest({ records: Array.from({ length: 10_001 }, () => good) }),
      'BAD_REQUEST',
    );
    expect(tooMany).toMatch(/at most 10 000 records/);
    expect(await counts()).toEqual(before);
  });
});

describe('usage.daily', () => {
  const range = { from: '2025-10-01', to: '2025-10-04' };

  it('gives a member their own usage, one row per day, zero rows for days without usage', async () => {
    const days = await (await as(amy)).usage.daily(range);
    expect(days.map((d) => [d.date, d.totalCost])).toEqual([
      ['2025-10-01', '0.0000'],
      ['2025-10-02', '2.5000'],
      ['2025-10-03', '0.5000'],
      ['2025-10-04', '0.0000'],
    ]);
    expect(days[2]).toMatchObject({
      onlineStorageGb: '31.0000',
      storageCost: '0.5000',
      gpuHours: '0.0000',
    });
    expect(await (await as(amy)).usage.daily({ ...range, userId: amy.id })).toEqual(days);
  });

  it("gives an owner the account's usage, or one member's", async () => {
    const account = await (await as(alice)).usage.daily(range);
    expect(account.map((d) => d.totalCost)).toEqual(['1.0000', '3.5000', '0.5000', '0.0000']);
    expect(account[1]).toMatchObject({
      cpuHours: '8.0000',
      gpuHours: '1.0000',
      cpuCost: '1.0000',
      gpuCost: '2.5000',
    });
    const member = await (await as(alice)).usage.daily({ ...range, userId: amy.id });
    expect(member.map((d) => d.totalCost)).toEqual(['0.0000', '2.5000', '0.5000', '0.0000']);
    const own = await (await as(alice)).usage.daily({ ...range, accountOwnerId: alice.id });
    expect(own).toEqual(account);
  });

  it('lets an admin read any user or account', async () => {
    const ofBen = await (await as(admin)).usage.daily({ ...range, userId: ben.id });
    expect(ofBen[0]!.totalCost).toBe('10.0000');
    const ofBob = await (await as(admin)).usage.daily({ ...range, accountOwnerId: bob.id });
    expect(ofBob[0]!.totalCost).toBe('20.0000');
    await expectTrpcError(
      (await as(admin)).usage.daily({ ...range, userId: 'auth0|nobody' }),
      'NOT_FOUND',
    );
  });

  it('refuses what the caller may not see', async () => {
    await expectTrpcError((await as(amy)).usage.daily({ ...range, userId: andy.id }), 'FORBIDDEN');
    await expectTrpcError((await as(amy)).usage.daily({ ...range, userId: alice.id }), 'FORBIDDEN');
    await expectTrpcError(
      (await as(amy)).usage.daily({ ...range, accountOwnerId: alice.id }),
      'FORBIDDEN',
    );
    await expectTrpcError((await as(alice)).usage.daily({ ...range, userId: ben.id }), 'FORBIDDEN');
    await expectTrpcError(
      (await as(alice)).usage.daily({ ...range, accountOwnerId: bob.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).usage.daily(range),
      'UNAUTHORIZED',
    );
    await expectTrpcError(
      (await as(alice)).usage.daily({ from: '2025-10-05', to: '2025-10-01' }),
      'BAD_REQUEST',
    );
  });
});

describe('usage.summary', () => {
  const range = { from: '2025-10-01', to: '2025-10-31' };

  it('gives an owner totals by resource and a line per member, members without usage too', async () => {
    const summary = await (await as(alice)).usage.summary(range);
    expect(summary).toMatchObject({
      from: range.from,
      to: range.to,
      accountOwnerId: alice.id,
      totalCost: '5.0000',
      totals: {
        cpuHours: '16.0000',
        gpuHours: '1.0000',
        onlineStorageGb: '31.0000',
        cpuCost: '2.0000',
        gpuCost: '2.5000',
        storageCost: '0.5000',
        totalCost: '5.0000',
      },
    });
    expect(summary.byMember.map((m) => [m.userId, m.email, m.totalCost])).toEqual([
      [amy.id, amy.email, '3.0000'],
      [alice.id, alice.email, '2.0000'],
      [andy.id, andy.email, '0.0000'],
    ]);
    const sum = summary.byMember.reduce((a, m) => a.plus(m.totalCost), new Decimal(0));
    expect(sum.toFixed(4)).toBe(summary.totalCost);
  });

  it('gives a member only their own line, and an admin any account', async () => {
    const mine = await (await as(amy)).usage.summary(range);
    expect(mine).toMatchObject({ userId: amy.id, accountOwnerId: null, totalCost: '3.0000' });
    expect(mine.byMember.map((m) => m.userId)).toEqual([amy.id]);
    const bobs = await (await as(admin)).usage.summary({ ...range, accountOwnerId: bob.id });
    expect(bobs.totalCost).toBe('20.0000');
    expect(bobs.byMember.map((m) => m.totalCost)).toEqual(['10.0000', '10.0000']);
  });

  it("gives an owner exactly one member's sums with userId, the way usage.daily scopes it", async () => {
    const amys = await (await as(alice)).usage.summary({ ...range, userId: amy.id });
    expect(amys).toMatchObject({
      userId: amy.id,
      accountOwnerId: alice.id,
      totalCost: '3.0000',
      totals: {
        cpuHours: '0.0000',
        gpuHours: '1.0000',
        onlineStorageGb: '31.0000',
        gpuCost: '2.5000',
        storageCost: '0.5000',
        totalCost: '3.0000',
      },
    });
    expect(amys.byMember.map((m) => m.userId)).toEqual([amy.id]);
    // The same sums as amy's line of the account's summary, and as her daily rows added up.
    const account = await (await as(alice)).usage.summary(range);
    const {
      userId: _id,
      email: _email,
      name: _name,
      formerMember: _former,
      ...line
    } = account.byMember.find((m) => m.userId === amy.id)!;
    expect(amys.totals).toEqual(line);
    const daily = await (await as(alice)).usage.daily({ ...range, userId: amy.id });
    const dailyCost = daily.reduce((a, d) => a.plus(d.totalCost), new Decimal(0));
    expect(dailyCost.toFixed(4)).toBe(amys.totalCost);
    // An admin may ask for anyone.
    const bens = await (await as(admin)).usage.summary({ ...range, userId: ben.id });
    expect(bens).toMatchObject({ userId: ben.id, totalCost: '10.0000' });
  });

  it('marks who has left the account since, whose usage the account still paid', async () => {
    const september = { from: '2025-09-01', to: '2025-09-30' }; // a month of its own
    const carol = await makeUser(db, { name: 'Carol', email: 'carol@left.test' });
    const cody = await makeUser(db, { name: 'Cody', email: 'cody@left.test', owner: carol.id });
    const cleo = await makeUser(db, { name: 'Cleo', email: 'cleo@left.test', owner: carol.id });
    await (
      await service()
    ).usage.ingest({
      records: [
        { ...ZERO_QUANTITIES, userId: cody.id, date: '2025-09-05', gpuHours: '2' },
        { ...ZERO_QUANTITIES, userId: cleo.id, date: '2025-09-05', gpuHours: '1' },
      ],
    });
    await (await as(carol)).team.removeMember({ memberId: cody.id });

    const account = await (await as(carol)).usage.summary(september);
    expect(account.byMember.map((m) => [m.email, m.totalCost, m.formerMember])).toEqual([
      [cody.email, '5.0000', true],
      [cleo.email, '2.5000', false],
      [carol.email, '0.0000', false],
    ]);
    expect(account.totalCost).toBe('7.5000');
    // The same mark when the owner opens that one person, and none on their own summary.
    const codys = await (await as(carol)).usage.summary({ ...september, userId: cody.id });
    expect(codys.byMember.map((m) => m.formerMember)).toEqual([true]);
    const own = await (await as(cody)).usage.summary(september);
    expect(own.byMember.map((m) => [m.userId, m.formerMember])).toEqual([[cody.id, false]]);
    const admins = await (
      await as(admin)
    ).usage.summary({ ...september, accountOwnerId: carol.id });
    expect(admins.byMember.find((m) => m.userId === cody.id)?.formerMember).toBe(true);
  });

  it('refuses a member asking for a teammate, and an owner asking for a stranger', async () => {
    await expectTrpcError(
      (await as(amy)).usage.summary({ ...range, userId: andy.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await as(andy)).usage.summary({ ...range, userId: amy.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await as(alice)).usage.summary({ ...range, userId: ben.id }),
      'FORBIDDEN',
    );
    expect((await (await as(amy)).usage.summary({ ...range, userId: amy.id })).totalCost).toBe(
      '3.0000',
    );
  });

  it('refuses other accounts and anonymous callers', async () => {
    await expectTrpcError(
      (await as(alice)).usage.summary({ ...range, accountOwnerId: bob.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await as(amy)).usage.summary({ ...range, accountOwnerId: alice.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).usage.summary(range),
      'UNAUTHORIZED',
    );
  });
});

describe('usage.top', () => {
  const range = { from: '2025-10-01', to: '2025-10-31' };

  it('ranks accounts by cost for admins', async () => {
    const top = await (await as(admin)).usage.top(range);
    expect(top.slice(0, 2)).toEqual([
      {
        accountOwnerId: bob.id,
        ownerEmail: bob.email,
        ownerName: 'Bob',
        totalCost: '20.0000',
        activeUsers: 2,
      },
      {
        accountOwnerId: alice.id,
        ownerEmail: alice.email,
        ownerName: 'Alice',
        totalCost: '5.0000',
        activeUsers: 2,
      },
    ]);
    expect(await (await as(admin)).usage.top({ ...range, limit: 1 })).toHaveLength(1);
    expect(await (await as(admin)).usage.top({ from: '2025-10-03', to: '2025-10-03' })).toEqual([
      {
        accountOwnerId: alice.id,
        ownerEmail: alice.email,
        ownerName: 'Alice',
        totalCost: '0.5000',
        activeUsers: 1,
      },
    ]);
  });

  it('is for admins only, with a limit of 1 to 100', async () => {
    await expectTrpcError((await as(alice)).usage.top(range), 'FORBIDDEN');
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).usage.top(range),
      'UNAUTHORIZED',
    );
    await expectTrpcError((await as(admin)).usage.top({ ...range, limit: 101 }), 'BAD_REQUEST');
    await expectTrpcError((await as(admin)).usage.top({ ...range, limit: 0 }), 'BAD_REQUEST');
  });
});

describe('usage.top and usage.summary on many accounts', () => {
  const range = { from: '2025-12-01', to: '2025-12-20' };

  it('agree with sums of the stored rows, ties ranked by owner id', async () => {
    // Seven accounts of 1–3 people with pseudo-random usage; the last two identical (a tie).
    let seed = 7;
    const next = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const sizes = [1, 2, 3, 1, 2, 3, 3];
    const accounts: User[][] = [];
    for (const size of sizes) {
      const owner = await makeUser(db);
      const team = [owner];
      while (team.length < size) team.push(await makeUser(db, { owner: owner.id }));
      accounts.push(team);
    }
    const usageOf = (user: User, m: number, d: number, a: number) => ({
      ...ZERO_QUANTITIES,
      userId: user.id,
      date: `2025-12-${String(d + 1).padStart(2, '0')}`,
      cpuHours: (a >= 5 ? 1 + ((m + d) % 5) : Math.floor(next() * 400) / 4).toString(),
      gpuHours: a >= 5 ? '0.5' : (Math.floor(next() * 40) / 8).toString(),
    });
    const batch = accounts.flatMap((team, a) =>
      team.flatMap((user, m) => Array.from({ length: 20 }, (_, d) => usageOf(user, m, d, a))),
    );
    await (await service()).usage.ingest({ records: batch });

    const { rows } = await sql<{ accountOwnerId: string; userId: string; totalCost: string }>`
      SELECT account_owner_id, user_id, total_cost FROM usage_daily
      WHERE date BETWEEN ${range.from}::date AND ${range.to}::date`.execute(db);
    const expected = new Map<string, { cost: Decimal; users: Set<string> }>();
    for (const r of rows) {
      const e = expected.get(r.accountOwnerId) ?? { cost: new Decimal(0), users: new Set() };
      e.cost = e.cost.plus(r.totalCost);
      e.users.add(r.userId);
      expected.set(r.accountOwnerId, e);
    }
    const ranked = [...expected.entries()]
      .sort(([a, x], [b, y]) => y.cost.comparedTo(x.cost) || (a < b ? -1 : 1))
      .map(([id, e]) => [id, e.cost.toFixed(4), e.users.size]);
    const top = await (await as(admin)).usage.top({ ...range, limit: 100 });
    expect(top.map((t) => [t.accountOwnerId, t.totalCost, t.activeUsers])).toEqual(ranked);
    const [five, six] = [accounts[5]![0]!.id, accounts[6]![0]!.id];
    const tied = top.filter((t) => t.accountOwnerId === five || t.accountOwnerId === six);
    expect(tied[0]!.totalCost).toBe(tied[1]!.totalCost);
    expect(tied.map((t) => t.accountOwnerId)).toEqual([five, six].sort());

    for (const team of accounts) {
      const summary = await (await as(team[0]!)).usage.summary(range);
      const mine = rows.filter((r) => r.accountOwnerId === team[0]!.id);
      const total = mine.reduce((s, r) => s.plus(r.totalCost), new Decimal(0));
      expect(summary.totalCost).toBe(total.toFixed(4));
      expect(summary.totals.totalCost).toBe(total.toFixed(4));
      expect(summary.byMember.map((m) => m.userId).sort()).toEqual(team.map((u) => u.id).sort());
      for (const member of summary.byMember) {
        const theirs = mine.filter((r) => r.userId === member.userId);
        expect(member.totalCost).toBe(
          theirs.reduce((s, r) => s.plus(r.totalCost), new Decimal(0)).toFixed(4),
        );
      }
    }
  });
});
