// invites.* (SPEC §4): an owner's (or an admin's) invites, and the invite link's preview and accept.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { email, projectRole, userId, uuid } from '../schemas.ts';
import { inviteUrl } from '../services/invites/invite.ts';
import { ACCEPT_STEP, acceptInvite, previewInvite } from '../services/invites/link.ts';
import { mailInvite, mailInviteAccepted } from '../services/invites/mail.ts';
import {
  createInvite,
  listInvites,
  resendInvite,
  revokeInvite,
} from '../services/invites/owner.ts';
import { authedProcedure, ownerProcedure, publicProcedure, router } from '../trpc.ts';

/** The secret of an invite link, as it appears after `/invite/`. */
const secret = z.string().trim().min(1, { error: 'The invite link has no token' }).max(200);

export const invitesRouter = router({
  list: ownerProcedure
    .input(z.object({ ownerId: userId.optional() }).default({}))
    .query(({ ctx, input }) => listInvites(ctx.db, ctx.actor, input)),

  create: ownerProcedure
    .input(z.object({ email, projectRole: projectRole.optional(), ownerId: userId.optional() }))
    .mutation(async ({ ctx, input }) => {
      const { invite, secret, mailed } = await inTransaction(ctx.db, async (trx) => {
        const created = await createInvite(trx, ctx.actor, input);
        return { ...created, mailed: await mailInvite(trx, ctx.deps, ctx.actor.userId, created) };
      });
      return { invite, inviteUrl: inviteUrl(ctx.deps.publicUrl, secret), mailed };
    }),

  resend: ownerProcedure.input(z.object({ inviteId: uuid })).mutation(async ({ ctx, input }) => {
    const { invite, secret, mailed } = await inTransaction(ctx.db, async (trx) => {
      const resent = await resendInvite(trx, ctx.actor, input.inviteId);
      return { ...resent, mailed: await mailInvite(trx, ctx.deps, ctx.actor.userId, resent) };
    });
    return { invite, inviteUrl: inviteUrl(ctx.deps.publicUrl, secret), mailed };
  }),

  revoke: ownerProcedure
    .input(z.object({ inviteId: uuid }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => revokeInvite(trx, ctx.actor, input.inviteId)),
    ),

  preview: publicProcedure
    .input(z.object({ token: secret }))
    .query(({ ctx, input }) => previewInvite(ctx.db, input.token)),

  // The Accept button: a mutation (POST), the only way an invite joins a team (SPEC §12).
  accept: authedProcedure.input(z.object({ token: secret })).mutation(async ({ ctx, input }) => {
    const { accountOwnerId, cluster } = await inTransaction(ctx.db, async (trx) => {
      const accepted = await acceptInvite(trx, ctx.actor, input.token, ACCEPT_STEP);
      if (accepted.joined) {
        await mailInviteAccepted(trx, ctx.deps, {
          ownerId: accepted.accountOwnerId,
          memberId: ctx.actor.user.id,
        });
      }
      return accepted;
    });
    return { accountOwnerId, cluster };
  }),
});
