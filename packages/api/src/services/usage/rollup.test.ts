// The rollup of usage by account and day (migration 0019, usage_account_months): after any mix of
// new days, corrections up and down, identical re-sends, rows moved or deleted, and a TRUNCATE, it
// equals the sums of usage_daily's rows, day by day; and usage.top ranked on it answers exactly
// what the ranking over usage_daily's rows answers.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser, userDay } from '../../../test/helpers.ts';
import type { AuditActor } from '../../actor.ts';
import { addDays } from '../../days.ts';
import { ingestUsage, type UsageRecordInput } from './ingest.ts';
import { listTopAccounts } from './reads.ts';

const { db } = await useTestDatabase();
const SERVICE: AuditActor = { userId: null, via: 'service', isAdmin: false, label: 'service:test' };

const ingest = (records: UsageRecordInput[]) =>
  inTransaction(db, (trx) => ingestUsage(trx, SERVICE, records, { today: '2026-03-31' }));

/**
 * Every (account, day) where the rollup and the rows disagree: the rollup's day is its running
 * total minus the day before's; the rows' day is the sum of total_cost by payer.
 */
async function disagreements() {
  const { rows } = await sql<{
    accountOwnerId: string;
    date: string;
    rollup: string;
    rows: string;
  }>`
    WITH rollup AS (
      SELECT m.account_owner_id, (m.month + (i - 1))::date AS date,
             m.cum[i] - coalesce(m.cum[i - 1], 0) AS cost
      FROM usage_account_months m, generate_subscripts(m.cum, 1) AS i
    ), stored AS (
      SELECT account_owner_id, date, sum(total_cost) AS cost
      FROM usage_daily GROUP BY account_owner_id, date
    )
    SELECT coalesce(r.account_owner_id, s.account_owner_id) AS account_owner_id,
           to_char(coalesce(r.date, s.date), 'YYYY-MM-DD') AS date,
           coalesce(r.cost, 0)::text AS rollup, coalesce(s.cost, 0)::text AS rows
    FROM rollup r
    FULL JOIN stored s ON s.account_owner_id = r.account_owner_id AND s.date = r.date
    WHERE coalesce(r.cost, 0) <> coalesce(s.cost, 0)`.execute(db);
  return rows;
}

async function rollupRows() {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM usage_account_months`.execute(db);
  return rows[0]!.n;
}

describe('usage_account_months', () => {
  it('equals the rows after new days, corrections, identical re-sends, moves, deletes and TRUNCATE', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const other = await makeUser(db);
    // February has 28 days in 2026: a month's row has one figure per day of its month.
    await ingest([
      userDay(owner.id, '2026-02-27', { cpuHours: '10' }),
      userDay(member.id, '2026-02-28', { cpuHours: '2.5', gpuHours: '1' }),
      userDay(member.id, '2026-03-01', { ramGbHours: '100' }),
      userDay(other.id, '2026-03-15', { cpuHours: '7.25' }),
    ]);
    expect(await disagreements()).toEqual([]);
    const { rows: months } = await sql<{ month: string; days: number }>`
      SELECT to_char(month, 'YYYY-MM-DD') AS month, cardinality(cum) AS days
      FROM usage_account_months WHERE account_owner_id = ${owner.id} ORDER BY month`.execute(db);
    expect(months).toEqual([
      { month: '2026-02-01', days: 28 },
      { month: '2026-03-01', days: 31 },
    ]);

    // Corrections: one day down, one day up, one identical (writes nothing), one new day.
    await ingest([
      userDay(owner.id, '2026-02-27', { cpuHours: '4' }),
      userDay(member.id, '2026-02-28', { cpuHours: '2.5', gpuHours: '3' }),
      userDay(member.id, '2026-03-01', { ramGbHours: '100' }),
      userDay(owner.id, '2026-03-31', { cpuHours: '1' }),
    ]);
    expect(await disagreements()).toEqual([]);

    // Anything else that writes usage_daily keeps it too: a row moved to another day and payer,
    // a deleted row, a whole table emptied.
    await sql`UPDATE usage_daily SET date = '2026-01-10', account_owner_id = ${other.id}
              WHERE user_id = ${member.id} AND date = '2026-02-28'`.execute(db);
    expect(await disagreements()).toEqual([]);
    await sql`DELETE FROM usage_daily WHERE user_id = ${other.id}`.execute(db);
    expect(await disagreements()).toEqual([]);
    await sql`TRUNCATE usage_daily CASCADE`.execute(db);
    expect(await rollupRows()).toBe(0);
  });

  it('after any sequence of ingests and re-ingests, equals the rows and ranks accounts like them (property)', async () => {
    const owners = [await makeUser(db), await makeUser(db), await makeUser(db)];
    const people = [
      ...owners,
      await makeUser(db, { owner: owners[0]!.id }),
      await makeUser(db, { owner: owners[1]!.id }),
    ];
    const dayArb = fc.integer({ min: 0, max: 70 }).map((n) => addDays('2026-01-20', n));
    const recordArb = fc.record({
      person: fc.integer({ min: 0, max: people.length - 1 }),
      date: dayArb,
      cpu: fc.integer({ min: 0, max: 400_000 }).map((n) => (n / 10_000).toFixed(4)),
      gpu: fc.integer({ min: 0, max: 3 }).map(String),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(recordArb, { minLength: 1, maxLength: 12 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.tuple(dayArb, fc.integer({ min: 0, max: 45 })),
        async (batches, [from, length]) => {
          for (const batch of batches) {
            const seen = new Set<string>();
            const records = batch
              .filter((r) => {
                const key = `${r.person}/${r.date}`;
                if (seen.has(key)) return false;
                seen.add(key);
                return true;
              })
              .map((r) =>
                userDay(people[r.person]!.id, r.date, { cpuHours: r.cpu, gpuHours: r.gpu }),
              );
            await ingest(records);
          }
          expect(await disagreements()).toEqual([]);
          const range = { from, to: addDays(from, length) };
          for (const limit of [1, 2, 20]) {
            const fromRollup = await listTopAccounts(db, { ...range, limit });
            const { rows: fromRows } = await sql<{ accountOwnerId: string; totalCost: string }>`
              SELECT account_owner_id, round(sum(total_cost), 4)::text AS total_cost
              FROM usage_daily WHERE date BETWEEN ${range.from}::date AND ${range.to}::date
              GROUP BY account_owner_id
              ORDER BY sum(total_cost) DESC, account_owner_id
              LIMIT ${limit}`.execute(db);
            expect(fromRollup.map((a) => [a.accountOwnerId, a.totalCost])).toEqual(
              fromRows.map((a) => [a.accountOwnerId, a.totalCost]),
            );
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
