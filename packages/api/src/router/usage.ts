// usage.* (SPEC §4): ingestion by a service token, and the daily series, summaries and top
// accounts, each limited to what the caller may see.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { utcToday } from '../days.ts';
import { USD_PER_CREDIT } from '../decimal.ts';
import { badRequest } from '../errors.ts';
import { NoRateCardError, rateCardFor } from '../rates.ts';
import { QUANTITY_FIELDS, type QuantityField } from '../resources.ts';
import { dateRange, day, jsonObject, userId } from '../schemas.ts';
import { ingestUsage, MAX_INGEST_RECORDS, type QuantityInput } from '../services/usage/ingest.ts';
import { getDailyUsage, listTopAccounts, summarizeUsage } from '../services/usage/reads.ts';
import { adminProcedure, authedProcedure, router, serviceProcedure } from '../trpc.ts';

/**
 * A quantity: a decimal string or a JSON number. Only the type is checked here (cheaply: a batch
 * holds 60 000 of them); the service normalises and checks the value and names the record.
 */
const quantity = z.custom<QuantityInput>(
  (v) => (typeof v === 'string' && v.length <= 64) || typeof v === 'number',
  {
    error: 'must be a decimal number, as a string like "1.25" or a JSON number',
  },
);

/**
 * One user-day. Shapes only: every rule (numbers, dates, users, duplicates) is checked by the
 * service, so a refused batch always names the index of its first bad record.
 */
const usageRecord = z.object({
  userId: z.string().max(200),
  date: z.string().max(40),
  // One field per resource of resources.ts (Object.fromEntries cannot name the keys it makes).
  ...(Object.fromEntries(QUANTITY_FIELDS.map((field) => [field, quantity])) as Record<
    QuantityField,
    typeof quantity
  >),
  hopsworksClusterId: z.string().max(100).nullish(),
  projectBreakdown: jsonObject('project breakdown').nullish(),
});

/** Whose usage: a user's (`userId`), an account's (`accountOwnerId`), or by default the caller's. */
const whose = z.object({ userId: userId.optional(), accountOwnerId: userId.optional() });

export const usageRouter = router({
  ingest: serviceProcedure
    .input(
      z.object({
        records: z
          .array(usageRecord)
          .max(MAX_INGEST_RECORDS, { error: 'Send at most 10 000 records per call' }),
      }),
    )
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) =>
        ingestUsage(trx, ctx.actor, input.records, { mail: ctx.deps }),
      ),
    ),

  daily: authedProcedure
    .input(dateRange.and(whose))
    .query(({ ctx, input }) => getDailyUsage(ctx.db, ctx.actor, input)),

  summary: authedProcedure
    .input(dateRange.and(whose))
    .query(({ ctx, input }) => summarizeUsage(ctx.db, ctx.actor, input)),

  /** The rate card in force on a day (default today, UTC): what the Billing page shows. */
  rateCard: authedProcedure
    .input(z.object({ date: day.optional() }).optional())
    .query(({ input }) => {
      let card;
      try {
        card = rateCardFor(input?.date ?? utcToday());
      } catch (error) {
        if (error instanceof NoRateCardError) throw badRequest(error.message);
        throw error;
      }
      return {
        id: card.id,
        effectiveFrom: card.effectiveFrom,
        usdPerCredit: USD_PER_CREDIT,
        creditsPerUnit: card.creditsPerUnit,
      };
    }),

  top: adminProcedure
    .input(dateRange.and(z.object({ limit: z.number().int().min(1).max(100).default(10) })))
    .query(({ ctx, input }) => listTopAccounts(ctx.db, input)),
});
