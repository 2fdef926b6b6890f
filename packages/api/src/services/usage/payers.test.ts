// What an ingested batch does to its payers' credits (./payers.ts, through ingestUsage).
// (Over 300 lines: the concurrency and ledger-property cases share one SQL reading of the ledger.)
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { inTransaction, type Db } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser, userDay } from '../../../test/helpers.ts';
import type { AuditActor } from '../../actor.ts';
import { Decimal } from '../../money.ts';
import type { CreditPool } from '../../schemas.ts';
import { grantCredits } from '../credits/account.ts';
import { ingestUsage, type UsageRecordInput } from './ingest.ts';

const { db } = await useTestDatabase({ max: 40 });

const SERVICE: AuditActor = { userId: null, via: 'service', isAdmin: false, label: 'service:test' };
const ADMIN: AuditActor = { userId: null, via: 'system', isAdmin: true, label: 'system' };

const cpu = (userId: string, date: string, cpuHours: string) => userDay(userId, date, { cpuHours });

const ingest = (records: UsageRecordInput[], on: Db = db) =>
  inTransaction(on, (trx) => ingestUsage(trx, SERVICE, records));
const grant = (userId: string, amount: string, pool: CreditPool, on: Db = db) =>
  inTransaction(on, (trx) =>
    grantCredits(trx, ADMIN, { userId, amount, pool, reason: 'test grant' }),
  );

interface Credits {
  paidSum: string;
  freeSum: string;
  charged: string;
  totalPurchased: string;
  totalUsed: string;
  freeCreditsGranted: string;
  freeCreditsUsed: string;
  unpaidUsage: string;
  exhausted: boolean;
  events: number;
  cost: string;
}

/** An owner's credits, ledger sums, flag, alerts and the cost of the usage they pay. */
async function creditsOf(ownerId: string, on: Db = db): Promise<Credits> {
  const { rows } = await sql<Credits>`
    SELECT c.total_purchased, c.total_used, c.free_credits_granted, c.free_credits_used,
           c.unpaid_usage,
           (SELECT coalesce(sum(amount), 0) FROM credit_transactions t
             WHERE t.user_id = c.user_id AND pool = 'paid') AS paid_sum,
           (SELECT coalesce(sum(amount), 0) FROM credit_transactions t
             WHERE t.user_id = c.user_id AND pool = 'free') AS free_sum,
           (SELECT coalesce(-sum(amount), 0) FROM credit_transactions t
             WHERE t.user_id = c.user_id AND kind IN ('usage', 'refund')) AS charged,
           coalesce(u.feature_flags -> 'credits_exhausted' = 'true'::jsonb, false) AS exhausted,
           (SELECT count(*)::int FROM events e
             WHERE e.kind = 'credits.exhausted' AND e.payload ->> 'ownerId' = c.user_id) AS events,
           (SELECT coalesce(sum(total_cost), 0) FROM usage_daily d
             WHERE d.account_owner_id = c.user_id) AS cost
    FROM user_credits c JOIN users u ON u.id = c.user_id
    WHERE c.user_id = ${ownerId}`.execute(on);
  if (!rows[0]) throw new Error(`no user_credits row for ${ownerId}`);
  return rows[0];
}

const d = (value: string | number) => new Decimal(value);

/** SPEC §2.2: for every owner, the ledger sums equal the user_credits totals; nothing negative. */
async function expectLedgersBalanced(on: Db = db) {
  const { rows } = await sql<{ userId: string }>`
    SELECT c.user_id FROM user_credits c
    WHERE c.total_purchased - c.total_used
            <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions t
                WHERE t.user_id = c.user_id AND t.pool = 'paid')
       OR c.free_credits_granted - c.free_credits_used
            <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions t
                WHERE t.user_id = c.user_id AND t.pool = 'free')
       OR c.total_used > c.total_purchased OR c.free_credits_used > c.free_credits_granted
       OR c.unpaid_usage < 0`.execute(on);
  expect(rows, 'owners whose ledger does not match user_credits').toEqual([]);
}

function available(c: Credits): Decimal {
  return d(c.totalPurchased).minus(c.totalUsed).plus(c.freeCreditsGranted).minus(c.freeCreditsUsed);
}

