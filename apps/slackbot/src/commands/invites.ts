// `/hops invites <owner email>`: open invites, each with a Revoke button; and what Revoke and its
// Confirm do.
import { esc, success, type Reply } from '../blocks/kit.ts';
import { inviteList } from '../blocks/invite-list.ts';
import { confirmPrompt, type PendingAction } from '../confirm.ts';
import { noMore, readEmail } from './args.ts';
import type { Command, CommandContext, ConfirmHandler } from './command.ts';

export const invites: Command = {
  name: 'invites',
  usage: ['invites <owner email>'],
  summary: "an owner's open invites, each with a Revoke button",
  example: 'invites alice@acme.test',
  async run(ctx, [ownerWord, ...rest]) {
    const ownerEmail = readEmail(ownerWord, "the account owner's e-mail");
    noMore(rest);
    const owner = await ctx.api.admin.users.get.query({ email: ownerEmail });
    const list = await ctx.api.invites.list.query({ ownerId: owner.user.id });
    return inviteList(owner.user.email, list);
  },
};

/** The Revoke button: asks for a Confirm (it changes nothing itself). */
export function revokePrompt(
  _ctx: CommandContext,
  action: Extract<PendingAction, { op: 'revoke' }>,
): Reply {
  return confirmPrompt(
    action,
    `Revoke the invite of *${esc(action.email)}* to *${esc(action.ownerEmail)}*'s account? The link stops working.`,
    [],
    { danger: true },
  );
}

export const confirmRevoke: ConfirmHandler<'revoke'> = async (ctx, action) => {
  const { invite } = await ctx.api.invites.revoke.mutate({ inviteId: action.inviteId });
  return success(`Revoked the invite of ${invite.email} to ${action.ownerEmail}'s account.`);
};
