// admin.users.list (SPEC §3.5): every user, searched and filtered (people on no cluster included),
// sorted by any column the admin table shows, one keyset page at a time.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db.ts';
import { badRequest } from '../../errors.ts';
import { decodeCursor, pageOf, TIME_KEY, timeKey } from '../../pagination.ts';
import type { AccountRole, UserStatus } from '../../schemas.ts';
import { selectUsers, toItem, type AdminUserItem } from './reads.ts';

/** The orders of the list, one per column of the admin table. */
export const USER_SORTS = [
  'signedUp',
  'lastSignIn',
  'user',
  'email',
  'role',
  'status',
  'billing',
  'cluster',
] as const;
export type UserSort = (typeof USER_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/** The cluster filter's word for people on no cluster. */
export const UNASSIGNED = 'unassigned';

export interface UserFilter {
  /** Case-insensitive substring of the e-mail, the name or the id. */
  search?: string | undefined;
  status?: UserStatus | undefined;
  /** 'admin' selects admins, whatever their place in an account. */
  role?: AccountRole | 'admin' | undefined;
  /** A cluster's id, or 'unassigned' for people on no cluster. */
  clusterId?: string | undefined;
  /** Default: signedUp. */
  sort?: UserSort | undefined;
  /** Default: newest first for the two dates, A to Z for the others. */
  order?: SortOrder | undefined;
  cursor?: string | undefined;
  limit: number;
}

const ref = (column: string) => sql.ref(column);
const isOwner = sql<boolean>`${ref('u.accountOwnerId')} IS NULL`;

/**
 * Each order's key: the text its column shows, lower-cased (so a person sees the rows in the order
 * of what they read), or for the dates a fixed-width UTC time compared byte by byte. Never null,
 * so one `(key, id)` comparison walks every page. `signedUp` is compared as a timestamp instead
 * (the created_at index serves the default order).
 */
const SORT_KEYS: Record<UserSort, RawBuilder<string>> = {
  signedUp: timeKey('u.createdAt'),
  lastSignIn: sql<string>`coalesce(${timeKey('u.lastLoginAt')}, '') COLLATE "C"`,
  user: sql<string>`lower(coalesce(${ref('u.name')}, ${ref('u.email')}))`,
  email: sql<string>`lower(${ref('u.email')})`,
  role: sql<string>`(CASE WHEN ${isOwner} THEN 'owner' ELSE 'member' END
    || CASE WHEN ${ref('u.isAdmin')} THEN ', admin' ELSE '' END)`,
  status: sql<string>`${ref('u.status')}::text`,
  // A member pays through their owner: the table says "via owner".
  billing: sql<string>`(CASE WHEN ${isOwner} THEN ${ref('u.billingMode')} ELSE 'via owner' END)`,
  cluster: sql<string>`lower(coalesce(${ref('c.name')}, ${UNASSIGNED}))`,
};

function defaultOrder(sort: UserSort): SortOrder {
  return sort === 'signedUp' || sort === 'lastSignIn' ? 'desc' : 'asc';
}

/** A cursor is `[sort:order, key, id]`: one made for another order is refused, not misread. */
function decodeUserCursor(cursor: string | undefined, sort: UserSort, tag: string) {
  const keys = decodeCursor(cursor, 3);
  if (!keys) return null;
  const [cursorTag, key, id] = keys;
  if (typeof cursorTag === 'string' && cursorTag !== tag) {
    throw badRequest(
      'This page cursor belongs to another order of the list. Start from the first page.',
    );
  }
  if (
    cursorTag !== tag ||
    typeof key !== 'string' ||
    typeof id !== 'string' ||
    (sort === 'signedUp' && !TIME_KEY.test(key))
  ) {
    throw badRequest('This page cursor is not valid. Start from the first page.');
  }
  return { key, id };
}

/** One page of users in the chosen order (ties by id, in the same direction). */
export async function listUsers(
  db: Executor,
  filter: UserFilter,
): Promise<{ items: AdminUserItem[]; nextCursor: string | null }> {
  const sort = filter.sort ?? 'signedUp';
  const order = filter.order ?? defaultOrder(sort);
  const tag = `${sort}:${order}`;
  const cursor = decodeUserCursor(filter.cursor, sort, tag);
  const key = SORT_KEYS[sort];
  // signedUp orders and compares the column itself; the others their key.
  const orderKey = sort === 'signedUp' ? ref('u.createdAt') : key;

  let query = selectUsers(db)
    .select(key.as('sortKey'))
    .orderBy(orderKey, order)
    .orderBy('u.id', order)
    .limit(filter.limit + 1);
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, '\\$&')}%`;
    query = query.where((eb) =>
      eb.or([
        eb('u.email', 'ilike', pattern),
        eb('u.name', 'ilike', pattern),
        eb('u.id', 'ilike', pattern),
      ]),
    );
  }
  if (filter.status) query = query.where('u.status', '=', filter.status);
  if (filter.role === 'owner') query = query.where('u.accountOwnerId', 'is', null);
  if (filter.role === 'member') query = query.where('u.accountOwnerId', 'is not', null);
  if (filter.role === 'admin') query = query.where('u.isAdmin', '=', true);
  if (filter.clusterId === UNASSIGNED) query = query.where('a.hopsworksClusterId', 'is', null);
  else if (filter.clusterId) query = query.where('a.hopsworksClusterId', '=', filter.clusterId);
  if (cursor) {
    const after = order === 'asc' ? sql`>` : sql`<`;
    const from = sort === 'signedUp' ? sql`${cursor.key}::timestamptz` : sql`${cursor.key}`;
    query = query.where(
      sql<boolean>`(${orderKey}, ${ref('u.id')}) ${after} (${from}, ${cursor.id})`,
    );
  }
  const rows = await query.execute();
  const page = pageOf(rows, filter.limit, (r) => [tag, r.sortKey, r.id]);
  return { items: page.items.map(toItem), nextCursor: page.nextCursor };
}
