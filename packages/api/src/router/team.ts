// team.* (SPEC §4): the caller's team, an owner removing a member, a member leaving.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { userId } from '../schemas.ts';
import { mailMemberRemoved } from '../services/mail/notices.ts';
import { getTeam, leaveTeam, removeMember } from '../services/team.ts';
import { transferOwnership } from '../services/team-transfer.ts';
import { authedProcedure, ownerProcedure, router } from '../trpc.ts';

export const teamRouter = router({
  get: authedProcedure.query(({ ctx }) => getTeam(ctx.db, ctx.actor)),

  removeMember: ownerProcedure.input(z.object({ memberId: userId })).mutation(({ ctx, input }) =>
    inTransaction(ctx.db, async (trx) => {
      const departure = await removeMember(trx, ctx.actor, input.memberId);
      await mailMemberRemoved(trx, ctx.deps, {
        memberId: departure.memberId,
        ownerId: departure.formerOwnerId,
      });
      return departure;
    }),
  ),

  leave: authedProcedure.mutation(({ ctx }) =>
    inTransaction(ctx.db, (trx) => leaveTeam(trx, ctx.actor)),
  ),

  // SPEC §11: the owner hands the account to one of its members.
  transferOwnership: ownerProcedure
    .input(z.object({ memberId: userId }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => transferOwnership(trx, ctx.actor, input.memberId)),
    ),
});
