// Cluster assignment (SPEC §3.3): every change is one transaction that locks the cluster rows it
// touches, so `current_users` (kept by a trigger) and the capacity checks are exact under any
// concurrency. A team is never split: the owner's account moves as a whole.
// Over 300 lines: every way onto or off a cluster is here, so the lock order stays in one file.
import { sql } from 'kysely';
import type { AuditActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Executor, Transaction } from '../db.ts';
import { AppError, type AppErrorKind } from '../errors.ts';
import type { ClusterCapacity } from '../events.ts';
import { emitEvent } from '../outbox.ts';
import { Decimal } from '../money.ts';
import type { ClusterStatus } from '../schemas.ts';
import { requestProvisioning, type ProvisioningReason } from './provisioning/requests.ts';
import { accountUserIds, findUserByEmail, loadUserActor, lockUser, type UserRow } from './users.ts';

export interface AssignedCluster {
  id: string;
  name: string;
  currentUsers: number;
  maxUsers: number;
}

interface ClusterRow {
  id: string;
  name: string;
  status: string;
  currentUsers: number;
  maxUsers: number;
}

export type AutoAssignResult =
  | { status: 'assigned'; cluster: AssignedCluster; users: number }
  | { status: 'already_assigned'; cluster: AssignedCluster }
  | { status: 'not_eligible'; reason: string }
  | { status: 'no_room'; users: number };

const HIGH_WATERMARK = new Decimal('0.9');

// ---------------------------------------------------------------------------------------------
// The rules of an admin's assignment, as plain functions: the preview (clusters.previewAssign)
// and the assignment itself (under its locks) ask the same ones, so a Confirm shown is a Confirm
// that works unless something changed in between.

/** Why an account cannot go where it was asked to, as the preview answers and the API refuses. */
export type AssignRefusalReason =
  | 'no_such_user'
  | 'member'
  | 'account_inactive'
  | 'no_such_cluster'
  | 'cluster_inactive'
  | 'no_room';

export interface AssignRefusal {
  reason: AssignRefusalReason;
  kind: AppErrorKind;
  message: string;
}

const refusal = (reason: AssignRefusalReason, kind: AppErrorKind, message: string) => ({
  reason,
  kind,
  message,
});

function refuse(r: AssignRefusal): AppError {
  return new AppError(r.kind, r.message);
}

/** A member moves with their owner; a suspended or deleted account goes nowhere. */
function accountRefusal(
  user: Pick<UserRow, 'email' | 'accountOwnerId' | 'status'>,
): AssignRefusal | null {
  if (user.accountOwnerId !== null) {
    return refusal(
      'member',
      'BAD_REQUEST',
      `${user.email} is a member of another account and moves with it; assign the account owner instead.`,
    );
  }
  if (user.status === 'suspended') {
    return refusal(
      'account_inactive',
      'PRECONDITION_FAILED',
      `The account of ${user.email} is suspended. Reactivate it before assigning it to a cluster.`,
    );
  }
  if (user.status !== 'active') {
    return refusal(
      'account_inactive',
      'PRECONDITION_FAILED',
      `The account of ${user.email} has been deleted; it cannot be assigned to a cluster.`,
    );
  }
  return null;
}

const NO_SUCH_CLUSTER = refusal('no_such_cluster', 'NOT_FOUND', 'There is no such cluster.');

/** A named cluster takes accounts unless it is inactive. */
function clusterRefusal(target: Pick<ClusterRow, 'name' | 'status'>): AssignRefusal | null {
  return target.status === 'inactive'
    ? refusal(
        'cluster_inactive',
        'PRECONDITION_FAILED',
        `Cluster ${target.name} is inactive and takes no accounts.`,
      )
    : null;
}

/** A named cluster must have room for every user of the account arriving on it. */
function roomRefusal(
  target: Pick<ClusterRow, 'name' | 'currentUsers' | 'maxUsers'>,
  arriving: number,
): AssignRefusal | null {
  const room = target.maxUsers - target.currentUsers;
  if (arriving > room) {
    return refusal(
      'no_room',
      'PRECONDITION_FAILED',
      `Cluster ${target.name} has room for ${Math.max(room, 0)} more user(s), but the account has ${arriving}.`,
    );
  }
  return null;
}

