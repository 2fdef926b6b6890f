// Users as every service reaches them: the caller's own picture (me.get) and cluster
// (clusters.mine), look-ups by id and by e-mail, an owner's member count, the one way to lock a
// user row, and the one check that a user owns their account.
import { sql, type Selectable } from 'kysely';
import type { Users } from '@hops/db';
import type { UserActor, UserCaller } from '../actor.ts';
import type { Executor, Transaction } from '../db.ts';
import { badRequest, notFound } from '../errors.ts';
import { emailKey, type AccountRole, type BillingMode, type ClusterStatus } from '../schemas.ts';

export interface ClusterRef {
  id: string;
  name: string;
  apiUrl: string;
  status: ClusterStatus;
}

export interface Me {
  id: string;
  email: string;
  name: string | null;
  role: AccountRole;
  isAdmin: boolean;
  billingMode: BillingMode;
  owner: { id: string; email: string; name: string | null } | null;
  cluster: ClusterRef | null;
}

/** A user row as services use it: the actor's fields and what billing and flags need. */
export interface UserRow extends UserActor {
  stripeCustomerId: string | null;
  featureFlags: Selectable<Users>['featureFlags'];
}

const ACTOR_COLUMNS = [
  'id',
  'email',
  'name',
  'isAdmin',
  'accountOwnerId',
  'status',
  'billingMode',
] as const;
const ROW_COLUMNS = [...ACTOR_COLUMNS, 'stripeCustomerId', 'featureFlags'] as const;

function toActor<T extends Pick<Selectable<Users>, (typeof ACTOR_COLUMNS)[number]>>(row: T) {
  return { ...row, status: row.status, billingMode: row.billingMode };
}

export const roleOf = (user: { accountOwnerId: string | null }): AccountRole =>
  user.accountOwnerId ? 'member' : 'owner';

/**
 * The user as a caller (null when there is none): what rules check about who acts. With
 * `sessionIssuedAt` (a web session's start), also null when that session was revoked — issued
 * before the user's `sessions_valid_after` (SPEC §12) — read in the same one query.
 */
export async function loadUserActor(
  db: Executor,
  userId: string,
  sessionIssuedAt?: Date,
): Promise<UserActor | null> {
  const row = await loadCallerRow(db, userId);
  return row && sessionAllowed(row, sessionIssuedAt) ? row.actor : null;
}

/**
 * A caller's row (loadUserActor's, and what the caller cache keeps): the actor, and when the
 * user's sessions were last revoked in microseconds since the epoch (PostgreSQL's own precision,
 * so that `sessions_valid_after <= issued` is answered exactly as the database would).
 */
export interface CallerRow {
  actor: UserActor;
  sessionsValidAfterUs: bigint | null;
}

/** The caller's row whatever their sessions (null when there is none); see sessionAllowed. */
export async function loadCallerRow(db: Executor, userId: string): Promise<CallerRow | null> {
  const row = await db
    .selectFrom('users')
    .select([
      ...ACTOR_COLUMNS,
      sql<string | null>`(extract(epoch FROM sessions_valid_after) * 1000000)::bigint::text`.as(
        'validAfterUs',
      ),
    ])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) return null;
  const { validAfterUs, ...actor } = row;
  return {
    actor: toActor(actor),
    sessionsValidAfterUs: validAfterUs === null ? null : BigInt(validAfterUs),
  };
}

/** Whether a session begun at `issuedAt` still holds (no `issuedAt`: not a session, holds). */
export function sessionAllowed(row: CallerRow, issuedAt?: Date): boolean {
  return (
    issuedAt === undefined ||
    row.sessionsValidAfterUs === null ||
    row.sessionsValidAfterUs <= BigInt(issuedAt.getTime()) * 1000n
  );
}

/** One user, or NOT_FOUND. */
export async function loadUser(db: Executor, userId: string): Promise<UserRow> {
  const row = await db
    .selectFrom('users')
    .select(ROW_COLUMNS)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) throw noSuchUser(userId);
  return toActor(row);
}

/**
 * Locks one user row until the transaction ends; null when there is none. FOR NO KEY UPDATE, what
 * an UPDATE of the row takes: it excludes every other writer of the user but not the foreign-key
 * checks of rows that merely point at it (usage, ledger, audit).
 */
export async function lockUserIfAny(trx: Transaction, userId: string): Promise<UserRow | null> {
  const row = await trx
    .selectFrom('users')
    .select(ROW_COLUMNS)
    .where('id', '=', userId)
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row ? toActor(row) : null;
}

