// Admins keep the users in order (SPEC §3.5): search, open one user, suspend or reactivate, grant or
// revoke admin, switch billing mode. Every change writes its audit row in the same transaction.
import { sql } from 'kysely';
import { dec, round4, type Executor, type Json } from '@hops/db';
import type { AuditActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { beforeCursor, decodeTimeCursor, pageOf, timeKey } from '../pagination.ts';
import { autoAssignAccount, type AutoAssignResult } from './assignment.ts';
import { clusterOfUser, type ClusterRef } from './users.ts';

export type UserStatus = 'active' | 'suspended' | 'deleted';
export type BillingMode = 'prepaid' | 'postpaid';

export interface AdminUserItem {
  id: string;
  email: string;
  name: string | null;
  status: UserStatus;
  role: 'owner' | 'member';
  isAdmin: boolean;
  billingMode: BillingMode;
  accountOwnerId: string | null;
  cluster: { id: string; name: string } | null;
  createdAt: string;
  lastLoginAt: string | null;
}

function selectUsers(trx: Executor) {
  return trx
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
    status: row.status as UserStatus,
    role: row.accountOwnerId ? 'member' : 'owner',
    isAdmin: row.isAdmin,
    billingMode: row.billingMode as BillingMode,
    accountOwnerId: row.accountOwnerId,
    cluster: row.clusterId && row.clusterName ? { id: row.clusterId, name: row.clusterName } : null,
    createdAt: row.createdAt.toISOString(),
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
  };
}

async function readItem(trx: Executor, userId: string): Promise<AdminUserItem> {
  return toItem(await selectUsers(trx).where('u.id', '=', userId).executeTakeFirstOrThrow());
}

export interface UserFilter {
  /** Case-insensitive substring of the e-mail, the name or the id. */
  search?: string | undefined;
  status?: UserStatus | undefined;
  /** 'admin' selects admins, whatever their place in an account. */
  role?: 'owner' | 'member' | 'admin' | undefined;
  clusterId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Newest users first (created_at desc, id desc), one keyset page at a time. */
export async function listUsers(
  trx: Executor,
  filter: UserFilter,
): Promise<{ items: AdminUserItem[]; nextCursor: string | null }> {
  const cursor = decodeTimeCursor(filter.cursor);
  let query = selectUsers(trx)
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
  credits: { paid: string; free: string; available: string; unpaidUsage: string } | null;
  /**
   * The last 30 UTC days (today included): for an owner the whole account's usage (what they pay),
   * for a member their own.
   */
  usage30d: {
    from: string;
    to: string;
    totalCost: string;
    byResource: { cpu: string; gpu: string; ram: string; storage: string; network: string };
    quantities: {
      cpuHours: string;
      gpuHours: string;
      ramGbHours: string;
      onlineStorageGb: string;
      offlineStorageGb: string;
      networkEgressGb: string;
    };
  };
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** One user, by id or e-mail (case-insensitive), with their account, cluster, credits and usage. */
export async function getUserDetail(
  trx: Executor,
  key: { userId: string } | { email: string },
  now: Date = new Date(),
): Promise<UserDetail> {
  let query = trx
    .selectFrom('users')
    .select(['id', 'loginCount', 'stripeCustomerId', 'featureFlags']);
  query =
    'userId' in key
      ? query.where('id', '=', key.userId)
      : query.where((eb) => eb(eb.fn('lower', ['email']), '=', key.email.toLowerCase()));
  const found = await query.executeTakeFirst();
  if (!found) {
    throw notFound(
      'userId' in key
        ? `There is no user with id ${key.userId}.`
        : `No user has the e-mail ${key.email}.`,
    );
  }
  const user = await readItem(trx, found.id);
  const ownerId = user.accountOwnerId ?? user.id;
  const people = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'status', 'accountOwnerId', 'lastLoginAt'])
    .where((eb) => eb.or([eb('id', '=', ownerId), eb('accountOwnerId', '=', ownerId)]))
    .orderBy((eb) => eb.fn('lower', ['email']))
    .execute();
  const owner = people.find((p) => p.id === ownerId)!;

