// credits.* (SPEC §4): an owner's balance and ledger (admins: anyone's), and admin grants.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { creditPool, money, page, reason, userId } from '../schemas.ts';
import {
  getCreditBalance,
  listCreditTransactions,
  grantCredits,
} from '../services/credits/account.ts';
import { adminProcedure, ownerProcedure, router } from '../trpc.ts';

export const creditsRouter = router({
  balance: ownerProcedure
    .input(z.object({ userId: userId.optional() }).prefault({}))
    .query(({ ctx, input }) => getCreditBalance(ctx.db, ctx.actor, input)),

  transactions: ownerProcedure
    .input(page.extend({ userId: userId.optional() }).prefault({}))
    .query(({ ctx, input }) => listCreditTransactions(ctx.db, ctx.actor, input)),

  grant: adminProcedure
    .input(z.object({ userId, amount: money, pool: creditPool, reason }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => grantCredits(trx, ctx.actor, input)),
    ),
});
