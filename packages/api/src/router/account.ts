// account.* (SPEC §11): the person's own account — deleting it, with a typed confirmation.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { checkDeletionConfirmation, deleteAccount } from '../services/account-deletion.ts';
import { authedProcedure, router } from '../trpc.ts';

export const accountRouter = router({
  /** Deletes the caller's own account; `confirm` is their e-mail address, typed. */
  delete: authedProcedure
    .input(
      z.object({
        confirm: z
          .string({ error: 'Type your e-mail address to confirm.' })
          .max(320, { error: 'Type your e-mail address to confirm.' }),
      }),
    )
    .mutation(({ ctx, input }) => {
      checkDeletionConfirmation(ctx.actor.user.email, input.confirm);
      return inTransaction(ctx.db, (trx) =>
        deleteAccount(trx, ctx.actor, ctx.deps, {
          userId: ctx.actor.user.id,
          reason: null,
          self: true,
        }),
      );
    }),
});
