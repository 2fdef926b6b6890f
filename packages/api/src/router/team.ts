// team.* (SPEC §4): the caller's team, an owner removing a member, a member leaving.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { userId } from '../schemas.ts';
import { getTeam, leaveTeam, removeMember } from '../services/team.ts';
import { authedProcedure, ownerProcedure, router } from '../trpc.ts';

export const teamRouter = router({
  get: authedProcedure.query(({ ctx }) => getTeam(ctx.db, ctx.actor)),

  removeMember: ownerProcedure
    .input(z.object({ memberId: userId }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => removeMember(trx, ctx.actor, input.memberId)),
    ),

  leave: authedProcedure.mutation(({ ctx }) =>
    inTransaction(ctx.db, (trx) => leaveTeam(trx, ctx.actor)),
  ),
});
