// The link's side of invites (SPEC §3.2): what a link leads to, and accepting it. Accepting locks
// the invite row, so any number of parallel accepts yields exactly one membership. Only the
// Accept step on the invite page joins a team (SPEC §12): holding the link, opening it or
// signing in from it never does.
import { sql } from 'kysely';
import type { UserCaller } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Executor, Transaction } from '../../db.ts';
import {
  AppError,
  PG,
  badRequest,
  conflict,
  forbidden,
  notFound,
  pgCode,
  preconditionFailed,
} from '../../errors.ts';
import { emitEvent } from '../../outbox.ts';
import type { InviteStatus, ProjectRole } from '../../schemas.ts';
import { placeMemberWithOwner } from '../assignment.ts';
import { clusterOfUser, countMembers, noSuchUser, type ClusterRef } from '../users.ts';
import { hashInviteSecret, inviteColumns, sameEmail, statusSql } from './invite.ts';

export interface InvitePreview {
  ownerName: string | null;
  ownerEmail: string;
  email: string;
  projectRole: ProjectRole;
  expiresAt: string;
  status: InviteStatus;
}

export interface AcceptResult {
  accountOwnerId: string;
  cluster: ClusterRef | null;
  /** false when the caller had already accepted this invite (the repeat changes nothing). */
  joined: boolean;
}

const INVALID_LINK = 'This invite link is not valid. Check that you copied the whole link.';

/** What an invite link leads to, for anyone holding the link. */
export async function previewInvite(db: Executor, secret: string): Promise<InvitePreview> {
  const row = await db
    .selectFrom('teamInvites')
    .innerJoin('users as owner', 'owner.id', 'teamInvites.accountOwnerId')
    .select(['owner.name as ownerName', 'owner.email as ownerEmail'])
    .select(['teamInvites.email', 'teamInvites.projectRole', 'teamInvites.expiresAt'])
    .select(statusSql.as('status'))
    .where('teamInvites.token', '=', hashInviteSecret(secret))
    .executeTakeFirst();
  if (!row) throw notFound(INVALID_LINK);
  return {
    ownerName: row.ownerName,
    ownerEmail: row.ownerEmail,
    email: row.email,
    projectRole: row.projectRole,
    expiresAt: row.expiresAt.toISOString(),
    status: row.status,
  };
}

/**
 * The invite page's Accept button (invites.accept): the one caller that may join a team through
 * an invite. `acceptInvite` without it checks the invite and joins nothing.
 */
export const ACCEPT_STEP = 'accept-step' as const;

/**
 * The caller accepts the invite behind `secret`: they become a member of the inviting account and
 * are placed on its cluster (past capacity if need be) — but only when `step` is `ACCEPT_STEP`,
 * the person's own click on Accept. Any other caller (a sign-in that began at the link) gets every
 * check and refusal and `joined: false`, nothing changed: a link alone never makes a member.
 * The invite row is locked first, so parallel accepts run one after another and only the first
 * can join. Accepting again an invite one already accepted (and is still a member through)
 * returns the same result and changes nothing. A stand-alone owner who accepts becomes a member;
 * their own open invites are revoked, since a member cannot invite. The refusals tell the invitee
 * the real reason (their own account's state); the inviter was told only that they cannot be
 * invited (./owner.ts).
 */
