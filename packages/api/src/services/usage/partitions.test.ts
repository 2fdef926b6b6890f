// usage_daily's monthly partitions (./partitions.ts, migration 0015): made ahead idempotently and
// once across replicas, and ingestion — its rows, its ledger references — right in every partition.
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser, userDay } from '../../../test/helpers.ts';
import type { AuditActor } from '../../actor.ts';
import { utcToday } from '../../days.ts';
import { grantCredits } from '../credits/account.ts';
import { insertLedger } from '../credits/store.ts';
import { ingestUsage } from './ingest.ts';
import { createUsagePartitions, MONTHS_AHEAD, partitionName } from './partitions.ts';

const { db } = await useTestDatabase({ max: 6 });

const SERVICE: AuditActor = { userId: null, via: 'service', isAdmin: false, label: 'service:test' };
const ADMIN: AuditActor = { userId: null, via: 'system', isAdmin: true, label: 'system' };

/** The first day of the month `months` after this one (UTC), YYYY-MM-DD. */
function monthFromNow(months: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1))
    .toISOString()
    .slice(0, 10);
}

async function partitions(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'usage_daily'::regclass ORDER BY 1`.execute(db);
  return rows.map((r) => r.name);
}

/** Where the usage rows of `userId` are stored, by day. */
async function homes(userId: string): Promise<Record<string, string>> {
  const { rows } = await sql<{ date: string; home: string }>`
    SELECT date::text, tableoid::regclass::text AS home FROM usage_daily
    WHERE user_id = ${userId} ORDER BY date`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.date, r.home]));
}

const create = (options: { today?: string; monthsAhead?: number } = {}) =>
  inTransaction(db, (trx) => createUsagePartitions(trx, options));

describe('createUsagePartitions', () => {
  it('finds the months the migration made, and makes the missing ones once', async () => {
    const made = await partitions();
    for (let m = 0; m <= MONTHS_AHEAD; m++) expect(made).toContain(partitionName(monthFromNow(m)));
    expect(made).toContain('usage_daily_default');
    expect(await create()).toEqual({ created: [], leftInDefault: [] });

    // Two months on: this month then is made already, and so is the next; two are missing.
    const later = monthFromNow(2);
    expect(await create({ today: later })).toEqual({
      created: [partitionName(monthFromNow(4)), partitionName(monthFromNow(5))],
      leftInDefault: [],
    });
    expect(await create({ today: later })).toEqual({ created: [], leftInDefault: [] });
    expect(await partitions()).toEqual(
      [...made, partitionName(monthFromNow(4)), partitionName(monthFromNow(5))].sort(),
    );
    // A day of a month made by the job is stored in its partition.
    const user = await makeUser(db);
    const day = `${monthFromNow(4).slice(0, 7)}-20`;
    await inTransaction(db, (trx) =>
      ingestUsage(trx, SERVICE, [userDay(user.id, day, { cpuHours: '1' })], { today: day }),
    );
    expect(await homes(user.id)).toEqual({ [day]: partitionName(day) });
  });

  it('makes each partition once when two replicas run at the same moment', async () => {
    const today = monthFromNow(12);
    const runs = await Promise.all([create({ today }), create({ today }), create({ today })]);
    const expected = [12, 13, 14, 15].map((m) => partitionName(monthFromNow(m)));
    expect(runs.flatMap((r) => r.created).sort()).toEqual(expected);
    expect(runs.filter((r) => r.created.length > 0)).toHaveLength(1);
    const made = await partitions();
    for (const name of expected) expect(made).toContain(name);
  });

  it('leaves a month whose rows are in the default partition there, and makes the others', async () => {
    const owner = await makeUser(db);
    const day = `${monthFromNow(30).slice(0, 7)}-15`;
    await inTransaction(db, (trx) =>
      ingestUsage(trx, SERVICE, [userDay(owner.id, day, { cpuHours: '3' })], { today: day }),
    );
    expect(await homes(owner.id)).toEqual({ [day]: 'usage_daily_default' });

    expect(await create({ today: day })).toEqual({
      created: [31, 32, 33].map((m) => partitionName(monthFromNow(m))),
      leftInDefault: [day.slice(0, 7)],
    });
    expect(await partitions()).not.toContain(partitionName(day));
    // The row is where it was, and the product still reads it.
    expect(await homes(owner.id)).toEqual({ [day]: 'usage_daily_default' });
    const { rows } = await sql<{ total: string }>`
      SELECT total_cpu_hours::text AS total FROM account_usage
      WHERE account_owner_id = ${owner.id} AND date = ${day}::date`.execute(db);
    expect(rows).toEqual([{ total: '3.0000' }]);
  });
});

describe('ingestion into the partitioned table', () => {
  it('stores each day in its month, or the default partition, with the ledger naming (id, date)', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const member = await makeUser(db, { owner: owner.id });
    await inTransaction(db, (trx) =>
      grantCredits(trx, ADMIN, { userId: owner.id, amount: '1000', pool: 'paid', reason: 'test' }),
    );
    const thisMonth = monthFromNow(0);
    // 2025-09 is older than every partition of this (empty when migrated) database.
    const days = ['2025-09-10', thisMonth, utcToday()];
    const records = days.flatMap((date) =>
      [owner.id, member.id].map((userId) => userDay(userId, date, { cpuHours: '10' })),
    );
    const dedupe = new Map(records.map((r) => [`${r.userId} ${r.date}`, r]));
    const batch = [...dedupe.values()];
    const first = await inTransaction(db, (trx) => ingestUsage(trx, SERVICE, batch));
    expect(first).toMatchObject({ inserted: batch.length, updated: 0 });
    expect(await homes(member.id)).toEqual(
      Object.fromEntries(
        [...new Set(days)].map((d) => [
          d,
          d < thisMonth ? 'usage_daily_default' : partitionName(thisMonth),
        ]),
      ),
    );

    // A re-send that lowers one day (ON CONFLICT (user_id, date) on the partitioned table):
    // updated in place, refunded through the ledger.
    const lowered = await inTransaction(db, (trx) =>
      ingestUsage(trx, SERVICE, [userDay(member.id, '2025-09-10', { cpuHours: '4' })]),
    );
    expect(lowered).toMatchObject({ inserted: 0, updated: 1 });
    const { rows: ledger } = await sql<{
      kind: string;
      usageDate: string | null;
      rowDate: string | null;
    }>`
      SELECT t.kind, t.usage_daily_date::text AS usage_date, u.date::text AS row_date
      FROM credit_transactions t
      LEFT JOIN usage_daily u ON u.id = t.usage_daily_id AND u.date = t.usage_daily_date
      WHERE t.user_id = ${owner.id} AND t.usage_daily_id IS NOT NULL
      ORDER BY t.created_at, t.id`.execute(db);
    expect(ledger.filter((l) => l.kind === 'usage')).toHaveLength(batch.length);
    expect(ledger.filter((l) => l.kind === 'refund')).toEqual([
      { kind: 'refund', usageDate: '2025-09-10', rowDate: '2025-09-10' },
    ]);
    // Every entry names its row by (id, date), and the row is there.
    for (const l of ledger) expect(l.usageDate).toBe(l.rowDate);
    expect(ledger.every((l) => l.usageDate !== null)).toBe(true);
  });

  it("checks every entry's usage row through the generic plan, still refusing a missing one, and gives the transaction its plan mode back", async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await inTransaction(db, (trx) =>
      grantCredits(trx, ADMIN, { userId: owner.id, amount: '100', pool: 'paid', reason: 'test' }),
    );
    await inTransaction(db, (trx) =>
      ingestUsage(trx, SERVICE, [userDay(owner.id, '2025-10-02', { cpuHours: '2' })]),
    );
    const {
      rows: [row],
    } = await sql<{ id: string; date: string }>`
      SELECT id, date::text FROM usage_daily WHERE user_id = ${owner.id}`.execute(db);
    const entry = (usageDailyId: string, usageDailyDate: string) => ({
      userId: owner.id,
      kind: 'adjustment' as const,
      pool: 'paid' as const,
      amount: '-0.01',
      balanceAfter: '0',
      usageDailyId,
      usageDailyDate,
      description: 'test',
    });
    const modes = await inTransaction(db, async (trx) => {
      await sql`SET LOCAL plan_cache_mode = force_custom_plan`.execute(trx);
      await insertLedger(trx, SERVICE, [entry(row!.id, row!.date)]);
      const { rows } = await sql<{ mode: string }>`
        SELECT current_setting('plan_cache_mode') AS mode`.execute(trx);
      return rows.map((r) => r.mode);
    });
    expect(modes).toEqual(['force_custom_plan']);
    // The same id on another day names no row: refused by the reference, nothing written.
    await expect(
      inTransaction(db, (trx) => insertLedger(trx, SERVICE, [entry(row!.id, '2025-10-03')])),
    ).rejects.toThrow(/credit_transactions_usage_daily_fkey/);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM credit_transactions
      WHERE user_id = ${owner.id} AND kind = 'adjustment'`.execute(db);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('refuses a ledger entry for a usage row without its date, writing nothing', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await expect(
      inTransaction(db, (trx) =>
        insertLedger(trx, SERVICE, [
          {
            userId: owner.id,
            kind: 'usage',
            pool: 'free',
            amount: '-1',
            balanceAfter: '0',
            usageDailyId: '00000000-0000-4000-8000-000000000000',
            description: 'no date',
          },
        ]),
      ),
    ).rejects.toThrow(/missing the row's date/);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM credit_transactions WHERE user_id = ${owner.id}`.execute(db);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