/** Locks one user row (as `lockUserIfAny`), or NOT_FOUND. */
export async function lockUser(trx: Transaction, userId: string): Promise<UserRow> {
  const row = await lockUserIfAny(trx, userId);
  if (!row) throw noSuchUser(userId);
  return row;
}

/** Locks users in id order, the order every writer takes them (users before user_credits). */
export async function lockUsers(trx: Transaction, userIds: readonly string[]): Promise<void> {
  // One array parameter, however many users (a usage batch may pay for thousands).
  await sql`SELECT 1 FROM users WHERE id = ANY(${userIds}::text[]) ORDER BY id FOR NO KEY UPDATE`.execute(
    trx,
  );
}

/** Whether one of the user's feature flags is on (`feature_flags.<flag> = true`). */
export function hasFlag(user: Pick<UserRow, 'featureFlags'>, flag: string): boolean {
  const flags = user.featureFlags;
  return (
    typeof flags === 'object' && flags !== null && !Array.isArray(flags) && flags[flag] === true
  );
}

export function noSuchUser(userId: string) {
  return notFound(`There is no user with id ${userId}.`);
}

/**
 * Refuses a member where only an account owner will do (billing, invites and clusters belong to
 * the account): "<email> is a member of another account<why>".
 */
export function requireOwner<T extends { email: string; accountOwnerId: string | null }>(
  user: T,
  why: string | ((ownerId: string) => string),
): T & { accountOwnerId: null } {
  const ownerId = user.accountOwnerId;
  if (ownerId !== null) {
    const rest = typeof why === 'string' ? why : why(ownerId);
    throw badRequest(`${user.email} is a member of another account${rest}`);
  }
  return { ...user, accountOwnerId: ownerId };
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | null> {
  const row = await db
    .selectFrom('users')
    .select(ROW_COLUMNS)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', emailKey(email)))
    .executeTakeFirst();
  return row ? toActor(row) : null;
}

/** One user by id or by e-mail (case-insensitive), or NOT_FOUND. */
export async function loadUserByIdOrEmail(
  db: Executor,
  key: { userId: string } | { email: string },
): Promise<UserRow> {
  if ('userId' in key) return loadUser(db, key.userId);
  const user = await findUserByEmail(db, key.email);
  if (!user) throw notFound(`No user has the e-mail ${key.email}.`);
  return user;
}

/** How many members an owner has: someone with members can neither be invited nor join. */
export async function countMembers(db: Executor, ownerId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('accountOwnerId', '=', ownerId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function clusterOfUser(db: Executor, userId: string): Promise<ClusterRef | null> {
  const row = await db
    .selectFrom('userHopsworksAssignments as a')
    .innerJoin('hopsworksClusters as c', 'c.id', 'a.hopsworksClusterId')
    .select(['c.id', 'c.name', 'c.apiUrl', 'c.status'])
    .where('a.userId', '=', userId)
    .executeTakeFirst();
  return row ? { ...row, status: row.status } : null;
}

/** clusters.mine: the caller's cluster (never its secrets). */
export async function getMyCluster(db: Executor, actor: UserCaller): Promise<ClusterRef | null> {
  return clusterOfUser(db, actor.user.id);
}

/** me.get: the caller, their role, their owner and their cluster. */
export async function getMe(db: Executor, actor: UserCaller): Promise<Me> {
  const { user } = actor;
  const owner = user.accountOwnerId
    ? await db
        .selectFrom('users')
        .select(['id', 'email', 'name'])
        .where('id', '=', user.accountOwnerId)
        .executeTakeFirst()
    : undefined;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: roleOf(user),
    isAdmin: user.isAdmin,
    billingMode: user.billingMode,
    owner: owner ?? null,
    cluster: await getMyCluster(db, actor),
  };
}

/** The dev-mode login picker's list (AUTH_MODE=dev only; the server never offers it otherwise). */
export async function listDevLoginUsers(db: Executor, limit = 100) {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'isAdmin', 'accountOwnerId'])
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
    role: roleOf(r),
  }));
}

/** Who a mail is to or about: a user's id, e-mail and name (the user must exist). */
export function loadPerson(db: Executor, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
}

/** Everyone of an owner's account: the owner and each member, in id order. */
export async function accountUserIds(trx: Executor, ownerId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('users')
    .select('id')
    .where((eb) => eb.or([eb('id', '=', ownerId), eb('accountOwnerId', '=', ownerId)]))
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
