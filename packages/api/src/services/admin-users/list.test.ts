// admin.users.list sorted by each column of the admin table, server-side across pages, and the
// "unassigned" cluster filter; through the router, against a real PostgreSQL.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import {
  assignDirect,
  callerAs,
  expectTrpcError,
  makeCluster,
  makeUser,
} from '../../../test/helpers.ts';
import { USER_SORTS, type UserSort } from './list.ts';
import type { AdminUserItem } from './reads.ts';

const { db } = await useTestDatabase();

const TAG = 'srt9k';
let asAdmin: Awaited<ReturnType<typeof callerAs>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const admin = await makeUser(db, { isAdmin: true, email: 'sorter@hops.test' });
  asAdmin = await callerAs(db, { userId: admin.id });
  const beta = await makeCluster(db, { name: 'srt-beta' });
  const alpha = await makeCluster(db, { name: 'srt-alpha' });
  const user = async (
    key: string,
    options: Parameters<typeof makeUser>[1],
    createdAt: string,
    lastLoginAt: string | null,
  ) => {
    const row = await makeUser(db, { id: `sort|${key}`, ...options });
    await db
      .updateTable('users')
      .set({ createdAt: new Date(createdAt), lastLoginAt: lastLoginAt && new Date(lastLoginAt) })
      .where('id', '=', row.id)
      .execute();
    ids[key] = row.id;
    return row;
  };
  const zed = await user(
    '1',
    { email: `delta@${TAG}.test`, name: 'Zed Owner' },
    '2025-01-01T00:00:00Z',
    '2026-01-03T10:00:00Z',
  );
  await user(
    '2',
    { email: `alpha@${TAG}.test`, owner: zed.id, name: undefined },
    '2025-01-02T00:00:00Z',
    null,
  );
  await db.updateTable('users').set({ name: null }).where('id', '=', ids['2']!).execute();
  await user(
    '3',
    {
      email: `Charlie@${TAG}.test`,
      name: 'anna Prepaid',
      billingMode: 'prepaid',
      isAdmin: true,
      status: 'suspended',
    },
    '2025-01-03T00:00:00Z',
    '2026-01-01T10:00:00Z',
  );
  const mia = await user(
    '4',
    { email: `bravo@${TAG}.test`, name: 'Mia' },
    '2025-01-04T00:00:00Z',
    '2026-01-02T10:00:00Z',
  );
  await user(
    '5',
    { email: `echo@${TAG}.test`, name: 'Mia', owner: mia.id, isAdmin: true },
    '2025-01-05T00:00:00Z',
    '2026-01-02T10:00:00Z',
  );
  await user('6', { email: `foxtrot@${TAG}.test`, name: 'bob' }, '2025-01-06T00:00:00Z', null);
  await assignDirect(db, ids['1']!, beta.id);
  await assignDirect(db, ids['2']!, beta.id);
  await assignDirect(db, ids['4']!, alpha.id);
  await assignDirect(db, ids['5']!, alpha.id);
});

type ListInput = Parameters<typeof asAdmin.admin.users.list>[0];

/** Every page of the tagged users in one order, two at a time: their keys, in order. */
async function walk(input: ListInput): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10; pages += 1) {
    const page = await asAdmin.admin.users.list({
      ...input,
      search: `@${TAG}.test`,
      limit: 2,
      cursor,
    });
    seen.push(...page.items.map((u) => u.id.replace('sort|', '')));
    cursor = page.nextCursor ?? undefined;
    if (!cursor) return seen;
  }
  throw new Error('the pages never ended');
}

