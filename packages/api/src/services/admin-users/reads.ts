// Admins looking at users (SPEC §3.5): one user with their account, cluster, credits, last 30 days
// of usage and why they have their status (the list is in ./list.ts, the changes in ./changes.ts).
import type { Json } from '@hops/db';
import type { Executor } from '../../db.ts';
import { lastDays, utcDay } from '../../days.ts';
import { COSTS, QUANTITY_FIELDS, type QuantityField, type ResourceKey } from '../../resources.ts';
import type { AccountRole, BillingMode, UserStatus, Via } from '../../schemas.ts';
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

/** The users with their cluster, as the list and the user page show them. */
export function selectUsers(db: Executor) {
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

export function toItem(row: UserRow): AdminUserItem {
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

/** The audit row that gave a user their current status: when, by whom, via what, and why. */
export interface StatusChange {
  status: UserStatus;
  at: string;
  /** The admin who changed it; null when no person did (a service or the system). */
  by: { id: string; email: string; name: string | null } | null;
  via: Via;
  reason: string | null;
}

/**
 * The audit actions that set a user's status, and which status each set: a status change says it
 * in `details.to`, a deletion (by an admin, or by the person themself) always sets `deleted`.
 * Each carries its `details.reason` (a deletion by the person themself may have none).
 */
const STATUS_ACTIONS: Record<string, (details: { to?: unknown }) => unknown> = {
  'admin.users.setStatus': (details) => details.to,
  'admin.users.delete': () => 'deleted',
  'account.delete': () => 'deleted',
};

/**
 * Why the user has their current status (suspended, deleted, or active again): the newest audit
 * row that set a status, if it set this one. Null when no status change is recorded, or the last
 * one recorded is not the status the user has now (it was set outside the API).
 */
export async function readStatusChange(
  db: Executor,
  user: { id: string; status: UserStatus },
): Promise<StatusChange | null> {
  const row = await db
    .selectFrom('auditLog as l')
    .leftJoin('users as a', 'a.id', 'l.actorUserId')
    .select(['l.action', 'l.at', 'l.via', 'l.details', 'l.actorUserId', 'a.email', 'a.name'])
    .where('l.targetType', '=', 'user')
    .where('l.targetId', '=', user.id)
    .where('l.action', 'in', Object.keys(STATUS_ACTIONS))
    .orderBy('l.at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const details = (row.details ?? {}) as { to?: unknown; reason?: unknown };
  if (STATUS_ACTIONS[row.action]?.(details) !== user.status) return null;
  return {
    status: user.status,
    at: row.at.toISOString(),
    by:
      row.actorUserId && row.email
        ? { id: row.actorUserId, email: row.email, name: row.name }
        : null,
    via: row.via,
    reason: typeof details.reason === 'string' ? details.reason : null,
  };
}

export interface UserDetail {
  user: AdminUserItem & {
    loginCount: number;
    stripeCustomerId: string | null;
    featureFlags: Json;
  };
  /** Why the user has their status, from the audit log (see readStatusChange). */
  statusChange: StatusChange | null;
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
    statusChange: await readStatusChange(db, user),
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
