// Who is calling: a signed-in user (web session, or the Slack bot acting for one), a service
// token, or nobody. A service function takes one of these as its `actor` (services/README.md).
import type { BillingMode, UserStatus, Via } from './schemas.ts';

export interface UserActor {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
  /** null for an account owner */
  accountOwnerId: string | null;
  status: UserStatus;
  billingMode: BillingMode;
}

/**
 * What a service token may do (SPEC §12): `ingest` usage, read and move `events` cursors, `act-as`
 * a person (x-hops-act-as, and look people up for it), `billing`.
 */
export const SERVICE_SCOPES = ['ingest', 'events', 'act-as', 'billing'] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

export interface ServiceCaller {
  /** The token's configured, non-secret name (for logs, the audit log and cursor owners). */
  name: string;
  scopes: readonly ServiceScope[];
}

/** Who acts, as the audit log and the ledger write it. */
export interface AuditActor {
  userId: string | null;
  via: Via;
  isAdmin: boolean;
  /** How to write the actor in `assigned_by` / ledger `actor` columns. */
  label: string;
  /** The service token that called (alone, or acting for `userId`); the audit log names it. */
  serviceToken?: string | null;
}

/** A person acting (signed in, or acted for by a service): whose rights the rules check. */
export interface UserCaller extends AuditActor {
  user: UserActor;
}

export function auditActorOf(
  user: UserActor | null,
  via: Via,
  service?: ServiceCaller | null,
): AuditActor {
  const serviceToken = service?.name ?? null;
  if (user) {
    return { userId: user.id, via, isAdmin: user.isAdmin, label: `user:${user.id}`, serviceToken };
  }
  if (service) {
    return { userId: null, via, isAdmin: false, label: `service:${service.name}`, serviceToken };
  }
  return { userId: null, via, isAdmin: false, label: 'system' };
}

/** `user` acting through `via` (for a service acting for them, name the service too). */
export function userCallerOf(
  user: UserActor,
  via: Via = 'web',
  service?: ServiceCaller | null,
): UserCaller {
  return { ...auditActorOf(user, via, service), user };
}

export const SYSTEM_ACTOR: AuditActor = {
  userId: null,
  via: 'system',
  isAdmin: true,
  label: 'system',
};
