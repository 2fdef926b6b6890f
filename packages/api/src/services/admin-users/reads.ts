// Admins looking at users (SPEC §3.5): search the list, and open one user with their account,
// cluster, credits and last 30 days of usage (the changes are in ./changes.ts).
import type { Json } from '@hops/db';
import type { Executor } from '../../db.ts';
import { lastDays, utcDay } from '../../days.ts';
import { beforeCursor, decodeTimeCursor, pageOf, timeKey } from '../../pagination.ts';
import { COSTS, QUANTITY_FIELDS, type QuantityField, type ResourceKey } from '../../resources.ts';
import type { AccountRole, BillingMode, UserStatus } from '../../schemas.ts';
import { creditsLeft, type CreditsLeft } from '../credits/ledger.ts';
import { readCreditTotals } from '../credits/store.ts';
import { sumUsage } from '../usage/reads.ts';
import { clusterOfUser, loadUserByIdOrEmail, roleOf, type ClusterRef } from '../users.ts';

export interface AdminUserItem {
  id: string;
  email: string;
  name: string | null;
  status: UserStatus;
  role: AccountRole;
  isAdmin: boolean;
  billingMode: BillingMode;
  accountOwnerId: string | null;
  cluster: { id: string; name: string } | null;
  createdAt: string;
  lastLoginAt: string | null;
}

function selectUsers(db: Executor) {
  return db
    .selectFrom('users as u')
    .leftJoin('userHopsworksAssignments as a', 'a.userId', 'u.id')
    .leftJoin('hopsworksClusters as c', 'c.id', 'a.hopsworksClusterId')
    .select([
      'u.id',
      'u.email',
      'u.name',
      'u.status',
      'u.isAdmin',
      'u.billingMode',
      'u.accountOwnerId',
      'u.createdAt',
      'u.lastLoginAt',
      'c.id as clusterId',
      'c.name as clusterName',
    ]);
}

type UserRow = Awaited<ReturnType<ReturnType<typeof selectUsers>['executeTakeFirstOrThrow']>>;

function toItem(row: UserRow): AdminUserItem {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    role: roleOf(row),
    isAdmin: row.isAdmin,
    billingMode: row.billingMode,
    accountOwnerId: row.accountOwnerId,
    cluster: row.clusterId && row.clusterName ? { id: row.clusterId, name: row.clusterName } : null,
    createdAt: row.createdAt.toISOString(),
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
  };
}

export async function readAdminUser(db: Executor, userId: string): Promise<AdminUserItem> {
  return toItem(await selectUsers(db).where('u.id', '=', userId).executeTakeFirstOrThrow());
}

export interface UserFilter {
  /** Case-insensitive substring of the e-mail, the name or the id. */
  search?: string | undefined;
  status?: UserStatus | undefined;
  /** 'admin' selects admins, whatever their place in an account. */
  role?: AccountRole | 'admin' | undefined;
  clusterId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Newest users first (created_at desc, id desc), one keyset page at a time. */
export async function listUsers(
  db: Executor,
  filter: UserFilter,
): Promise<{ items: AdminUserItem[]; nextCursor: string | null }> {
  const cursor = decodeTimeCursor(filter.cursor);
  let query = selectUsers(db)
    .select(timeKey('u.createdAt').as('createdAtKey'))
    .orderBy('u.createdAt', 'desc')
    .orderBy('u.id', 'desc')
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
  if (filter.clusterId) query = query.where('a.hopsworksClusterId', '=', filter.clusterId);
  if (cursor) query = query.where(beforeCursor('u.createdAt', 'u.id', cursor));
  const rows = await query.execute();
  const page = pageOf(rows, filter.limit, (r) => [r.createdAtKey, r.id]);
  return { items: page.items.map(toItem), nextCursor: page.nextCursor };
}

export interface UserDetail {
  user: AdminUserItem & {
    loginCount: number;
    stripeCustomerId: string | null;
    featureFlags: Json;
  };
  account: {
    owner: { id: string; email: string; name: string | null; status: UserStatus };
    members: {
      id: string;
      email: string;
      name: string | null;
      status: UserStatus;
      lastLoginAt: string | null;
    }[];
  };
  cluster: ClusterRef | null;
  /** The account owner's credits (billing belongs to the owner); null when they never had any. */
  credits: CreditsLeft | null;
  /**
   * The last 30 UTC days (today included): for an owner the whole account's usage (what they pay),
   * for a member their own.
   */
  usage30d: {
    from: string;
    to: string;
    totalCost: string;
    /** Each cost column by its resource: cpuCost as `cpu`. */
    byResource: Record<ResourceKey, string>;
    quantities: Record<QuantityField, string>;
  };
}

/** One user, by id or e-mail (case-insensitive), with their account, cluster, credits and usage. */
export async function getUserDetail(
  db: Executor,
  key: { userId: string } | { email: string },
  now: Date = new Date(),
): Promise<UserDetail> {
  const found = await loadUserByIdOrEmail(db, key);
  const row = await selectUsers(db)
    .select('u.loginCount')
    .where('u.id', '=', found.id)
    .executeTakeFirstOrThrow();
  const user = toItem(row);
  const ownerId = user.accountOwnerId ?? user.id;
  const people = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'status', 'accountOwnerId', 'lastLoginAt'])
    .where((eb) => eb.or([eb('id', '=', ownerId), eb('accountOwnerId', '=', ownerId)]))
    .orderBy((eb) => eb.fn('lower', ['email']))
    .execute();
  const owner = people.find((p) => p.id === ownerId)!;

  const credits = await readCreditTotals(db, ownerId);

  const range = lastDays(30, utcDay(now));
  const usage = await sumUsage(
    db,
    user.accountOwnerId
      ? { userId: user.id, accountOwnerId: null }
      : { userId: null, accountOwnerId: user.id },
    range,
  );
  const byResource = {} as Record<ResourceKey, string>;
  for (const { field, resource } of COSTS) byResource[resource] = usage[field];
  const quantities = {} as Record<QuantityField, string>;
  for (const field of QUANTITY_FIELDS) quantities[field] = usage[field];

  return {
    user: {
      ...user,
      loginCount: row.loginCount,
      stripeCustomerId: found.stripeCustomerId,
      featureFlags: found.featureFlags,
    },
    account: {
      owner: {
        id: owner.id,
        email: owner.email,
        name: owner.name,
        status: owner.status,
      },
      members: people
        .filter((p) => p.id !== ownerId)
        .map((p) => ({
          id: p.id,
          email: p.email,
          name: p.name,
          status: p.status,
          lastLoginAt: p.lastLoginAt?.toISOString() ?? null,
        })),
    },
    cluster: await clusterOfUser(db, user.id),
    credits: credits ? creditsLeft(credits) : null,
    usage30d: { ...range, totalCost: usage.totalCost, byResource, quantities },
  };
}
