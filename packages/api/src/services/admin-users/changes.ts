// Admins changing users (SPEC §3.5): suspend (which ends their sessions) or reactivate, grant or
// revoke admin, switch billing mode. Every change writes its audit row in the same transaction.
import type { AuditActor } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Transaction } from '../../db.ts';
import { badRequest, forbidden, preconditionFailed } from '../../errors.ts';
import type { BillingMode, UserStatus } from '../../schemas.ts';
import { autoAssignAccount, type AutoAssignResult } from '../assignment.ts';
import { revokeSessions } from '../sessions.ts';
import { requestProvisioning } from '../provisioning/requests.ts';
import { lockUser } from '../users.ts';
import { readAdminUser, type AdminUserItem } from './reads.ts';

/** Suspends, reactivates or deletes a user (status only; their rows stay). */
/** A deleted account stays deleted: its e-mail may belong to someone new by now. */
const deletedAccount = () =>
  preconditionFailed(
    'This account was deleted; it cannot be reactivated, suspended or made an admin. Someone who wants back in signs up anew.',
  );

export async function setUserStatus(
  trx: Transaction,
  actor: AuditActor,
  input: { userId: string; status: UserStatus; reason: string },
): Promise<{ user: AdminUserItem; changed: boolean }> {
  if (input.userId === actor.userId && input.status !== 'active') {
    throw forbidden(
      `You cannot ${input.status === 'suspended' ? 'suspend' : 'delete'} your own account. Ask another admin.`,
    );
  }
  if (input.status === 'deleted') {
    throw preconditionFailed(
      'Delete an account with Delete account: it also revokes its invites, ends its cluster assignment and frees its e-mail.',
    );
  }
  const row = await lockUser(trx, input.userId);
  if (row.status === 'deleted') throw deletedAccount();
  if (row.status === input.status)
    return { user: await readAdminUser(trx, row.id), changed: false };
  await trx.updateTable('users').set({ status: input.status }).where('id', '=', row.id).execute();
  // A suspended person is deactivated on their cluster (the assignment stays), and back on return.
  await requestProvisioning(
    trx,
    [{ userId: row.id }],
    input.status === 'suspended' ? 'suspend' : 'reactivate',
  );
  // A suspension ends every session at once (SPEC §12); reactivated, the person signs in anew.
  if (input.status === 'suspended') await revokeSessions(trx, row.id);
  await recordAudit(
    trx,
    actor,
    'admin.users.setStatus',
    { type: 'user', id: row.id },
    {
      email: row.email,
      from: row.status,
      to: input.status,
      reason: input.reason,
    },
  );
  return { user: await readAdminUser(trx, row.id), changed: true };
}

/** Grants or revokes admin rights; nobody removes their own. */
export async function setUserAdmin(
  trx: Transaction,
  actor: AuditActor,
  input: { userId: string; isAdmin: boolean },
): Promise<{ user: AdminUserItem; changed: boolean }> {
  if (input.userId === actor.userId && !input.isAdmin) {
    throw forbidden('You cannot remove your own admin rights. Ask another admin to do it.');
  }
  const row = await lockUser(trx, input.userId);
  if (row.status === 'deleted' && input.isAdmin) throw deletedAccount();
  if (row.isAdmin === input.isAdmin)
    return { user: await readAdminUser(trx, row.id), changed: false };
  await trx.updateTable('users').set({ isAdmin: input.isAdmin }).where('id', '=', row.id).execute();
  await recordAudit(
    trx,
    actor,
    'admin.users.setAdmin',
    { type: 'user', id: row.id },
    {
      email: row.email,
      from: row.isAdmin,
      to: input.isAdmin,
    },
  );
  return { user: await readAdminUser(trx, row.id), changed: true };
}

export type AssignmentAfterChange =
  | { status: 'assigned' | 'already_assigned'; cluster: { id: string; name: string } }
  | { status: 'not_eligible'; reason: string }
  | { status: 'no_room' };

function describeAssignment(result: AutoAssignResult): AssignmentAfterChange {
  switch (result.status) {
    case 'assigned':
    case 'already_assigned':
      return {
        status: result.status,
        cluster: { id: result.cluster.id, name: result.cluster.name },
      };
    case 'not_eligible':
      return { status: 'not_eligible', reason: result.reason };
    case 'no_room':
      return { status: 'no_room' };
  }
}

/**
 * Switches an owner's billing mode. An unassigned owner who is now eligible (postpaid with a
 * payment method, prepaid with credits) is assigned automatically in the same transaction; no room
 * does not fail the switch (the owner stays unassigned and admins are alerted, SPEC §3.3).
 */
export async function setUserBillingMode(
  trx: Transaction,
  actor: AuditActor,
  input: { userId: string; billingMode: BillingMode },
): Promise<{ user: AdminUserItem; changed: boolean; assignment: AssignmentAfterChange | null }> {
  const row = await lockUser(trx, input.userId);
  if (row.accountOwnerId) {
    const owner = await trx
      .selectFrom('users')
      .select('email')
      .where('id', '=', row.accountOwnerId)
      .executeTakeFirstOrThrow();
    throw badRequest(
      `${row.email} is a member of ${owner.email}'s account and has no billing of their own. ` +
        'Change the billing mode of the account owner instead.',
    );
  }
  if (row.billingMode === input.billingMode) {
    return { user: await readAdminUser(trx, row.id), changed: false, assignment: null };
  }
  await trx
    .updateTable('users')
    .set({ billingMode: input.billingMode })
    .where('id', '=', row.id)
    .execute();
  await recordAudit(
    trx,
    actor,
    'admin.users.setBillingMode',
    { type: 'user', id: row.id },
    {
      email: row.email,
      from: row.billingMode,
      to: input.billingMode,
    },
  );
  const result = await autoAssignAccount(trx, actor, row.id, { admin: false });
  return {
    user: await readAdminUser(trx, row.id),
    changed: true,
    assignment: describeAssignment(result),
  };
}