/** The least-loaded active cluster with room for `users` more (by share used, ties by name). */
function pickAutoCluster<C extends ClusterRow>(candidates: readonly C[], users: number): C | null {
  const fits = candidates.filter(
    (c) => c.status === 'active' && c.currentUsers + users <= c.maxUsers,
  );
  fits.sort((a, b) => {
    const byLoad = new Decimal(a.currentUsers)
      .dividedBy(a.maxUsers)
      .comparedTo(new Decimal(b.currentUsers).dividedBy(b.maxUsers));
    return byLoad !== 0 ? byLoad : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  return fits[0] ?? null;
}

/** What the confirmation should say besides who moves where: a cluster not in full service. */
function arrivalWarnings(target: Pick<ClusterRow, 'name' | 'status'>): string[] {
  if (target.status === 'maintenance') {
    return [
      `${target.name} is in maintenance: the account's people may not be able to work there until it is active again.`,
    ];
  }
  if (target.status === 'full') {
    return [`${target.name} is marked full: it takes no automatic assignments.`];
  }
  return [];
}

/** Locks and returns the account's owner row; refuses members. */
async function lockOwner(trx: Transaction, userId: string) {
  const owner = await lockUser(trx, userId);
  if (owner.accountOwnerId !== null) throw refuse(accountRefusal(owner)!);
  return { ...owner, accountOwnerId: null };
}

/** How many of the account's users are not on the cluster yet. */
async function arrivingCount(db: Executor, users: string[], clusterId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .leftJoin('userHopsworksAssignments as a', 'a.userId', 'users.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('users.id', 'in', users)
    .where((eb) =>
      eb.or([eb('a.hopsworksClusterId', 'is', null), eb('a.hopsworksClusterId', '<>', clusterId)]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function currentClusterId(trx: Executor, userId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('userHopsworksAssignments')
    .select('hopsworksClusterId')
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row?.hopsworksClusterId ?? null;
}

/**
 * Locks cluster rows in id order (the order every writer uses, so no deadlocks) and reads them.
 * FOR NO KEY UPDATE, like the trigger's own UPDATE: it excludes every other assignment writer but
 * not the FOR KEY SHARE of foreign-key checks. With FOR UPDATE, a usage batch holding key-share on
 * cluster B and then checking cluster A deadlocked with an assignment holding A and waiting for B.
 */
async function lockClusters(
  trx: Transaction,
  filter: { ids?: string[]; status?: ClusterStatus },
): Promise<ClusterRow[]> {
  let query = trx
    .selectFrom('hopsworksClusters')
    .select(['id', 'name', 'status', 'currentUsers', 'maxUsers'])
    .orderBy('id')
    .forNoKeyUpdate();
  if (filter.ids) query = query.where('id', 'in', filter.ids);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.execute();
}

async function readCluster(trx: Executor, id: string): Promise<AssignedCluster> {
  return trx
    .selectFrom('hopsworksClusters')
    .select(['id', 'name', 'currentUsers', 'maxUsers'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** Alerts when a cluster crosses 90 % or goes over capacity. */
async function capacityEvents(trx: Transaction, before: ClusterRow): Promise<AssignedCluster> {
  const after = await readCluster(trx, before.id);
  const ratio = (n: number) => new Decimal(n).dividedBy(after.maxUsers);
  const payload: ClusterCapacity = {
    clusterId: after.id,
    name: after.name,
    currentUsers: after.currentUsers,
    maxUsers: after.maxUsers,
  };
  if (after.currentUsers > after.maxUsers && before.currentUsers <= before.maxUsers) {
    await emitEvent(trx, { kind: 'cluster.over_capacity', payload });
  } else if (
    ratio(after.currentUsers).gte(HIGH_WATERMARK) &&
    ratio(before.currentUsers).lt(HIGH_WATERMARK)
  ) {
    await emitEvent(trx, { kind: 'cluster.capacity_high', payload });
  }
  return after;
}

/** Whether an unassigned owner may be placed automatically (SPEC §3.3). */
async function eligibility(
  trx: Executor,
  owner: Pick<UserRow, 'id' | 'billingMode' | 'stripeCustomerId'>,
): Promise<string | null> {
  if (owner.billingMode === 'postpaid') {
    // An account billed through Stripe (it has a billing_accounts row, made by billing.setupPayment)
    // needs a card on file and a live subscription (SPEC §8); without Stripe, the customer id an
    // admin set is the payment method (§3.3).
    const billing = await trx
      .selectFrom('billingAccounts')
      .select(['defaultPaymentMethodId', 'subscriptionStatus'])
      .where('ownerId', '=', owner.id)
      .executeTakeFirst();
    if (!billing) {
      return owner.stripeCustomerId ? null : 'a postpaid account needs a payment method first';
    }
    if (!billing.defaultPaymentMethodId) return 'a postpaid account needs a card on file first';
    return billing.subscriptionStatus === 'canceled'
      ? 'the account’s Stripe subscription has ended'
      : null;
  }
  const credits = await trx
    .selectFrom('userCredits')
    .select(
      sql<string>`(total_purchased - total_used) + (free_credits_granted - free_credits_used)`.as(
        'available',
      ),
    )
    .where('userId', '=', owner.id)
    .executeTakeFirst();
  return credits && new Decimal(credits.available).gt(0)
    ? null
    : 'a prepaid account needs credits first';
}

/**
 * Places an unassigned owner's whole account on the least-loaded active cluster with room (by
 * share of capacity used, ties by name). `admin` skips the eligibility rule. Returns what happened;
 * it never throws for "no room", so a sign-in or a grant that triggered it still succeeds. An alert
 * is written for no room.
 */
export async function autoAssignAccount(
  trx: Transaction,
  actor: AuditActor,
  ownerId: string,
  options: { admin: boolean },
): Promise<AutoAssignResult> {
  const owner = await lockOwner(trx, ownerId);
  const inactive = accountRefusal(owner);
  if (inactive) {
    if (options.admin) throw refuse(inactive);
    return { status: 'not_eligible', reason: `the account is ${owner.status}` };
  }
  const existing = await currentClusterId(trx, owner.id);
  if (existing) return { status: 'already_assigned', cluster: await readCluster(trx, existing) };
  if (!options.admin) {
    const reason = await eligibility(trx, owner);
    if (reason) return { status: 'not_eligible', reason };
  }
  const users = await accountUserIds(trx, owner.id);
  const candidates = await lockClusters(trx, { status: 'active' });
  const best = pickAutoCluster(candidates, users.length);
  if (!best) {
    await emitEvent(trx, {
      kind: 'cluster.no_room',
      payload: { ownerId: owner.id, email: owner.email, users: users.length },
    });
    return { status: 'no_room', users: users.length };
  }
  await placeUsers(
    trx,
    users,
    owner.id,
    best.id,
    options.admin && actor.userId ? `admin:${actor.userId}` : 'system',
    'assign',
  );
  const cluster = await capacityEvents(trx, best);
  await recordAudit(
    trx,
    actor,
    'clusters.assign',
    { type: 'user', id: owner.id },
    {
      clusterId: best.id,
      cluster: best.name,
      mode: 'auto',
      users: users.length,
    },
  );
  return { status: 'assigned', cluster, users: users.length };
}

/**
 * Puts people on a cluster (moving them from wherever they were) and asks the clusters to follow:
 * activated on the new one, deactivated on the one they left (SPEC §9).
 */
async function placeUsers(
  trx: Transaction,
  userIds: string[],
  ownerId: string,
  clusterId: string,
  assignedBy: string,
  reason: ProvisioningReason,
) {
  const before = await trx
    .selectFrom('userHopsworksAssignments')
    .select(['userId', 'hopsworksClusterId'])
    .where('userId', 'in', userIds)
    .execute();
  const fromOf = new Map(before.map((b) => [b.userId, b.hopsworksClusterId]));
  await trx
    .insertInto('userHopsworksAssignments')
    .values(
      userIds.map((id) => ({
        userId: id,
        hopsworksClusterId: clusterId,
        assignedBy: id === ownerId ? assignedBy : 'team_member_auto',
      })),
    )
    .onConflict((oc) =>
      oc.column('userId').doUpdateSet((eb) => ({
        hopsworksClusterId: eb.ref('excluded.hopsworksClusterId'),
        assignedBy: eb.ref('excluded.assignedBy'),
        assignedAt: sql`now()`,
      })),
    )
    .execute();
  await requestProvisioning(
    trx,
    userIds.map((userId) => ({ userId, fromClusterId: fromOf.get(userId) ?? null })),
    reason,
  );
}

/**
 * An admin puts an owner's whole account on a given cluster (a move when it is elsewhere). The
 * cluster must not be inactive and must have room for every user of the account not already on it.
 */
export async function assignAccountTo(
  trx: Transaction,
  actor: AuditActor,
  ownerId: string,
  clusterId: string,
): Promise<{ cluster: AssignedCluster; from: string | null; users: number }> {
  const owner = await lockOwner(trx, ownerId);
  const inactive = accountRefusal(owner);
  if (inactive) throw refuse(inactive);
  const from = await currentClusterId(trx, owner.id);
  const locked = await lockClusters(trx, {
    ids: from && from !== clusterId ? [from, clusterId] : [clusterId],
  });
  const target = locked.find((c) => c.id === clusterId);
  if (!target) throw refuse(NO_SUCH_CLUSTER);
  const unusable = clusterRefusal(target);
  if (unusable) throw refuse(unusable);
  const users = await accountUserIds(trx, owner.id);
  if (from === clusterId) {
    return { cluster: await readCluster(trx, clusterId), from, users: users.length };
  }
  const full = roomRefusal(target, await arrivingCount(trx, users, clusterId));
  if (full) throw refuse(full);
  await placeUsers(
    trx,
    users,
    owner.id,
    clusterId,
    actor.userId ? `admin:${actor.userId}` : 'system',
    from ? 'move' : 'assign',
  );
  const cluster = await capacityEvents(trx, target);
  await recordAudit(
    trx,
    actor,
    from ? 'clusters.move' : 'clusters.assign',
    { type: 'user', id: owner.id },
    {
      fromClusterId: from,
      clusterId,
      cluster: target.name,
      users: users.length,
    },
  );
  return { cluster, from, users: users.length };
}

export interface PlannedCluster {
  id: string;
  name: string;
  status: ClusterStatus;
  currentUsers: number;
  maxUsers: number;
}

/** What an admin's assignment would do, or why it would be refused (clusters.previewAssign). */
export type AssignPreview =
  | {
      ok: true;
      /** `unchanged`: the account is there already; nothing to confirm. */
      change: 'assign' | 'move' | 'unchanged';
      owner: { id: string; email: string; name: string | null };
      /** Everyone who moves: the owner and each member. */
      users: number;
      members: number;
      from: PlannedCluster | null;
      to: PlannedCluster;
      /** Whether the cluster was picked by `auto`. */
      auto: boolean;
      /** Sentences for the confirmation: the cluster is in maintenance, or marked full. */
      warnings: string[];
    }
  | { ok: false; reason: AssignRefusalReason; message: string };

async function readPlannedCluster(db: Executor, id: string): Promise<PlannedCluster | null> {
  const row = await db
    .selectFrom('hopsworksClusters')
    .select(['id', 'name', 'status', 'currentUsers', 'maxUsers'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { ...row, status: row.status } : null;
}

/**
 * The check before the Confirm: whose account would move (found by id or e-mail), from which
 * cluster to which (or which one `auto` would pick), and what to warn about — or the refusal the
 * assignment itself would give, as a sentence. Reads only; the assignment checks again under its
 * locks.
 */
export async function previewAssignment(
  db: Executor,
  key: { userId: string } | { email: string },
  clusterId: string | 'auto',
): Promise<AssignPreview> {
  const found =
    'email' in key ? await findUserByEmail(db, key.email) : await loadUserActor(db, key.userId);
  if (!found) {
    return {
      ok: false,
      reason: 'no_such_user',
      message:
        'email' in key
          ? `No user has the e-mail ${key.email}.`
          : `There is no user with id ${key.userId}.`,
    };
  }
  const refused = (r: AssignRefusal) => ({
    ok: false as const,
    reason: r.reason,
    message: r.message,
  });
  const inactive = accountRefusal(found);
  if (inactive) return refused(inactive);

  const users = await accountUserIds(db, found.id);
  const fromId = await currentClusterId(db, found.id);
  const from = fromId ? await readPlannedCluster(db, fromId) : null;
  let to: PlannedCluster | null;
  if (clusterId === 'auto') {
    if (from) to = from;
    else {
      const candidates = await db
        .selectFrom('hopsworksClusters')
        .select(['id', 'name', 'status', 'currentUsers', 'maxUsers'])
        .where('status', '=', 'active')
        .execute();
      to = pickAutoCluster(
        candidates.map((c) => ({ ...c, status: c.status })),
        users.length,
      );
      if (!to) {
        const who = users.length === 1 ? '1 user' : `${users.length} users`;
        return {
          ok: false,
          reason: 'no_room',
          message: `No active cluster has room for the account of ${found.email} (${who}). Add capacity or a cluster, then assign again.`,
        };
      }
    }
  } else {
    to = await readPlannedCluster(db, clusterId);
    if (!to) return refused(NO_SUCH_CLUSTER);
    const unusable = clusterRefusal(to);
    if (unusable) return refused(unusable);
    if (to.id !== from?.id) {
      const full = roomRefusal(to, await arrivingCount(db, users, to.id));
      if (full) return refused(full);
    }
  }
  const change = to.id === from?.id ? 'unchanged' : from ? 'move' : 'assign';
  return {
    ok: true,
    change,
    owner: { id: found.id, email: found.email, name: found.name },
    users: users.length,
    members: users.length - 1,
    from,
    to,
    auto: clusterId === 'auto',
    warnings: change === 'unchanged' ? [] : arrivalWarnings(to),
  };
}

/** Takes an owner's whole account off its cluster. */
export async function unassignAccount(
  trx: Transaction,
  actor: AuditActor,
  ownerId: string,
  reason: Extract<ProvisioningReason, 'unassign' | 'delete'> = 'unassign',
): Promise<{ from: string | null; users: number }> {
  const owner = await lockOwner(trx, ownerId);
  const from = await currentClusterId(trx, owner.id);
  if (!from) return { from: null, users: 0 };
  await lockClusters(trx, { ids: [from] });
  const users = await accountUserIds(trx, owner.id);
  const removed = await trx
    .deleteFrom('userHopsworksAssignments')
    .where('userId', 'in', users)
    .executeTakeFirst();
  await requestProvisioning(
    trx,
    users.map((userId) => ({ userId, fromClusterId: from })),
    reason,
  );
  await recordAudit(
    trx,
    actor,
    'clusters.unassign',
    { type: 'user', id: owner.id },
    {
      fromClusterId: from,
      users: Number(removed.numDeletedRows),
    },
  );
  return { from, users: Number(removed.numDeletedRows) };
}

/**
 * A new member goes where their owner is, even past capacity (the one way over `max_users`, with
 * an alert). With an unassigned owner the member is unassigned too.
 */
export async function placeMemberWithOwner(
  trx: Transaction,
  memberId: string,
  ownerId: string,
): Promise<AssignedCluster | null> {
  const ownerCluster = await currentClusterId(trx, ownerId);
  const memberCluster = await currentClusterId(trx, memberId);
  if (!ownerCluster) {
    if (memberCluster) {
      await lockClusters(trx, { ids: [memberCluster] });
      await trx.deleteFrom('userHopsworksAssignments').where('userId', '=', memberId).execute();
      await requestProvisioning(trx, [{ userId: memberId, fromClusterId: memberCluster }], 'join');
    }
    return null;
  }
  const locked = await lockClusters(trx, {
    ids:
      memberCluster && memberCluster !== ownerCluster
        ? [memberCluster, ownerCluster]
        : [ownerCluster],
  });
  const target = locked.find((c) => c.id === ownerCluster)!;
  if (memberCluster === ownerCluster) return readCluster(trx, ownerCluster);
  await placeUsers(trx, [memberId], ownerId, ownerCluster, 'team_member_auto', 'join');
  return capacityEvents(trx, target);
}

/** A member leaving an account (removed, or leaving) loses the account's cluster (SPEC §3.2). */
export async function dropAssignment(
  trx: Transaction,
  userId: string,
  reason: Extract<ProvisioningReason, 'remove' | 'leave' | 'delete'>,
): Promise<string | null> {
  const from = await currentClusterId(trx, userId);
  if (!from) return null;
  await lockClusters(trx, { ids: [from] });
  await trx.deleteFrom('userHopsworksAssignments').where('userId', '=', userId).execute();
  await requestProvisioning(trx, [{ userId, fromClusterId: from }], reason);
  return from;
}