  const credits = await trx
    .selectFrom('userCredits')
    .select(['totalPurchased', 'totalUsed', 'freeCreditsGranted', 'freeCreditsUsed', 'unpaidUsage'])
    .where('userId', '=', ownerId)
    .executeTakeFirst();

  const to = utcDay(now);
  const from = utcDay(new Date(now.getTime() - 29 * 86_400_000));
  const sumOf = (column: string) => sql<string>`coalesce(sum(${sql.ref(column)}), 0)`;
  const usage = await trx
    .selectFrom('usageDaily')
    .select([
      sumOf('totalCost').as('totalCost'),
      sumOf('cpuCost').as('cpuCost'),
      sumOf('gpuCost').as('gpuCost'),
      sumOf('ramCost').as('ramCost'),
      sumOf('storageCost').as('storageCost'),
      sumOf('networkCost').as('networkCost'),
      sumOf('cpuHours').as('cpuHours'),
      sumOf('gpuHours').as('gpuHours'),
      sumOf('ramGbHours').as('ramGbHours'),
      sumOf('onlineStorageGb').as('onlineStorageGb'),
      sumOf('offlineStorageGb').as('offlineStorageGb'),
      sumOf('networkEgressGb').as('networkEgressGb'),
    ])
    .where(user.accountOwnerId ? 'userId' : 'accountOwnerId', '=', user.id)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .executeTakeFirstOrThrow();

  return {
    user: {
      ...user,
      loginCount: found.loginCount,
      stripeCustomerId: found.stripeCustomerId,
      featureFlags: found.featureFlags,
    },
    account: {
      owner: {
        id: owner.id,
        email: owner.email,
        name: owner.name,
        status: owner.status as UserStatus,
      },
      members: people
        .filter((p) => p.id !== ownerId)
        .map((p) => ({
          id: p.id,
          email: p.email,
          name: p.name,
          status: p.status as UserStatus,
          lastLoginAt: p.lastLoginAt?.toISOString() ?? null,
        })),
    },
    cluster: await clusterOfUser(trx, user.id),
    credits: credits
      ? {
          paid: round4(dec(credits.totalPurchased).minus(credits.totalUsed)),
          free: round4(dec(credits.freeCreditsGranted).minus(credits.freeCreditsUsed)),
          available: round4(
            dec(credits.totalPurchased)
              .minus(credits.totalUsed)
              .plus(credits.freeCreditsGranted)
              .minus(credits.freeCreditsUsed),
          ),
          unpaidUsage: round4(credits.unpaidUsage),
        }
      : null,
    usage30d: {
      from,
      to,
      totalCost: round4(usage.totalCost),
      byResource: {
        cpu: round4(usage.cpuCost),
        gpu: round4(usage.gpuCost),
        ram: round4(usage.ramCost),
        storage: round4(usage.storageCost),
        network: round4(usage.networkCost),
      },
      quantities: {
        cpuHours: round4(usage.cpuHours),
        gpuHours: round4(usage.gpuHours),
        ramGbHours: round4(usage.ramGbHours),
        onlineStorageGb: round4(usage.onlineStorageGb),
        offlineStorageGb: round4(usage.offlineStorageGb),
        networkEgressGb: round4(usage.networkEgressGb),
      },
    },
  };
}

async function lockUser(trx: Executor, userId: string) {
  const row = await trx
    .selectFrom('users')
    .select(['id', 'email', 'status', 'isAdmin', 'billingMode', 'accountOwnerId'])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`There is no user with id ${userId}.`);
  return row;
}