describe('prepaid usage through the ledger', () => {
  it('spends free credits first, then paid, records the shortfall, flags and alerts once', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const member = await makeUser(db, { owner: owner.id });
    await grant(owner.id, '1', 'paid');
    await grant(owner.id, '0.5', 'free');
    await ingest([cpu(member.id, '2025-12-01', '8')]); // 1.0000
    let c = await creditsOf(owner.id);
    expect(c).toMatchObject({
      freeCreditsUsed: '0.5000',
      totalUsed: '0.5000',
      unpaidUsage: '0.0000',
      exhausted: false,
    });

    await ingest([cpu(owner.id, '2025-12-01', '8'), cpu(member.id, '2025-12-02', '8')]); // 2.0000 more
    c = await creditsOf(owner.id);
    expect(c).toMatchObject({
      totalUsed: '1.0000',
      unpaidUsage: '1.5000',
      exhausted: true,
      events: 1,
    });
    await ingest([cpu(owner.id, '2025-12-03', '1')]);
    c = await creditsOf(owner.id);
    expect(c).toMatchObject({ unpaidUsage: '1.6250', exhausted: true, events: 1 });
    await expectLedgersBalanced();

    // A grant settles the debt first; the flag clears only once the balance is positive again.
    expect(await grant(owner.id, '1', 'free')).toMatchObject({
      available: '0.0000',
      unpaidUsage: '0.6250',
      creditsExhausted: true,
    });
    expect(await grant(owner.id, '1', 'paid')).toMatchObject({
      paid: '0.3750',
      available: '0.3750',
      unpaidUsage: '0.0000',
      creditsExhausted: false,
    });
    c = await creditsOf(owner.id);
    expect(d(c.charged).minus(c.cost).plus(c.unpaidUsage).isZero()).toBe(true);
    await expectLedgersBalanced();
  });

  it('gives back a lowered cost: unpaid usage first, then paid, then free credits', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await grant(owner.id, '1', 'free');
    await grant(owner.id, '1', 'paid');
    await ingest([cpu(owner.id, '2025-12-01', '20')]); // 2.5000: 1 free, 1 paid, 0.5 unpaid
    expect(await creditsOf(owner.id)).toMatchObject({ unpaidUsage: '0.5000', exhausted: true });
    await ingest([cpu(owner.id, '2025-12-01', '18')]); // 2.2500: −0.25 from unpaid
    let c = await creditsOf(owner.id);
    expect(c).toMatchObject({
      unpaidUsage: '0.2500',
      totalUsed: '1.0000',
      freeCreditsUsed: '1.0000',
    });
    await ingest([cpu(owner.id, '2025-12-01', '6')]); // 0.7500: −0.25 unpaid, −1 paid, −0.25 free
    c = await creditsOf(owner.id);
    expect(c).toMatchObject({
      unpaidUsage: '0.0000',
      totalUsed: '0.0000',
      freeCreditsUsed: '0.7500',
      exhausted: false,
      events: 1,
    });
    const refunds = await db
      .selectFrom('creditTransactions')
      .select(['pool', 'amount'])
      .where('userId', '=', owner.id)
      .where('kind', '=', 'refund')
      .orderBy('createdAt')
      .execute();
    expect(refunds).toEqual([
      { pool: 'paid', amount: '1.0000' },
      { pool: 'free', amount: '0.2500' },
    ]);
    await expectLedgersBalanced();
  });

  it('leaves postpaid owners out of the ledger', async () => {
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    await ingest([cpu(owner.id, '2025-12-01', '100')]);
    const credits = await db
      .selectFrom('userCredits')
      .select('id')
      .where('userId', '=', owner.id)
      .execute();
    const ledger = await db
      .selectFrom('creditTransactions')
      .select('id')
      .where('userId', '=', owner.id)
      .execute();
    expect([credits, ledger]).toEqual([[], []]);
  });
});

