// billing.* (SPEC §8): the account's billing state, Stripe's pages for a card, a top-up and the
// portal, and the invoices. With Stripe off, billing.status says so and the others refuse.
import { z } from 'zod';
import { topUpAmount, userId } from '../schemas.ts';
import { listAccountInvoices } from '../services/billing/invoices.ts';
import { reportUsage } from '../services/billing/report.ts';
import { getBillingStatus } from '../services/billing/status.ts';
import { buyCredits, openBillingPortal, setupPayment } from '../services/billing/checkout.ts';
import { adminProcedure, ownerProcedure, router } from '../trpc.ts';

const ofUser = z.object({ userId: userId.optional() }).prefault({});

export const billingRouter = router({
  status: ownerProcedure
    .input(ofUser)
    .query(({ ctx, input }) => getBillingStatus(ctx.db, ctx.actor, ctx.deps, input)),

  invoices: ownerProcedure
    .input(ofUser)
    .query(({ ctx, input }) => listAccountInvoices(ctx.db, ctx.actor, ctx.deps, input)),

  setupPayment: ownerProcedure.mutation(({ ctx }) => setupPayment(ctx.db, ctx.actor, ctx.deps)),

  portal: ownerProcedure.mutation(({ ctx }) => openBillingPortal(ctx.db, ctx.actor, ctx.deps)),

  buyCredits: ownerProcedure
    .input(z.object({ amount: topUpAmount }))
    .mutation(({ ctx, input }) => buyCredits(ctx.db, ctx.actor, ctx.deps, input)),

  /** The usage reporter's run, now (admin): `{ accounts, events, units }`. */
  reportNow: adminProcedure.mutation(({ ctx }) => reportUsage(ctx.db, ctx.deps)),
});
