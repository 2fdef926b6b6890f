// What an invite is (SPEC §3.2), for both sides of it — the owner who sends it (./owner.ts) and
// whoever holds its link (./link.ts): a 256-bit random secret of which only the SHA-256 is stored,
// a status computed by the database clock, and the view the API shows (never the secret).
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { InviteStatus, ProjectRole } from '../../schemas.ts';

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
export const statusSql = sql<InviteStatus>`CASE
  WHEN team_invites.accepted_at IS NOT NULL THEN 'accepted'
  WHEN team_invites.revoked_at IS NOT NULL THEN 'revoked'
  WHEN team_invites.expires_at <= now() THEN 'expired'
  ELSE 'open' END`;

export const inviteColumns = [
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

export interface InviteRow {
  id: string;
  accountOwnerId: string;
  email: string;
  projectRole: ProjectRole;
  createdAt: Date;
  expiresAt: Date;
  status: InviteStatus;
}

export function toInviteView(row: InviteRow): InviteView {
  return {
    id: row.id,
    accountOwnerId: row.accountOwnerId,
    email: row.email,
    projectRole: row.projectRole,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

// Addresses match by lower-casing ASCII letters only (SPEC §12): under JavaScript's or
// PostgreSQL's Unicode lower-casing the Kelvin sign 'K' is 'k', and another mailbox would match.
export { sameEmail } from '../../schemas.ts';