/** Suspends, reactivates or deletes a user (status only; their rows stay). */
export async function setUserStatus(
  trx: Executor,
  actor: AuditActor,
  input: { userId: string; status: UserStatus; reason: string },
): Promise<{ user: AdminUserItem; changed: boolean }> {
  if (input.userId === actor.userId && input.status !== 'active') {
    throw forbidden(
      `You cannot ${input.status === 'suspended' ? 'suspend' : 'delete'} your own account. Ask another admin.`,
    );
  }
  const row = await lockUser(trx, input.userId);
  if (row.status === input.status) return { user: await readItem(trx, row.id), changed: false };
  await trx.updateTable('users').set({ status: input.status }).where('id', '=', row.id).execute();
  await recordAudit(
    trx,
    actor,
    'admin.users.setStatus',
    { type: 'user', id: row.id },
    {
      email: row.email,
      from: row.status,
      to: input.status,
      reason: input.reason,
    },
  );
  return { user: await readItem(trx, row.id), changed: true };
}

/** Grants or revokes admin rights; nobody removes their own. */
export async function setUserAdmin(
  trx: Executor,
  actor: AuditActor,
  input: { userId: string; isAdmin: boolean },
): Promise<{ user: AdminUserItem; changed: boolean }> {
  if (input.userId === actor.userId && !input.isAdmin) {
    throw forbidden('You cannot remove your own admin rights. Ask another admin to do it.');
  }
  const row = await lockUser(trx, input.userId);
  if (row.isAdmin === input.isAdmin) return { user: await readItem(trx, row.id), changed: false };
  await trx.updateTable('users').set({ isAdmin: input.isAdmin }).where('id', '=', row.id).execute();
  await recordAudit(
    trx,
    actor,
    'admin.users.setAdmin',
    { type: 'user', id: row.id },
    {
      email: row.email,
      from: row.isAdmin,
      to: input.isAdmin,
    },
  );
  return { user: await readItem(trx, row.id), changed: true };
}

export type AssignmentAfterChange =
  | { status: 'assigned' | 'already_assigned'; cluster: { id: string; name: string } }
  | { status: 'not_eligible'; reason: string }
  | { status: 'no_room' };

function describeAssignment(result: AutoAssignResult): AssignmentAfterChange {
  switch (result.status) {
    case 'assigned':
    case 'already_assigned':
      return {
        status: result.status,
        cluster: { id: result.cluster.id, name: result.cluster.name },
      };
    case 'not_eligible':
      return { status: 'not_eligible', reason: result.reason };
    case 'no_room':
      return { status: 'no_room' };
  }
}

/**
 * Switches an owner's billing mode. An unassigned owner who is now eligible (postpaid with a
 * payment method, prepaid with credits) is assigned automatically in the same transaction; no room
 * does not fail the switch (the owner stays unassigned and admins are alerted, SPEC §3.3).
 */
export async function setUserBillingMode(
  trx: Executor,
  actor: AuditActor,
  input: { userId: string; billingMode: BillingMode },
): Promise<{ user: AdminUserItem; changed: boolean; assignment: AssignmentAfterChange | null }> {
  const row = await lockUser(trx, input.userId);
  if (row.accountOwnerId) {
    const owner = await trx
      .selectFrom('users')
      .select('email')
      .where('id', '=', row.accountOwnerId)
      .executeTakeFirstOrThrow();
    throw badRequest(
      `${row.email} is a member of ${owner.email}'s account and has no billing of their own. ` +
        'Change the billing mode of the account owner instead.',
    );
  }
  if (row.billingMode === input.billingMode) {
    return { user: await readItem(trx, row.id), changed: false, assignment: null };
  }
  await trx
    .updateTable('users')
    .set({ billingMode: input.billingMode })
    .where('id', '=', row.id)
    .execute();
  await recordAudit(
    trx,
    actor,
    'admin.users.setBillingMode',
    { type: 'user', id: row.id },
    {
      email: row.email,
      from: row.billingMode,
      to: input.billingMode,
    },
  );
  const result = await autoAssignAccount(trx, row.id, actor, { admin: false });
  return {
    user: await readItem(trx, row.id),
    changed: true,
    assignment: describeAssignment(result),
  };
}
