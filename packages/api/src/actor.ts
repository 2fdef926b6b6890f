// Who is calling: a signed-in user (web session, or the Slack bot acting for one), a service
// token, or nobody. Services receive the part they need for rules and the audit log.
export type Via = 'web' | 'slack' | 'service' | 'system';

export interface UserActor {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
  /** null for an account owner */
  accountOwnerId: string | null;
  status: 'active' | 'suspended' | 'deleted';
  billingMode: 'prepaid' | 'postpaid';
}

export interface ServiceCaller {
  /** A short, non-secret name of the token (for logs and the audit log). */
  name: string;
}

/** What the audit log and services need to know about who acts. */
export interface AuditActor {
  userId: string | null;
  via: Via;
  isAdmin: boolean;
  /** How to write the actor in `assigned_by` / ledger `actor` columns. */
  label: string;
}

export function auditActorOf(
  user: UserActor | null,
  via: Via,
  service?: ServiceCaller | null,
): AuditActor {
  if (user) return { userId: user.id, via, isAdmin: user.isAdmin, label: `user:${user.id}` };
  if (service) return { userId: null, via, isAdmin: false, label: `service:${service.name}` };
  return { userId: null, via, isAdmin: false, label: 'system' };
}

export const SYSTEM_ACTOR: AuditActor = {
  userId: null,
  via: 'system',
  isAdmin: true,
  label: 'system',
};
