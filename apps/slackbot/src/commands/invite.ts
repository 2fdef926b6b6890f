// `/hops invite <owner email> <invitee email> [role]`: an invite for that owner's account. When the
// server sends mail the invitee gets the invite by e-mail, and the reply says so; either way it
// shows the link to pass on by hand (ephemeral: the link is a secret).
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
    const { invite, inviteUrl, mailed } = await ctx.api.invites.create.mutate({
      email,
      ownerId: owner.user.id,
      ...(projectRole ? { projectRole } : {}),
    });
    // `mailed`: the invite mail is queued (sent by the API's mail job); false when the server sends
    // no mail, and the link is the only way the invitee hears of it.
    const passOn = mailed
      ? `An e-mail with the invite is on its way to ${invite.email}. If it does not arrive, send them this link:`
      : 'Send them this link:';
    const text = `Invited ${invite.email} to ${owner.user.email}'s account as ${invite.projectRole}. ${passOn} ${inviteUrl}`;
    return {
      text,
      blocks: [
        section(
          `:email: Invited *${esc(invite.email)}* to *${esc(owner.user.email)}*'s account as ${esc(invite.projectRole)}.\n${esc(passOn)} <${inviteUrl}|${esc(inviteUrl)}>`,
        ),
        context(`The link works once and expires ${when(invite.expiresAt)}. Only you can see it.`),
      ],
    };
  },
};