describe('admin.users.list order', () => {
  it('sorts by each column as the table shows it, in both directions, across pages', async () => {
    // Written out by hand from the data above (ties fall back to the id, in the same direction).
    const ascending: Record<UserSort, string[]> = {
      signedUp: ['1', '2', '3', '4', '5', '6'],
      // never signed in ('—') comes before every date
      lastSignIn: ['2', '6', '3', '4', '5', '1'],
      // the User column shows the name, or the e-mail when there is none; any case
      user: ['2', '3', '6', '4', '5', '1'],
      email: ['2', '4', '3', '1', '5', '6'],
      // "member" < "member, admin" < "owner" < "owner, admin"
      role: ['2', '5', '1', '4', '6', '3'],
      status: ['1', '2', '4', '5', '6', '3'],
      // "postpaid" < "prepaid" < "via owner" (members pay through their owner)
      billing: ['1', '4', '6', '3', '2', '5'],
      // "srt-alpha" < "srt-beta" < "unassigned"
      cluster: ['4', '5', '1', '2', '3', '6'],
    };
    for (const sort of USER_SORTS) {
      expect(await walk({ sort, order: 'asc' }), `${sort} asc`).toEqual(ascending[sort]);
      expect(await walk({ sort, order: 'desc' }), `${sort} desc`).toEqual(
        [...ascending[sort]].reverse(),
      );
    }
  });

  it('puts the newest sign-ups and sign-ins first by default, the others A to Z', async () => {
    expect(await walk({})).toEqual(['6', '5', '4', '3', '2', '1']);
    expect(await walk({ sort: 'lastSignIn' })).toEqual(['1', '5', '4', '3', '6', '2']);
    expect(await walk({ sort: 'email' })).toEqual(['2', '4', '3', '1', '5', '6']);
  });

  it('sorts within the filters', async () => {
    expect(await walk({ sort: 'user', role: 'owner' })).toEqual(['3', '6', '4', '1']);
    expect(await walk({ sort: 'email', order: 'desc', role: 'admin' })).toEqual(['5', '3']);
  });

  it('refuses a cursor made for another order, and unknown orders, with a sentence', async () => {
    const first = await asAdmin.admin.users.list({ search: TAG, sort: 'email', limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    for (const other of [
      { sort: 'user' as const },
      { sort: 'email' as const, order: 'desc' as const },
      {},
    ]) {
      expect(
        await expectTrpcError(
          asAdmin.admin.users.list({ search: TAG, limit: 2, cursor: first.nextCursor!, ...other }),
          'BAD_REQUEST',
        ),
      ).toBe('This page cursor belongs to another order of the list. Start from the first page.');
    }
    const forged = Buffer.from(
      JSON.stringify(['signedUp:desc', "x'; drop table users", 'a']),
    ).toString('base64url');
    expect(await expectTrpcError(asAdmin.admin.users.list({ cursor: forged }), 'BAD_REQUEST')).toBe(
      'This page cursor is not valid. Start from the first page.',
    );
    expect(
      await expectTrpcError(asAdmin.admin.users.list({ sort: 'size' as UserSort }), 'BAD_REQUEST'),
    ).toBe(
      'Sort the users by one of: signedUp, lastSignIn, user, email, role, status, billing, cluster.',
    );
    expect(
      await expectTrpcError(
        asAdmin.admin.users.list({ sort: 'email', order: 'up' as 'asc' }),
        'BAD_REQUEST',
      ),
    ).toBe('Give the order as asc (A to Z, oldest first) or desc.');
  });
});

describe('admin.users.list cluster filter', () => {
  it('"unassigned" lists the people on no cluster, members of unassigned owners included', async () => {
    const loner = await makeUser(db, { email: `owner@unas.${TAG}.test`, name: 'Unassigned Owner' });
    const member = await makeUser(db, { email: `member@unas.${TAG}.test`, owner: loner.id });
    const byId = (items: AdminUserItem[]) => items.map((u) => u.id).sort();
    const { items } = await asAdmin.admin.users.list({ search: TAG, clusterId: 'unassigned' });
    expect(byId(items)).toEqual([ids['3']!, ids['6']!, loner.id, member.id].sort());
    expect(items.every((u) => u.cluster === null)).toBe(true);
    const owners = await asAdmin.admin.users.list({
      search: TAG,
      clusterId: 'unassigned',
      role: 'owner',
      status: 'active',
    });
    expect(byId(owners.items)).toEqual([ids['6']!, loner.id].sort());
  });

  it('refuses a cluster filter that is neither a cluster id nor "unassigned"', async () => {
    for (const clusterId of ['abc', 'Unassigned-ish', 'none']) {
      expect(await expectTrpcError(asAdmin.admin.users.list({ clusterId }), 'BAD_REQUEST')).toBe(
        'Pick a cluster from the list, or "unassigned" for people on no cluster.',
      );
    }
  });
});
