// The caller's own picture (me.get) and the user look-ups other services share.
import type { Executor } from '@hops/db';
import type { UserActor } from '../actor.ts';
import { notFound } from '../errors.ts';

export interface ClusterRef {
  id: string;
  name: string;
  apiUrl: string;
  status: string;
}

export interface Me {
  id: string;
  email: string;
  name: string | null;
  role: 'owner' | 'member';
  isAdmin: boolean;
  billingMode: 'prepaid' | 'postpaid';
  owner: { id: string; email: string; name: string | null } | null;
  cluster: ClusterRef | null;
}

export async function clusterOfUser(trx: Executor, userId: string): Promise<ClusterRef | null> {
  const row = await trx
    .selectFrom('userHopsworksAssignments as a')
    .innerJoin('hopsworksClusters as c', 'c.id', 'a.hopsworksClusterId')
    .select(['c.id', 'c.name', 'c.apiUrl', 'c.status'])
    .where('a.userId', '=', userId)
    .executeTakeFirst();
  return row ?? null;
}

export async function getMe(trx: Executor, user: UserActor): Promise<Me> {
  const owner = user.accountOwnerId
    ? await trx
        .selectFrom('users')
        .select(['id', 'email', 'name'])
        .where('id', '=', user.accountOwnerId)
        .executeTakeFirst()
    : undefined;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.accountOwnerId ? 'member' : 'owner',
    isAdmin: user.isAdmin,
    billingMode: user.billingMode,
    owner: owner ?? null,
    cluster: await clusterOfUser(trx, user.id),
  };
}

export async function findUserByEmail(trx: Executor, email: string) {
  const row = await trx
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  return row ?? null;
}

export async function requireUser(trx: Executor, userId: string) {
  const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!row) throw notFound(`There is no user with id ${userId}.`);
  return row;
}

/** The dev-mode login picker's list (AUTH_MODE=dev only; the server never offers it otherwise). */
export async function listDevLoginUsers(db: Executor, limit = 100) {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'isAdmin', 'accountOwnerId', 'status'])
    .where('status', '=', 'active')
    .orderBy('isAdmin', 'desc')
    .orderBy('email')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    isAdmin: r.isAdmin,
    role: r.accountOwnerId ? ('member' as const) : ('owner' as const),
  }));
}
