// `/hops invite <owner email> <invitee email> [role]`: an invite for that owner's account; replies
// with the link (ephemeral: the link is a secret).
import { context, esc, section } from '../blocks/kit.ts';
import { when } from '../blocks/format.ts';
import { readEmail, readRole } from './args.ts';
import type { Command } from './command.ts';

export const invite: Command = {
  name: 'invite',
  usage: ['invite <owner email> <invitee email> [Data owner | Data scientist | Observer]'],
  summary: "invites someone to an owner's account and gives you the link to send them",
  example: 'invite alice@acme.test zoe@acme.test "Data scientist"',
  async run(ctx, [ownerWord, inviteeWord, ...roleWords]) {
    const ownerEmail = readEmail(ownerWord, "the account owner's e-mail");
    const email = readEmail(inviteeWord, "the invitee's e-mail");
    const projectRole = readRole(roleWords);
    const owner = await ctx.api.admin.users.get.query({ email: ownerEmail });
    const { invite, inviteUrl } = await ctx.api.invites.create.mutate({
      email,
      ownerId: owner.user.id,
      ...(projectRole ? { projectRole } : {}),
    });
    const text = `Invited ${invite.email} to ${owner.user.email}'s account as ${invite.projectRole}. Send them this link: ${inviteUrl}`;
    return {
      text,
      blocks: [
        section(
          `:email: Invited *${esc(invite.email)}* to *${esc(owner.user.email)}*'s account as ${esc(invite.projectRole)}.\nSend them this link: <${inviteUrl}|${esc(inviteUrl)}>`,
        ),
        context(`The link works once and expires ${when(invite.expiresAt)}. Only you can see it.`),
      ],
    };
  },
};
