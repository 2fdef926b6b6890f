// UTC day helpers (days.ts), and days through the procedures that take them: a day the calendar
// does not have is a BAD_REQUEST with a sentence, never a 500 from PostgreSQL.
import { describe, expect, test } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, expectTrpcError, makeUser } from '../test/helpers.ts';
import { addDays, daysBetween, daysInMonth, isDay, lastDays, monthStart } from './days.ts';

const { db } = await useTestDatabase();

describe('days', () => {
  test('the last N days end today, inclusive', () => {
    expect(lastDays(1, '2026-03-01')).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(lastDays(30, '2026-03-01')).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });

  test('days exist in the calendar or are refused', () => {
    expect(['2026-02-28', '2028-02-29', '2026-02-29', '2026-13-01', '26-01-01'].map(isDay)).toEqual(
      [true, true, false, false, false],
    );
    // There is no year 0 (1 BC is followed by AD 1), and PostgreSQL refuses it outright.
    expect(['0000-01-01', '0000-02-29', '0001-01-01', '9999-12-31'].map(isDay)).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(['275760-09-13', '+275760-09-13', '-000001-01-01', '2026-02-30 '].map(isDay)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  test('counts and moves across months and leap years', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(monthStart('2026-07-19')).toBe('2026-07-01');
    expect(['2026-02-10', '2028-02-10', '2026-04-01', '2026-12-31'].map(daysInMonth)).toEqual([
      28, 29, 30, 31,
    ]);
  });
});

describe('days through the procedures', () => {
  const IMPOSSIBLE = ['2026-02-30', '2026-13-01', '0000-01-01', '275760-09-13', '2026-1-1'];

  test('an impossible day is refused with a sentence naming the field, never a 500', async () => {
    const admin = await makeUser(db, { isAdmin: true });
    const asAdmin = await callerAs(db, { userId: admin.id });
    for (const value of IMPOSSIBLE) {
      const sentence =
        /^The start date (is not a day of the calendar|must be a date like 2026-01-31)\.$/;
      expect(
        await expectTrpcError(
          asAdmin.usage.daily({ from: value, to: '2026-03-01' }),
          'BAD_REQUEST',
        ),
        `usage.daily ${value}`,
      ).toMatch(sentence);
      expect(
        await expectTrpcError(
          asAdmin.usage.summary({ from: value, to: '2026-03-01' }),
          'BAD_REQUEST',
        ),
        `usage.summary ${value}`,
      ).toMatch(sentence);
      expect(
        await expectTrpcError(
          asAdmin.usage.top({ from: value, to: '2026-03-01', limit: 5 }),
          'BAD_REQUEST',
        ),
        `usage.top ${value}`,
      ).toMatch(sentence);
    }
    // The last day of year 0000 and the first of AD 1, one day apart: only the second exists.
    expect(
      await expectTrpcError(
        asAdmin.usage.top({ from: '0000-12-31', to: '0001-01-01', limit: 5 }),
        'BAD_REQUEST',
      ),
    ).toBe('The start date is not a day of the calendar.');
    expect(await asAdmin.usage.top({ from: '0001-01-01', to: '0001-01-02', limit: 5 })).toEqual(
      expect.anything(),
    );
  });

  test('a record of an impossible day is refused, naming the record, and nothing is saved', async () => {
    const user = await makeUser(db);
    const service = await callerAs(db, { service: true });
    for (const date of ['0000-01-01', '2026-02-30']) {
      const message = await expectTrpcError(
        service.usage.ingest({
          records: [
            {
              userId: user.id,
              date,
              cpuHours: '1',
              gpuHours: '0',
              ramGbHours: '0',
              onlineStorageGb: '0',
              offlineStorageGb: '0',
              networkEgressGb: '0',
            },
          ],
        }),
        'BAD_REQUEST',
      );
      expect(message).toBe(
        `Record 0: date must be a day like 2026-01-31 (got "${date}"). Nothing was saved.`,
      );
    }
    const rows = await db
      .selectFrom('usageDaily')
      .select('date')
      .where('userId', '=', user.id)
      .execute();
    expect(rows).toEqual([]);
  });
});
