// account.* (SPEC §11, §12): the person's own account — deleting it, with a typed confirmation,
// and signing out everywhere.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { checkDeletionConfirmation, deleteAccount } from '../services/account-deletion.ts';
import { signOutEverywhere } from '../services/sessions.ts';
import { forbidden } from '../errors.ts';
import { spendingCapPolicy, spendingCapUsd, userId } from '../schemas.ts';
import { readSpendingCap, setSpendingCap } from '../services/spending-cap.ts';
import { loadUser } from '../services/users.ts';
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

  /** SPEC §12: ends every session of the caller, this one included; they sign in anew. */
  signOutEverywhere: authedProcedure.mutation(({ ctx }) =>
    inTransaction(ctx.db, (trx) =>
      signOutEverywhere(trx, ctx.actor, { userId: ctx.actor.user.id, reason: null, self: true }),
    ),
  ),

  /**
   * SPEC §11: the account's monthly spending cap and its policy; `monthlyCapUsd: null` turns it
   * off. The owner for their account, an admin for any owner's (`userId`).
   */
  setSpendingCap: authedProcedure
    .input(
      z.object({
        userId: userId.optional(),
        monthlyCapUsd: spendingCapUsd.nullable(),
        policy: spendingCapPolicy.default('notify'),
      }),
    )
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => setSpendingCap(trx, ctx.actor, { mail: ctx.deps }, input)),
    ),

  /** The cap and the month's progress: the caller's account, or (admins) any owner's. */
  spendingCap: authedProcedure
    .input(z.object({ userId: userId.optional() }).default({}))
    .query(async ({ ctx, input }) => {
      if (input.userId !== undefined && input.userId !== ctx.actor.user.id && !ctx.actor.isAdmin) {
        throw forbidden("Only an admin can see another account's spending cap.");
      }
      const user =
        input.userId === undefined ? ctx.actor.user : await loadUser(ctx.db, input.userId);
      return readSpendingCap(ctx.db, user.accountOwnerId ?? user.id);
    }),
});
