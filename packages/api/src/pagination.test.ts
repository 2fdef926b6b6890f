// Page cursors (pagination.ts): a cursor is opaque, but a caller can make one up. One holding an
// impossible moment (month 13, 25:61, year 0000, 30 February) is refused with a sentence before
// PostgreSQL sees it — through every list that pages by time — never a 500.
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, expectTrpcError, makeUser } from '../test/helpers.ts';
import { decodeTimeCursor, encodeCursor, isTimeKey, TIME_KEY, UUID } from './pagination.ts';

const { db } = await useTestDatabase();

const ID = '3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6';
const IMPOSSIBLE = [
  '2026-13-45T25:61:61.000000Z',
  '2026-02-30T00:00:00.000000Z',
  '2026-01-01T24:00:00.000000Z',
  '2026-01-01T00:00:60.000000Z',
  '0000-01-01T00:00:00.000000Z',
  '9999-99-99T99:99:99.999999Z',
];
const INVALID = 'This page cursor is not valid. Start from the first page.';

describe('time keys', () => {
  it('are moments of the calendar, to the microsecond', () => {
    for (const key of [
      '2026-02-28T23:59:59.999999Z',
      '2028-02-29T00:00:00.000000Z',
      '0001-01-01T00:00:00.000000Z',
      '9999-12-31T23:59:59.999999Z',
    ]) {
      expect(isTimeKey(key), key).toBe(true);
      expect(TIME_KEY.test(key), key).toBe(true);
      expect(decodeTimeCursor(encodeCursor([key, ID]), UUID)).toEqual({ at: key, id: ID });
    }
    for (const key of [...IMPOSSIBLE, '2026-01-01T00:00:00.000Z', '2026-01-01 00:00:00.000000Z']) {
      expect(isTimeKey(key), key).toBe(false);
      expect(TIME_KEY.test(key), key).toBe(false);
      expect(() => decodeTimeCursor(encodeCursor([key, ID]), UUID)).toThrow(INVALID);
    }
  });
});

describe('lists paged by time', () => {
  it('refuse a made-up cursor with an impossible moment as BAD_REQUEST with a sentence', async () => {
    const admin = await makeUser(db, { isAdmin: true });
    const asAdmin = await callerAs(db, { userId: admin.id });
    for (const at of IMPOSSIBLE) {
      const cursor = encodeCursor([at, ID]);
      expect(
        await expectTrpcError(asAdmin.audit.list({ cursor, limit: 5 }), 'BAD_REQUEST'),
        `audit.list ${at}`,
      ).toBe(INVALID);
      expect(
        await expectTrpcError(
          asAdmin.credits.transactions({ userId: admin.id, cursor, limit: 5 }),
          'BAD_REQUEST',
        ),
        `credits.transactions ${at}`,
      ).toBe(INVALID);
      expect(
        await expectTrpcError(
          asAdmin.admin.users.list({
            cursor: encodeCursor(['signedUp:desc', at, admin.id]),
            limit: 5,
          }),
          'BAD_REQUEST',
        ),
        `admin.users.list ${at}`,
      ).toBe(INVALID);
    }
  });

  it('still page with the cursors they hand out', async () => {
    const admin = await makeUser(db, { isAdmin: true });
    const asAdmin = await callerAs(db, { userId: admin.id });
    const first = await asAdmin.admin.users.list({ limit: 1 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await asAdmin.admin.users.list({ limit: 1, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
  });
});
