// The owner's side of invites (SPEC §3.2): list, create, resend and revoke — by the account owner,
// or by an admin for any owner. One open invite per e-mail and account.
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
import { emailKey, type InviteStatus, type ProjectRole } from '../../schemas.ts';
import { countMembers, findUserByEmail, loadUser, requireOwner } from '../users.ts';
import {
  hashInviteSecret,
  inviteColumns,
  newInviteSecret,
  sameEmail,
  statusSql,
  toInviteView,
  type InviteView,
} from './invite.ts';

/**
 * The owner whose invites the caller manages: the caller, or (admins only) any owner. A member
 * manages none.
 */
async function managedOwner(db: Executor, actor: UserCaller, ownerId: string | undefined) {
  const caller = actor.user;
  const id = ownerId ?? caller.id;
  if (id !== caller.id && !caller.isAdmin) {
    throw forbidden('Only an admin can manage the invites of another account.');
  }
  const owner = await loadUser(db, id);
  if (owner.accountOwnerId && owner.id === caller.id) {
    throw forbidden('Only the account owner can manage invites; you are a member of a team.');
  }
  return requireOwner(owner, '; invites belong to the account owner.');
}

/**
 * Open invites of an account (not accepted, not revoked), newest first. Expired ones are listed
 * too, with status 'expired', so the owner can resend or revoke them.
 */
export async function listInvites(
  db: Executor,
  actor: UserCaller,
  input: { ownerId?: string | undefined } = {},
): Promise<InviteView[]> {
  const owner = await managedOwner(db, actor, input.ownerId);
  const rows = await db
    .selectFrom('teamInvites')
    .select(inviteColumns)
    .select(statusSql.as('status'))
    .where('accountOwnerId', '=', owner.id)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toInviteView);
}

/**
 * The one refusal of an address whose account cannot take an invite (a member of another account,
 * an owner with members, a suspended person): the same sentence whatever the reason, so an
 * invite tells the inviter nothing about another account (SPEC §12). The invitee hears the reason
 * when they open the link and accept (./link.ts).
 */
export function cannotInvite(email: string): AppError {
  return conflict(`${email} cannot be invited right now. No invite was created or sent.`);
}

function openInviteExists(email: string, cause?: unknown): AppError {
  return new AppError(
    'CONFLICT',
    `There is already an open invite for ${email}. Resend it or revoke it instead of creating another.`,
    { cause },
  );
}

/**
 * A new invite from an owner (the caller, or any owner for an admin). Only active stand-alone
 * people can be invited: not the owner, not a member of any account, not an owner with members,
 * not a suspended person — and the refusal does not say which (`cannotInvite`). One
 * open invite per e-mail and account: an expired one is revoked and replaced, an unexpired one is
 * a conflict (the partial unique index settles races the same way).
 */
export async function createInvite(
  trx: Transaction,
  actor: UserCaller,
  input: { email: string; projectRole?: ProjectRole | undefined; ownerId?: string | undefined },
): Promise<{ invite: InviteView; secret: string }> {
  const owner = await managedOwner(trx, actor, input.ownerId);
  if (owner.status !== 'active') {
    throw preconditionFailed(
      `The account of ${owner.email} is ${owner.status} and cannot invite anyone.`,
    );
  }
  const email = input.email.trim();
  if (sameEmail(email, owner.email)) {
    throw badRequest(
      owner.id === actor.user.id
        ? 'You cannot invite yourself to your own account.'
        : `${owner.email} owns this account and cannot be invited to it.`,
    );
  }
  const invitee = await findUserByEmail(trx, email);
  if (invitee?.accountOwnerId === owner.id) {
    // Their own team: nothing about another account.
    throw conflict(`${invitee.email} is already a member of this team.`);
  }
  if (invitee && (invitee.accountOwnerId || invitee.status !== 'active')) {
    throw cannotInvite(email);
  }
  if (invitee && (await countMembers(trx, invitee.id)) > 0) throw cannotInvite(email);

  const existing = await trx
    .selectFrom('teamInvites')
    .select(['id'])
    .select(statusSql.as('status'))
    .where('accountOwnerId', '=', owner.id)
    // lower() as the partial unique index has it; on addresses the schema accepts it folds ASCII only.
    .where((eb) => eb(eb.fn('lower', ['email']), '=', emailKey(email)))
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (existing?.status === 'open') throw openInviteExists(email);
  if (existing) {
    await trx
      .updateTable('teamInvites')
      .set({ revokedAt: sql`now()` })
      .where('id', '=', existing.id)
      .execute();
  }

  const secret = newInviteSecret();
  let row;
  try {
    row = await trx
      .insertInto('teamInvites')
      .values({
        accountOwnerId: owner.id,
        email,
        token: hashInviteSecret(secret),
        projectRole: input.projectRole ?? 'Data scientist',
      })
      .returning(['id', 'accountOwnerId', 'email', 'projectRole', 'createdAt', 'expiresAt'])
      .executeTakeFirstOrThrow();
  } catch (error) {
    // Another transaction created the same open invite between our check and this insert.
    if (pgCode(error) === PG.uniqueViolation) throw openInviteExists(email, error);
    throw error;
  }
  await recordAudit(
    trx,
    actor,
    'invites.create',
    { type: 'invite', id: row.id },
    {
      ownerId: owner.id,
      email,
      projectRole: row.projectRole,
      replacedExpiredInviteId: existing?.id ?? null,
    },
  );
  if (existing) {
    await recordAudit(
      trx,
      actor,
      'invites.revoke',
      { type: 'invite', id: existing.id },
      { ownerId: owner.id, email, reason: 'expired; replaced by a new invite', replacedBy: row.id },
    );
  }
  return { invite: toInviteView({ ...row, status: 'open' }), secret };
}