export async function acceptInvite(
  trx: Transaction,
  actor: UserCaller,
  secret: string,
  step?: typeof ACCEPT_STEP,
): Promise<AcceptResult> {
  const invite = await trx
    .selectFrom('teamInvites')
    .select(inviteColumns)
    .select(statusSql.as('status'))
    .where('token', '=', hashInviteSecret(secret))
    .forUpdate()
    .executeTakeFirst();
  if (!invite) throw notFound(INVALID_LINK);

  // Both users' rows, in id order (the order every writer here uses). FOR UPDATE, not the users
  // module's NO KEY UPDATE: the no-nested-teams trigger takes FOR UPDATE on the joiner anyway,
  // and taking it first lets no other lock slip in between.
  const userId = actor.user.id;
  const people = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'status', 'accountOwnerId'])
    .where('id', 'in', [userId, invite.accountOwnerId])
    .orderBy('id')
    .forUpdate()
    .execute();
  const user = people.find((p) => p.id === userId);
  const owner = people.find((p) => p.id === invite.accountOwnerId)!;
  if (!user) throw noSuchUser(userId);

  if (invite.acceptedByUserId === user.id && user.accountOwnerId === owner.id) {
    return { accountOwnerId: owner.id, cluster: await clusterOfUser(trx, user.id), joined: false };
  }
  if (!sameEmail(invite.email, user.email)) {
    throw forbidden(
      `This invite is for ${invite.email}, but you are signed in as ${user.email}. Sign in as ${invite.email} to accept it.`,
    );
  }
  if (invite.status === 'accepted') {
    throw conflict(`This invite has already been used. Ask ${owner.email} for a new one.`);
  }
  if (invite.status === 'revoked') {
    throw preconditionFailed(`This invite was revoked. Ask ${owner.email} for a new one.`);
  }
  if (invite.status === 'expired') {
    throw preconditionFailed(`This invite has expired. Ask ${owner.email} for a new one.`);
  }
  if (user.status !== 'active') {
    throw forbidden(`The account of ${user.email} is ${user.status} and cannot join a team.`);
  }
  if (owner.accountOwnerId || owner.status !== 'active') {
    throw preconditionFailed(
      `${owner.email} can no longer take team members, so this invite cannot be used.`,
    );
  }
  if (user.id === owner.id) throw badRequest('You cannot join your own account.');
  if (user.accountOwnerId === owner.id) {
    throw conflict(`You are already a member of ${owner.email}'s team.`);
  }
  if (user.accountOwnerId) {
    const current = await trx
      .selectFrom('users')
      .select('email')
      .where('id', '=', user.accountOwnerId)
      .executeTakeFirstOrThrow();
    throw conflict(
      `You are a member of ${current.email}'s team. Leave that team first, then open this invite again.`,
    );
  }
  const members = await countMembers(trx, user.id);
  if (members > 0) {
    throw conflict(
      `You own a team with ${members} member(s), and teams cannot be nested. Remove your members before joining ${owner.email}'s team.`,
    );
  }
  // Everything checked; only the person's own Accept goes on to join.
  if (step !== ACCEPT_STEP) return { accountOwnerId: owner.id, cluster: null, joined: false };

  try {
    await trx
      .updateTable('users')
      .set({ accountOwnerId: owner.id })
      .where('id', '=', user.id)
      .execute();
  } catch (error) {
    // The no-nested-teams trigger, should a concurrent change slip past the checks above.
    if (pgCode(error) === PG.checkViolation) {
      throw new AppError(
        'CONFLICT',
        `Joining ${owner.email}'s team would put one team inside another, which is not possible.`,
        { cause: error },
      );
    }
    throw error;
  }
  await trx
    .updateTable('teamInvites')
    .set({ acceptedAt: sql`now()`, acceptedByUserId: user.id })
    .where('id', '=', invite.id)
    .execute();
  const ownInvites = await trx
    .updateTable('teamInvites')
    .set({ revokedAt: sql`now()` })
    .where('accountOwnerId', '=', user.id)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .returning('id')
    .execute();
  await placeMemberWithOwner(trx, user.id, owner.id);
  const cluster = await clusterOfUser(trx, user.id);
  await emitEvent(trx, {
    kind: 'invite.accepted',
    payload: {
      inviteId: invite.id,
      ownerId: owner.id,
      ownerEmail: owner.email,
      memberId: user.id,
      memberEmail: user.email,
    },
  });
  await recordAudit(
    trx,
    actor,
    'invites.accept',
    { type: 'invite', id: invite.id },
    {
      ownerId: owner.id,
      memberId: user.id,
      email: invite.email,
      projectRole: invite.projectRole,
      clusterId: cluster?.id ?? null,
      revokedOwnInviteIds: ownInvites.map((i) => i.id),
    },
  );
  for (const own of ownInvites) {
    await recordAudit(
      trx,
      actor,
      'invites.revoke',
      { type: 'invite', id: own.id },
      { ownerId: user.id, reason: `${user.email} joined ${owner.email}'s team and cannot invite` },
    );
  }
  return { accountOwnerId: owner.id, cluster, joined: true };
}