describe('concurrency', () => {
  it('20 parallel ingests of one user-day leave one row and a balanced ledger', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await grant(owner.id, '1', 'paid');
    await grant(owner.id, '0.5', 'free');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => ingest([cpu(owner.id, '2025-12-24', String(i + 1))])),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const rows = await db
      .selectFrom('usageDaily')
      .selectAll()
      .where('userId', '=', owner.id)
      .execute();
    expect(rows).toHaveLength(1);
    const totalInserted = results.reduce(
      (n, r) => n + (r.status === 'fulfilled' ? r.value.inserted : 0),
      0,
    );
    expect(totalInserted).toBe(1);
    const c = await creditsOf(owner.id);
    // The charges net to the final row's cost minus what is unpaid.
    expect(d(c.charged).toFixed(4)).toBe(d(rows[0]!.totalCost).minus(c.unpaidUsage).toFixed(4));
    expect(available(c).gte(0)).toBe(true);
    if (d(c.unpaidUsage).gt(0)) expect(c.exhausted).toBe(true);
    if (available(c).gt(0)) expect(c.exhausted).toBe(false);
    await expectLedgersBalanced();
  });

  it('parallel ingests of a whole team and grants to its owner stay balanced, without deadlocks', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const members = await Promise.all(
      Array.from({ length: 8 }, () => makeUser(db, { owner: owner.id })),
    );
    const team = [owner, ...members];
    const work = [
      ...team.map((u, i) =>
        ingest([cpu(u.id, '2025-12-24', String(i + 3)), cpu(owner.id, '2025-12-25', String(i))]),
      ),
      ...team.map((u, i) => ingest([cpu(u.id, '2025-12-26', String(i))])),
      grant(owner.id, '2', 'paid'),
      grant(owner.id, '1', 'free'),
      grant(owner.id, '3', 'paid'),
    ];
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const c = await creditsOf(owner.id);
    expect(d(c.charged).toFixed(4)).toBe(d(c.cost).minus(c.unpaidUsage).toFixed(4));
    // 6 USD granted: what is unpaid and what is left add up to the cost.
    expect(available(c).minus(c.unpaidUsage).toFixed(4)).toBe(d(6).minus(c.cost).toFixed(4));
    await expectLedgersBalanced();
  });
});

describe('ledger property', () => {
  type Op =
    | { kind: 'ingest'; who: 0 | 1; day: number; cpuHours: string }
    | { kind: 'grant'; pool: CreditPool; amount: string };

  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('ingest' as const),
        who: fc.constantFrom(0 as const, 1 as const),
        day: fc.integer({ min: 0, max: 3 }),
        cpuHours: fc.integer({ min: 0, max: 400 }).map((n) => (n / 10).toFixed(1)),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('grant' as const),
        pool: fc.constantFrom('paid' as const, 'free' as const),
        amount: fc.integer({ min: 1, max: 600 }).map((n) => (n / 100).toFixed(2)),
      }),
    },
  );

  it('after any ingest / re-ingest / grant sequence the ledger equals user_credits and nothing goes negative', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const owner = await makeUser(db, { billingMode: 'prepaid' });
        const member = await makeUser(db, { owner: owner.id });
        const who = [owner.id, member.id];
        const costs = new Map<string, Decimal>();
        let granted = d(0);
        let flag = false;
        let alerts = 0;
        for (const step of ops) {
          if (step.kind === 'ingest') {
            const date = `2026-01-0${step.day + 1}`;
            await ingest([cpu(who[step.who]!, date, step.cpuHours)]);
            costs.set(`${step.who}/${date}`, d(step.cpuHours).times('0.125'));
          } else {
            await grant(owner.id, step.amount, step.pool);
            granted = granted.plus(step.amount);
          }
          const c = await creditsOf(owner.id);
          const cost = [...costs.values()].reduce((a, b) => a.plus(b), d(0));
          // Whatever the order, what is left is max(0, granted − cost), the rest is unpaid.
          expect(available(c).toFixed(4)).toBe(Decimal.max(0, granted.minus(cost)).toFixed(4));
          expect(d(c.unpaidUsage).toFixed(4)).toBe(Decimal.max(0, cost.minus(granted)).toFixed(4));
          expect(d(c.cost).toFixed(4)).toBe(cost.toFixed(4));
          expect(d(c.charged).toFixed(4)).toBe(cost.minus(c.unpaidUsage).toFixed(4));
          // The flag: on with a shortfall, off once the balance is positive; one alert per turn-on.
          const nextFlag: boolean = d(c.unpaidUsage).gt(0)
            ? true
            : available(c).gt(0)
              ? false
              : flag;
          if (nextFlag && !flag) alerts += 1;
          flag = nextFlag;
          expect({ exhausted: c.exhausted, events: c.events }).toEqual({
            exhausted: flag,
            events: alerts,
          });
        }
        await expectLedgersBalanced();
      }),
      { numRuns: 25 },
    );
  });
});
