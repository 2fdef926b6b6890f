// usage.ingest on the service (SPEC §3.4): pricing, writes, refusals, set-based statements.
// Over 300 lines: the pricing and refusal cases are listed one by one, on purpose.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { inTransaction, type Db } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { assignDirect, countingDb, makeCluster, makeUser, userDay } from '../../../test/helpers.ts';
import type { AuditActor } from '../../actor.ts';
import { AppError } from '../../errors.ts';
import { Decimal } from '../../money.ts';
import { grantCredits } from '../credits/account.ts';
import { ingestUsage, type UsageRecordInput } from './ingest.ts';
import { addDays } from '../../days.ts';

const { db } = await useTestDatabase();

const SERVICE: AuditActor = { userId: null, via: 'service', isAdmin: false, label: 'service:test' };
const ADMIN: AuditActor = { userId: null, via: 'system', isAdmin: true, label: 'system' };

function ingest(records: UsageRecordInput[], on: Db = db, today?: string) {
  return inTransaction(on, (trx) => ingestUsage(trx, SERVICE, records, today ? { today } : {}));
}

async function row(userId: string, date: string) {
  return db
    .selectFrom('usageDaily')
    .selectAll()
    .where('userId', '=', userId)
    .where('date', '=', date)
    .executeTakeFirstOrThrow();
}