/**
 * Locks an invite the caller manages. An invite of another account answers NOT_FOUND, as if it
 * did not exist, so invite ids cannot be probed.
 */
async function lockManagedInvite(trx: Transaction, actor: UserCaller, inviteId: string) {
  const invite = await trx
    .selectFrom('teamInvites')
    .select(inviteColumns)
    .select(statusSql.as('status'))
    .where('id', '=', inviteId)
    .forUpdate()
    .executeTakeFirst();
  if (!invite || (!actor.user.isAdmin && invite.accountOwnerId !== actor.user.id)) {
    throw notFound('There is no such invite in your account.');
  }
  return invite;
}

function refuseClosed(invite: { status: InviteStatus; email: string }, what: string): void {
  if (invite.status === 'accepted') {
    throw conflict(
      `${invite.email} has already accepted this invite; there is nothing to ${what}.`,
    );
  }
  if (invite.status === 'revoked') {
    throw preconditionFailed(
      `This invite to ${invite.email} was revoked; create a new one instead.`,
    );
  }
}

/** Issues a new secret and a new 7-day expiry; the old link stops working. */
export async function resendInvite(
  trx: Transaction,
  actor: UserCaller,
  inviteId: string,
): Promise<{ invite: InviteView; secret: string }> {
  const invite = await lockManagedInvite(trx, actor, inviteId);
  refuseClosed(invite, 'resend');
  const secret = newInviteSecret();
  const row = await trx
    .updateTable('teamInvites')
    .set({ token: hashInviteSecret(secret), expiresAt: sql`now() + interval '7 days'` })
    .where('id', '=', invite.id)
    .returning(['id', 'accountOwnerId', 'email', 'projectRole', 'createdAt', 'expiresAt'])
    .executeTakeFirstOrThrow();
  await recordAudit(
    trx,
    actor,
    'invites.resend',
    { type: 'invite', id: invite.id },
    {
      ownerId: invite.accountOwnerId,
      email: invite.email,
      previousExpiresAt: invite.expiresAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
    },
  );
  return { invite: toInviteView({ ...row, status: 'open' }), secret };
}

export async function revokeInvite(
  trx: Transaction,
  actor: UserCaller,
  inviteId: string,
): Promise<{ invite: InviteView }> {
  const invite = await lockManagedInvite(trx, actor, inviteId);
  refuseClosed(invite, 'revoke');
  await trx
    .updateTable('teamInvites')
    .set({ revokedAt: sql`now()` })
    .where('id', '=', invite.id)
    .execute();
  await recordAudit(
    trx,
    actor,
    'invites.revoke',
    { type: 'invite', id: invite.id },
    {
      ownerId: invite.accountOwnerId,
      email: invite.email,
    },
  );
  return { invite: toInviteView({ ...invite, status: 'revoked' }) };
}
