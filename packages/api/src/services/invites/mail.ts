// The invite's mails (SPEC §10): the invite itself to the invitee when it is created or re-sent
// (its secret travels encrypted in the outbox row until sent), and "accepted" to the owner. Each
// is queued in the transaction of the change it tells of.
import type { Transaction } from '../../db.ts';
import { queueMail, type MailQueueDeps } from '../mail/outbox.ts';
import type { InviteView } from './invite.ts';
import { loadPerson } from '../users.ts';

/**
 * Queues the invite mail; answers whether one was queued (false: mail is off on this server, and
 * the owner passes the link on).
 */
export async function mailInvite(
  trx: Transaction,
  deps: MailQueueDeps,
  inviterId: string | null,
  created: { invite: InviteView; secret: string },
): Promise<boolean> {
  const { invite, secret } = created;
  const owner = await loadPerson(trx, invite.accountOwnerId);
  const inviter = inviterId ? await loadPerson(trx, inviterId) : owner;
  const id = await queueMail(trx, deps, {
    kind: 'invite',
    to: invite.email,
    params: {
      inviterName: inviter.name,
      inviterEmail: inviter.email,
      accountName: owner.name ? `${owner.name} (${owner.email})` : owner.email,
      projectRole: invite.projectRole,
      expiresAt: invite.expiresAt,
    },
    secret,
  });
  return id !== null;
}

/** Tells the owner that `memberId` accepted their invite and joined. */
export async function mailInviteAccepted(
  trx: Transaction,
  deps: MailQueueDeps,
  input: { ownerId: string; memberId: string },
): Promise<void> {
  const [owner, member] = [
    await loadPerson(trx, input.ownerId),
    await loadPerson(trx, input.memberId),
  ];
  await queueMail(trx, deps, {
    kind: 'invite_accepted',
    to: owner.email,
    toUserId: owner.id,
    params: { memberName: member.name, memberEmail: member.email },
  });
}