/** Everything an ingest may change, to show a refused batch changed nothing. */
async function snapshot() {
  const { rows } = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM usage_daily)::text AS usage,
           (SELECT coalesce(sum(total_cost), 0)::text FROM usage_daily) AS cost,
           (SELECT count(*) FROM credit_transactions)::text AS ledger,
           (SELECT coalesce(sum(total_used + free_credits_used + unpaid_usage), 0)::text
              FROM user_credits) AS credits,
           (SELECT count(*) FROM audit_log)::text AS audit,
           (SELECT count(*) FROM events)::text AS events`.execute(db);
  return rows[0];
}

// The SPEC §3.4 card, written out here rather than read from the code: USD per unit.
const USD = {
  cpu: new Decimal('0.5').times('0.25'),
  gpu: new Decimal('10').times('0.25'),
  ram: new Decimal('0.05').times('0.25'),
  online: new Decimal('2').times('0.25'),
  offline: new Decimal('0.12').times('0.25'),
  egress: new Decimal('0.4').times('0.25'),
};

function halfEven4(value: Decimal): string {
  return value.toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN).toFixed(4);
}

function expectedCosts(r: UsageRecordInput) {
  const [y, m] = r.date.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const costs = {
    cpuCost: halfEven4(new Decimal(r.cpuHours).times(USD.cpu)),
    gpuCost: halfEven4(new Decimal(r.gpuHours).times(USD.gpu)),
    ramCost: halfEven4(new Decimal(r.ramGbHours).times(USD.ram)),
    storageCost: halfEven4(
      new Decimal(r.onlineStorageGb)
        .times(USD.online)
        .plus(new Decimal(r.offlineStorageGb).times(USD.offline))
        .dividedBy(days),
    ),
    networkCost: halfEven4(new Decimal(r.networkEgressGb).times(USD.egress)),
  };
  const total = Object.values(costs).reduce((a, c) => a.plus(c), new Decimal(0));
  return { ...costs, totalCost: total.toFixed(4) };
}

describe('usage.ingest pricing', () => {
  it('prices each column once, half-even to 4 decimals, with storage per day of the month', async () => {
    const user = await makeUser(db);
    // Ties go to the even digit: 0.0004 CPU h × 0.125 USD = 0.00005 → 0.0000, and
    // 0.002 CPU h × 0.125 USD = 0.00025 → 0.0002 (half-up would give 0.0001 and 0.0003).
    await ingest([
      userDay(user.id, '2025-09-10', {
        cpuHours: '0.0004',
        onlineStorageGb: '30',
        offlineStorageGb: '100',
      }),
      userDay(user.id, '2025-09-11', { cpuHours: '0.002', gpuHours: '1.5', networkEgressGb: '2' }),
    ]);
    const first = await row(user.id, '2025-09-10');
    expect(first).toMatchObject({
      cpuCost: '0.0000',
      storageCost: '0.6000', // (30 × 0.5 + 100 × 0.03) ÷ 30 days of September
      totalCost: '0.6000',
      rateCard: '2025-08',
      accountOwnerId: user.id,
    });
    const second = await row(user.id, '2025-09-11');
    expect(second).toMatchObject({
      cpuCost: '0.0002',
      gpuCost: '3.7500',
      networkCost: '0.2000',
      totalCost: '3.9502',
    });
  });

  it('stores costs equal to quantities × the rate card, total = sum of the rounded columns (property)', async () => {
    const user = await makeUser(db);
    let run = 0;
    const amount = fc
      .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 9_999 }))
      .map(([whole, frac]) => `${whole}.${String(frac).padStart(4, '0')}`);
    const quantities = fc.record({
      cpuHours: amount,
      gpuHours: amount,
      ramGbHours: amount,
      onlineStorageGb: amount,
      offlineStorageGb: amount,
      networkEgressGb: amount,
    });
    const day = fc.integer({ min: 0, max: 450 }).map((n) => addDays('2025-08-01', n));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(day, quantities), {
          minLength: 1,
          maxLength: 15,
          selector: ([d]) => d,
        }),
        async (days) => {
          run += 1;
          const records = days.map(([date, q]) => userDay(user.id, date, q));
          await ingest(records);
          for (const r of records) {
            const stored = await row(r.userId, r.date);
            expect(
              {
                cpuCost: stored.cpuCost,
                gpuCost: stored.gpuCost,
                ramCost: stored.ramCost,
                storageCost: stored.storageCost,
                networkCost: stored.networkCost,
                totalCost: stored.totalCost,
              },
              `run ${run}, ${r.date}`,
            ).toEqual(expectedCosts(r));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('usage.ingest writes', () => {
  it('re-sending a day replaces it; identical data changes nothing and writes no ledger row', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await inTransaction(db, (trx) =>
      grantCredits(trx, ADMIN, { userId: owner.id, amount: '100', pool: 'paid', reason: 'test' }),
    );
    const first = await ingest([userDay(owner.id, '2025-10-01', { cpuHours: '10' })]);
    expect(first).toEqual({ inserted: 1, updated: 0, costDelta: '1.2500' });
    const before = await row(owner.id, '2025-10-01');
    const ledger = await snapshot();

    const again = await ingest([userDay(owner.id, '2025-10-01', { cpuHours: '10.0000' })]);
    expect(again).toEqual({ inserted: 0, updated: 0, costDelta: '0.0000' });
    const after = await row(owner.id, '2025-10-01');
    expect(after.updatedAt).toEqual(before.updatedAt);
    expect((await snapshot())!.ledger).toBe(ledger!.ledger);

    const changed = await ingest([userDay(owner.id, '2025-10-01', { cpuHours: '4' })]);
    expect(changed).toEqual({ inserted: 0, updated: 1, costDelta: '-0.7500' });
    expect((await row(owner.id, '2025-10-01')).totalCost).toBe('0.5000');
    const count = await db
      .selectFrom('usageDaily')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('userId', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('a batch of new days, a day missing between stored ones, and re-sent days: each stored once, right', async () => {
    const owner = await makeUser(db);
    const other = await makeUser(db);
    await ingest([
      userDay(owner.id, '2025-10-01', { cpuHours: '1' }),
      userDay(owner.id, '2025-10-03', { cpuHours: '3' }),
    ]);
    const result = await ingest([
      userDay(owner.id, '2025-10-01', { cpuHours: '1' }), // identical: untouched
      userDay(owner.id, '2025-10-02', { cpuHours: '2' }), // between stored days: new
      userDay(owner.id, '2025-10-03', { cpuHours: '30' }), // re-sent, changed
      userDay(owner.id, '2025-10-04', { cpuHours: '4' }), // after the last stored: new
      userDay(other.id, '2025-10-01', { cpuHours: '8' }), // a user with nothing stored: new
    ]);
    // cost per CPU hour 0.125: new 2 + 4 + 8 hours, 27 more hours on the 3rd.
    expect(result).toEqual({ inserted: 3, updated: 1, costDelta: '5.1250' });
    const { rows } = await sql<{ userId: string; date: string; cpuHours: string }>`
      SELECT user_id, date, cpu_hours FROM usage_daily
      WHERE user_id IN (${owner.id}, ${other.id}) ORDER BY user_id = ${other.id}, date`.execute(db);
    expect(rows).toEqual([
      { userId: owner.id, date: '2025-10-01', cpuHours: '1.0000' },
      { userId: owner.id, date: '2025-10-02', cpuHours: '2.0000' },
      { userId: owner.id, date: '2025-10-03', cpuHours: '30.0000' },
      { userId: owner.id, date: '2025-10-04', cpuHours: '4.0000' },
      { userId: other.id, date: '2025-10-01', cpuHours: '8.0000' },
    ]);
  });

  it('stores awkward text of new days exactly: ids with a backslash, tab or newline, and such breakdowns', async () => {
    const stamp = Date.now();
    const owner = await makeUser(db, { id: `oidc|back\\slash\ttab ${stamp}` });
    const member = await makeUser(db, { id: `oidc|new\nline "q" ${stamp}`, owner: owner.id });
    const breakdown = { 'proj\\x': { note: 'a "quoted"\tvalue\nwith \\N' }, ünï: [1, null] };
    const result = await ingest([
      { ...userDay(member.id, '2025-10-05', { cpuHours: '1' }), projectBreakdown: breakdown },
      userDay(owner.id, '2025-10-05', { cpuHours: '2' }),
    ]);
    expect(result).toMatchObject({ inserted: 2, updated: 0 });
    const stored = await row(member.id, '2025-10-05');
    expect(stored).toMatchObject({ accountOwnerId: owner.id, projectBreakdown: breakdown });
    expect((await row(owner.id, '2025-10-05')).accountOwnerId).toBe(owner.id);
  });

  it('fixes the payer at ingestion: usage of a member who left stays with the old owner', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await ingest([userDay(member.id, '2025-10-01', { cpuHours: '1' })]);
    await db
      .updateTable('users')
      .set({ accountOwnerId: null })
      .where('id', '=', member.id)
      .execute();
    await ingest([userDay(member.id, '2025-10-02', { cpuHours: '1' })]);
    expect((await row(member.id, '2025-10-01')).accountOwnerId).toBe(owner.id);
    expect((await row(member.id, '2025-10-02')).accountOwnerId).toBe(member.id);
    // A correction of the old day keeps its payer too.
    await ingest([userDay(member.id, '2025-10-01', { cpuHours: '2' })]);
    expect(await row(member.id, '2025-10-01')).toMatchObject({
      accountOwnerId: owner.id,
      cpuHours: '2.0000',
    });
  });

  it("keeps the cluster and project breakdown a re-send omits; new rows take the user's cluster", async () => {
    const cluster = await makeCluster(db);
    const other = await makeCluster(db);
    const user = await makeUser(db);
    await assignDirect(db, user.id, cluster.id);
    await ingest([
      userDay(user.id, '2025-10-05', {
        cpuHours: '1',
        projectBreakdown: { p1: { cpuHours: '1' } },
      }),
    ]);
    expect(await row(user.id, '2025-10-05')).toMatchObject({
      hopsworksClusterId: cluster.id,
      projectBreakdown: { p1: { cpuHours: '1' } },
    });
    await ingest([userDay(user.id, '2025-10-05', { cpuHours: '2' })]);
    expect(await row(user.id, '2025-10-05')).toMatchObject({
      hopsworksClusterId: cluster.id,
      projectBreakdown: { p1: { cpuHours: '1' } },
    });
    await ingest([
      userDay(user.id, '2025-10-05', {
        cpuHours: '2',
        hopsworksClusterId: other.id,
        projectBreakdown: { p2: {} },
      }),
    ]);
    expect(await row(user.id, '2025-10-05')).toMatchObject({
      hopsworksClusterId: other.id,
      projectBreakdown: { p2: {} },
    });
  });

  it('keeps the lifetime counters of a credits owner by the quantity differences', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await ingest([
      userDay(owner.id, '2025-09-01', { cpuHours: '3', gpuHours: '1', onlineStorageGb: '30' }),
      userDay(owner.id, '2025-09-02', { cpuHours: '2', offlineStorageGb: '15' }),
    ]);
    await ingest([
      userDay(owner.id, '2025-09-01', { cpuHours: '1', gpuHours: '1', onlineStorageGb: '60' }),
    ]);
    const credits = await db
      .selectFrom('userCredits')
      .selectAll()
      .where('userId', '=', owner.id)
      .executeTakeFirstOrThrow();
    // 30 GB ÷ 30 days → 1 then 2 GB-months on day 1, plus 15 ÷ 30 = 0.5 on day 2.
    expect(credits).toMatchObject({
      cpuHoursUsed: '3.0000',
      gpuHoursUsed: '1.0000',
      storageGbMonths: '2.5000',
    });
  });
});

describe('usage.ingest refusals', () => {
  async function refused(records: UsageRecordInput[], today?: string) {
    const before = await snapshot();
    const error = await ingest(records, db, today).then(
      () => {
        throw new Error('the batch was accepted');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('BAD_REQUEST');
    expect(await snapshot()).toEqual(before);
    return (error as AppError).message;
  }

  it('refuses the whole batch, naming the first bad record, and changes nothing', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const good = (n: number) => userDay(owner.id, addDays('2025-11-01', n), { cpuHours: '1' });
    const batch = [good(0), good(1), good(2)];

    expect(await refused([...batch, userDay('auth0|nobody', '2025-11-05')])).toBe(
      'Record 3: there is no user auth0|nobody. Nothing was saved.',
    );
    expect(await refused([good(0), good(1), good(0)])).toMatch(
      /^Record 2: .* on 2025-11-01 is already in record 0; send each user-day once\./,
    );
    expect(await refused([good(0), userDay(owner.id, '2025-11-09', { gpuHours: '-1' })])).toMatch(
      /^Record 1: gpuHours must be a non-negative number/,
    );
    expect(
      await refused([good(0), userDay(owner.id, '2025-11-09', { gpuHours: '1.00001' })]),
    ).toMatch(/^Record 1: gpuHours/);
    expect(await refused([good(0), good(1), userDay(owner.id, '2025-07-31')])).toMatch(
      /^Record 2: no rate card is in force on 2025-07-31/,
    );
    expect(await refused([good(0), userDay(owner.id, '2025-11-31')])).toMatch(
      /^Record 1: date must be a day/,
    );
    expect(
      await refused([good(0), good(1), good(2), userDay(owner.id, '2026-01-02')], '2026-01-01'),
    ).toMatch(/^Record 3: 2026-01-02 is after today/);
    expect(
      await refused([
        good(0),
        userDay(owner.id, '2025-11-09', { hopsworksClusterId: crypto.randomUUID() }),
      ]),
    ).toMatch(/^Record 1: there is no cluster/);
    expect(
      await refused([good(0), userDay(owner.id, '2025-11-09', { gpuHours: '9999999999' })]),
    ).toMatch(/^Record 1: its cost .* is more than one usage row can hold/);
    // The first bad record wins, whatever kind of problem comes later.
    expect(
      await refused([
        good(0),
        userDay('auth0|ghost', '2025-11-02'),
        userDay(owner.id, '2025-11-03', { cpuHours: 'x' }),
      ]),
    ).toMatch(/^Record 1: there is no user auth0\|ghost/);
  });

  it('refuses a batch of new days whose bad record comes after the first rows were sent, changing nothing', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await inTransaction(db, (trx) =>
      grantCredits(trx, ADMIN, { userId: owner.id, amount: '50', pool: 'paid', reason: 'test' }),
    );
    const team = [
      owner,
      ...(await Promise.all([1, 2, 3].map(() => makeUser(db, { owner: owner.id })))),
    ];
    const batch = team.flatMap((u) =>
      Array.from({ length: 375 }, (_, d) =>
        userDay(u.id, addDays('2025-08-01', d), { cpuHours: '1' }),
      ),
    );
    batch[1_200] = { ...batch[1_200]!, gpuHours: '-1' };
    expect(await refused(batch)).toMatch(/^Record 1200: gpuHours must be a non-negative number/);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM usage_daily WHERE account_owner_id = ${owner.id}`.execute(db);
    expect(rows).toEqual([{ n: 0 }]);
  });
});

