// usage.* (SPEC §4): ingestion by a service token, and the daily series, summaries and top
// accounts, each limited to what the caller may see.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { badRequest } from '../errors.ts';
import { NoRateCardError, rateCardFor, USD_PER_CREDIT } from '../rates.ts';
import { dateRange, day, userId } from '../schemas.ts';
import {
  dailyUsage,
  ingestUsage,
  MAX_INGEST_RECORDS,
  topAccounts,
  usageSummary,
  type QuantityInput,
} from '../services/usage.ts';
import { adminProcedure, authedProcedure, router, serviceProcedure } from '../trpc.ts';

/**
 * A quantity: a decimal string or a JSON number. Only the type is checked here (cheaply: a batch
 * holds 60 000 of them); the service normalises and checks the value and names the record.
 */
const quantity = z.custom<QuantityInput>((v) => typeof v === 'string' || typeof v === 'number', {
  error: 'must be a decimal number, as a string like "1.25" or a JSON number',
});

/**
 * One user-day. Shapes only: every rule (numbers, dates, users, duplicates) is checked by the
 * service, so a refused batch always names the index of its first bad record.
 */
const usageRecord = z.object({
  userId: z.string(),
  date: z.string(),
  cpuHours: quantity,
  gpuHours: quantity,
  ramGbHours: quantity,
  onlineStorageGb: quantity,
  offlineStorageGb: quantity,
  networkEgressGb: quantity,
  hopsworksClusterId: z.string().nullish(),
  projectBreakdown: z.record(z.string(), z.unknown()).nullish(),
});

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
      inTransaction(ctx.db, (trx) => ingestUsage(trx, ctx.actor, input.records)),
    ),

  daily: authedProcedure
    .input(
      dateRange.and(z.object({ userId: userId.optional(), accountOwnerId: userId.optional() })),
    )
    .query(({ ctx, input }) => dailyUsage(ctx.db, ctx.user, input)),

  summary: authedProcedure
    .input(dateRange.and(z.object({ accountOwnerId: userId.optional() })))
    .query(({ ctx, input }) => usageSummary(ctx.db, ctx.user, input)),

  /** The rate card in force on a day (default today, UTC): what the Billing page shows. */
  rateCard: authedProcedure
    .input(z.object({ date: day.optional() }).optional())
    .query(({ input }) => {
      let card;
      try {
        card = rateCardFor(input?.date ?? new Date().toISOString().slice(0, 10));
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
    .query(({ ctx, input }) => topAccounts(ctx.db, input)),
});
