// `/hops invites <owner email>`: open invites, each with a Revoke button; a click on Revoke asks
// for a Confirm, and Confirm revokes.
import { z } from 'zod';
import { button, esc, success, type Reply } from '../blocks/kit.ts';
import { inviteList, type InviteView } from '../blocks/invite-list.ts';
import { confirmable } from '../confirm.ts';
import { noMore, readEmail } from './args.ts';
import type { Command } from './command.ts';

/** The Revoke button of a listed invite; it carries the action and changes nothing itself. */
export const REVOKE_ACTION = 'hops_revoke';

const revocation = confirmable({
  op: 'revoke',
  fields: { inviteId: z.string().min(1), email: z.string(), ownerEmail: z.string() },
  describe: (action) => `revoke the invite of ${action.email}`,
  async confirm(ctx, action) {
    const { invite } = await ctx.api.invites.revoke.mutate({ inviteId: action.inviteId });
    return success(`Revoked the invite of ${invite.email} to ${action.ownerEmail}'s account.`);
  },
});

function revokeButton(invite: InviteView, ownerEmail: string) {
  return button({
    text: 'Revoke',
    actionId: REVOKE_ACTION,
    value: revocation.encode({ inviteId: invite.id, email: invite.email, ownerEmail }),
    style: 'danger',
  });
}

/** A click on Revoke: the Confirm prompt, or null when the button carries no revoke. */
export function revokePrompt(value: string | undefined): Reply | null {
  const action = revocation.decode(value);
  if (!action) return null;
  return revocation.prompt(
    action,
    `Revoke the invite of *${esc(action.email)}* to *${esc(action.ownerEmail)}*'s account? The link stops working.`,
    [],
    { danger: true },
  );
}

export const invites: Command = {
  name: 'invites',
  usage: ['invites <owner email>'],
  summary: "an owner's open invites, each with a Revoke button",
  example: 'invites alice@acme.test',
  confirms: revocation,
  async run(ctx, [ownerWord, ...rest]) {
    const ownerEmail = readEmail(ownerWord, "the account owner's e-mail");
    noMore(rest);
    const owner = await ctx.api.admin.users.get.query({ email: ownerEmail });
    const list = await ctx.api.invites.list.query({ ownerId: owner.user.id });
    return inviteList(owner.user.email, list, (invite) => revokeButton(invite, owner.user.email));
  },
};