describe('usage.ingest is set-based', () => {
  it('stores 10 000 records in one call with as many statements as a batch of 10', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const members = [];
    for (let i = 0; i < 49; i += 1) members.push(await makeUser(db, { owner: owner.id }));
    const users = [owner, ...members];
    await inTransaction(db, (trx) =>
      grantCredits(trx, ADMIN, {
        userId: owner.id,
        amount: '1000000',
        pool: 'free',
        reason: 'test',
      }),
    );
    const batch = (days: number, start: string) =>
      users.flatMap((u, i) =>
        Array.from({ length: days }, (_, d) =>
          userDay(u.id, addDays(start, d), { cpuHours: `${i}.${d}`, onlineStorageGb: '12.5' }),
        ),
      );

    const small = countingDb(db);
    const few = batch(1, '2025-08-01').slice(0, 10);
    await ingest(few, small.db);

    const big = countingDb(db);
    const many = batch(200, '2025-09-01');
    expect(many).toHaveLength(10_000);
    const started = Date.now();
    const result = await ingest(many, big.db);
    const took = Date.now() - started;
    expect(result.inserted).toBe(10_000);
    expect(big.counter.statements).toBe(small.counter.statements);
    expect(big.counter.statements).toBeLessThan(15);

    // The answer and the ledger agree with the stored rows, summed in SQL.
    const { rows } = await sql<{ cost: string; rows: number }>`
      SELECT sum(total_cost)::text AS cost, count(*)::int AS rows
      FROM usage_daily WHERE account_owner_id = ${owner.id} AND date >= '2025-09-01'`.execute(db);
    expect(rows[0]).toEqual({ cost: result.costDelta, rows: 10_000 });
    const ledger = await sql<{ charged: string }>`
      SELECT (-sum(amount))::text AS charged FROM credit_transactions
      WHERE user_id = ${owner.id} AND kind = 'usage'`.execute(db);
    const paid = await sql<{ cost: string }>`
      SELECT sum(total_cost)::text AS cost FROM usage_daily
      WHERE account_owner_id = ${owner.id}`.execute(db);
    expect(ledger.rows[0]!.charged).toBe(paid.rows[0]!.cost);
    console.info(`ingest of 10 000 records: ${took} ms, ${big.counter.statements} statements`);

    // Re-sending the same 10 000 is a no-op.
    expect(await ingest(many)).toEqual({ inserted: 0, updated: 0, costDelta: '0.0000' });
  });
});
