// Team invites (SPEC §3.2): list, create, resend, revoke, preview and accept. A link carries a
// 256-bit random secret; only its SHA-256 is stored. Accepting locks the invite row, so any number
// of parallel accepts yields exactly one membership.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '@hops/db';
import type { AuditActor, UserActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import {
  AppError,
  PG,
  badRequest,
  conflict,
  forbidden,
  notFound,
  pgCode,
  preconditionFailed,
} from '../errors.ts';
import { emitEvent } from '../events.ts';
import { placeMemberWithOwner } from './assignment.ts';
import { clusterOfUser, findUserByEmail, type ClusterRef } from './users.ts';

export type InviteStatus = 'open' | 'expired' | 'revoked' | 'accepted';
export type ProjectRole = 'Data owner' | 'Data scientist' | 'Observer';

/** An invite as the API shows it (never with its secret or the secret's hash). */
export interface InviteView {
  id: string;
  accountOwnerId: string;
  email: string;
  projectRole: ProjectRole;
  status: InviteStatus;
  createdAt: string;
  expiresAt: string;
}

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

/** A new link secret: 32 random bytes, base64url (43 characters, safe in a URL path). */
export function newInviteSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What `team_invites.token` stores for a secret. */
export function hashInviteSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function inviteUrl(publicUrl: string, secret: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/invite/${secret}`;
}

// Computed by the database clock, the same one that set `expires_at`.
const statusSql = sql<InviteStatus>`CASE
  WHEN team_invites.accepted_at IS NOT NULL THEN 'accepted'
  WHEN team_invites.revoked_at IS NOT NULL THEN 'revoked'
  WHEN team_invites.expires_at <= now() THEN 'expired'
  ELSE 'open' END`;

const inviteColumns = [
  'teamInvites.id',
  'teamInvites.accountOwnerId',
  'teamInvites.email',
  'teamInvites.projectRole',
  'teamInvites.createdAt',
  'teamInvites.expiresAt',
  'teamInvites.acceptedAt',
  'teamInvites.acceptedByUserId',
  'teamInvites.revokedAt',
] as const;

interface InviteRow {
  id: string;
  accountOwnerId: string;
  email: string;
  projectRole: string;
  createdAt: Date;
  expiresAt: Date;
  status: InviteStatus;
}

function view(row: InviteRow): InviteView {
  return {
    id: row.id,
    accountOwnerId: row.accountOwnerId,
    email: row.email,
    projectRole: row.projectRole as ProjectRole,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The owner whose invites the caller manages: the caller, or (admins only) any owner. A member
 * manages none.
 */
async function managedOwner(trx: Executor, caller: UserActor, ownerId: string | undefined) {
  const id = ownerId ?? caller.id;
  if (id !== caller.id && !caller.isAdmin) {
    throw forbidden('Only an admin can manage the invites of another account.');
  }
  const owner = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'status', 'accountOwnerId'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!owner) throw notFound(`There is no user with id ${id}.`);
  if (owner.accountOwnerId) {
    if (owner.id === caller.id) {
      throw forbidden('Only the account owner can manage invites; you are a member of a team.');
    }
    throw badRequest(
      `${owner.email} is a member of another account; invites belong to the account owner.`,
    );
  }
  return owner;
}

/**
 * Open invites of an account (not accepted, not revoked), newest first. Expired ones are listed
 * too, with status 'expired', so the owner can resend or revoke them.
 */
export async function listInvites(
  trx: Executor,
  caller: UserActor,
  ownerId?: string,
): Promise<InviteView[]> {
  const owner = await managedOwner(trx, caller, ownerId);
  const rows = await trx
    .selectFrom('teamInvites')
    .select(inviteColumns)
    .select(statusSql.as('status'))
    .where('accountOwnerId', '=', owner.id)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(view);
}

/**
 * A new invite from an owner (the caller, or any owner for an admin). Only stand-alone people
 * can be invited: not the owner, not a member of any account, not an owner with members. One
 * open invite per e-mail and account: an expired one is revoked and replaced, an unexpired one is
 * a conflict (the partial unique index settles races the same way).
 */
export async function createInvite(
  trx: Executor,
  actor: AuditActor,
  caller: UserActor,
  input: { email: string; projectRole?: ProjectRole | undefined; ownerId?: string | undefined },
): Promise<{ invite: InviteView; secret: string }> {
  const owner = await managedOwner(trx, caller, input.ownerId);
  if (owner.status !== 'active') {
    throw preconditionFailed(
      `The account of ${owner.email} is ${owner.status} and cannot invite anyone.`,
    );
  }
  const email = input.email.trim();
  if (sameEmail(email, owner.email)) {
    throw badRequest(
      owner.id === caller.id
        ? 'You cannot invite yourself to your own account.'
        : `${owner.email} owns this account and cannot be invited to it.`,
    );
  }
  const invitee = await findUserByEmail(trx, email);
  if (invitee?.accountOwnerId) {
    throw conflict(
      invitee.accountOwnerId === owner.id
        ? `${invitee.email} is already a member of this team.`
        : `${invitee.email} is already a member of another account and must leave it before they can be invited.`,
    );
  }
  if (invitee) {
    const members = await countMembers(trx, invitee.id);
    if (members > 0) {
      throw conflict(
        `${invitee.email} owns an account with ${members} team member(s); only people without a team of their own can be invited.`,
      );
    }
  }

  const existing = await trx
    .selectFrom('teamInvites')
    .select(['id'])
    .select(statusSql.as('status'))
    .where('accountOwnerId', '=', owner.id)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
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
  return { invite: view({ ...row, status: 'open' }), secret };
}

function openInviteExists(email: string, cause?: unknown): AppError {
  return new AppError(
    'CONFLICT',
    `There is already an open invite for ${email}. Resend it or revoke it instead of creating another.`,
    { cause },
  );
}

async function countMembers(trx: Executor, ownerId: string): Promise<number> {
  const row = await trx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('accountOwnerId', '=', ownerId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Locks an invite the caller manages. An invite of another account answers NOT_FOUND, as if it
 * did not exist, so invite ids cannot be probed.
 */
async function lockManagedInvite(trx: Executor, caller: UserActor, inviteId: string) {
  const invite = await trx
    .selectFrom('teamInvites')
    .select(inviteColumns)
    .select(statusSql.as('status'))
    .where('id', '=', inviteId)
    .forUpdate()
    .executeTakeFirst();
  if (!invite || (!caller.isAdmin && invite.accountOwnerId !== caller.id)) {
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
  trx: Executor,
  actor: AuditActor,
  caller: UserActor,
  inviteId: string,
): Promise<{ invite: InviteView; secret: string }> {
  const invite = await lockManagedInvite(trx, caller, inviteId);
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
  return { invite: view({ ...row, status: 'open' }), secret };
}

export async function revokeInvite(
  trx: Executor,
  actor: AuditActor,
  caller: UserActor,
  inviteId: string,
): Promise<{ invite: InviteView }> {
  const invite = await lockManagedInvite(trx, caller, inviteId);
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
  return { invite: view({ ...invite, status: 'revoked' }) };
}

const INVALID_LINK = 'This invite link is not valid. Check that you copied the whole link.';

/** What an invite link leads to, for anyone holding the link. */
export async function previewInvite(trx: Executor, secret: string): Promise<InvitePreview> {
  const row = await trx
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
    projectRole: row.projectRole as ProjectRole,
    expiresAt: row.expiresAt.toISOString(),
    status: row.status,
  };
}

/**
 * The user `userId` accepts the invite behind `secret`: they become a member of the inviting
 * account and are placed on its cluster (past capacity if need be). The invite row is locked
 * first, so parallel accepts run one after another and only the first can join. Accepting again
 * an invite one already accepted (and is still a member through) returns the same result and
 * changes nothing. A stand-alone owner who accepts becomes a member; their own open invites are
 * revoked, since a member cannot invite.
 */
export async function acceptInvite(
  trx: Executor,
  actor: AuditActor,
  userId: string,
  secret: string,
): Promise<AcceptResult> {
  const invite = await trx
    .selectFrom('teamInvites')
    .select(inviteColumns)
    .select(statusSql.as('status'))
    .where('token', '=', hashInviteSecret(secret))
    .forUpdate()
    .executeTakeFirst();
  if (!invite) throw notFound(INVALID_LINK);

  // Both users' rows, in id order (the order every writer here uses).
  const people = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'status', 'accountOwnerId'])
    .where('id', 'in', [userId, invite.accountOwnerId])
    .orderBy('id')
    .forUpdate()
    .execute();
  const user = people.find((p) => p.id === userId);
  const owner = people.find((p) => p.id === invite.accountOwnerId)!;
  if (!user) throw notFound(`There is no user with id ${userId}.`);

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
  await emitEvent(trx, 'invite.accepted', {
    inviteId: invite.id,
    ownerId: owner.id,
    ownerEmail: owner.email,
    memberId: user.id,
    memberEmail: user.email,
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
