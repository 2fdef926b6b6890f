// An account's team (SPEC §3.2): who is in it, and members leaving it — removed by the owner (or
// an admin) or on their own. A departing member becomes a stand-alone owner, keeps their history
// and loses the cluster assignment, which belonged to the account.
import type { AuditActor, UserCaller } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Executor, Transaction } from '../db.ts';
import { badRequest, notFound } from '../errors.ts';
import { dropAssignment } from './assignment.ts';
import { lockUser, lockUserIfAny, noSuchUser } from './users.ts';

export interface TeamPerson {
  id: string;
  email: string;
  name: string | null;
}

export interface TeamMember extends TeamPerson {
  joinedAt: string | null;
  lastLoginAt: string | null;
  hopsworksUsername: string | null;
}

export interface Team {
  /** The owner as a member row: joined when their account began, and their own last sign-in. */
  owner: TeamMember;
  members: TeamMember[];
  /** Whether the caller is the account owner. */
  isOwner: boolean;
}

export interface Departure {
  memberId: string;
  /** The owner of the account the member left. */
  formerOwnerId: string;
  /** The cluster the member was taken off, if any. */
  droppedClusterId: string | null;
}

/** The caller's account: its owner and every member (a member sees their teammates too). */
export async function getTeam(db: Executor, actor: UserCaller): Promise<Team> {
  const { user } = actor;
  const ownerId = user.accountOwnerId ?? user.id;
  const ownerRow = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'createdAt', 'lastLoginAt', 'hopsworksUsername'])
    .where('id', '=', ownerId)
    .executeTakeFirstOrThrow();
  const owner: TeamMember = {
    id: ownerRow.id,
    email: ownerRow.email,
    name: ownerRow.name,
    joinedAt: ownerRow.createdAt.toISOString(),
    lastLoginAt: ownerRow.lastLoginAt?.toISOString() ?? null,
    hopsworksUsername: ownerRow.hopsworksUsername,
  };
  const rows = await db
    .selectFrom('teamMembers')
    .selectAll()
    .where('ownerId', '=', ownerId)
    .orderBy('joinedAt')
    .orderBy('memberEmail')
    .execute();
  return {
    owner,
    members: rows.map((r) => ({
      id: r.memberId!,
      email: r.memberEmail!,
      name: r.memberName,
      joinedAt: r.joinedAt?.toISOString() ?? null,
      lastLoginAt: r.lastLoginAt?.toISOString() ?? null,
      hopsworksUsername: r.hopsworksUsername,
    })),
    isOwner: user.accountOwnerId === null,
  };
}

async function detach(
  trx: Transaction,
  actor: AuditActor,
  member: { id: string; email: string; accountOwnerId: string },
  action: 'team.removeMember' | 'team.leave',
): Promise<Departure> {
  await trx
    .updateTable('users')
    .set({ accountOwnerId: null })
    .where('id', '=', member.id)
    .execute();
  const droppedClusterId = await dropAssignment(
    trx,
    member.id,
    action === 'team.leave' ? 'leave' : 'remove',
  );
  await recordAudit(
    trx,
    actor,
    action,
    { type: 'user', id: member.id },
    {
      email: member.email,
      formerOwnerId: member.accountOwnerId,
      droppedClusterId,
    },
  );
  return { memberId: member.id, formerOwnerId: member.accountOwnerId, droppedClusterId };
}

/**
 * An owner removes one of their members; an admin may remove a member from any account. Someone
 * outside the owner's team answers NOT_FOUND (whether that user exists is not the owner's business).
 */
export async function removeMember(
  trx: Transaction,
  actor: UserCaller,
  memberId: string,
): Promise<Departure> {
  const caller = actor.user;
  if (memberId === caller.id) {
    throw badRequest(
      caller.accountOwnerId
        ? 'You cannot remove yourself; use "Leave team" instead.'
        : 'You cannot remove yourself from your own account.',
    );
  }
  const member = await lockUserIfAny(trx, memberId);
  if (!caller.isAdmin && member?.accountOwnerId !== caller.id) {
    throw notFound(`There is no member ${memberId} in your team.`);
  }
  if (!member) throw noSuchUser(memberId);
  if (!member.accountOwnerId) {
    throw badRequest(`${member.email} is not a member of any team.`);
  }
  return detach(
    trx,
    actor,
    { ...member, accountOwnerId: member.accountOwnerId },
    'team.removeMember',
  );
}

/** The caller leaves their team and becomes a stand-alone owner. */
export async function leaveTeam(trx: Transaction, actor: UserCaller): Promise<Departure> {
  const user = await lockUser(trx, actor.user.id);
  if (!user.accountOwnerId) {
    throw badRequest(
      'You own this account, so there is no team to leave. Remove your members if you want to work alone.',
    );
  }
  return detach(trx, actor, { ...user, accountOwnerId: user.accountOwnerId }, 'team.leave');
}
