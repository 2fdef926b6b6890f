// events.* (SPEC §4): the outbox for the Slack bot — read after a cursor, then move the cursor.
// Tokens with the `events` scope only; a consumer is its first token's (SPEC §12).
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import type { ServiceCaller } from '../actor.ts';
import { commitEvents, readEventsSince } from '../services/events.ts';
import { router, serviceProcedure } from '../trpc.ts';

const consumer = z.string().trim().min(1).max(100);

const cursorCaller = (ctx: {
  service: ServiceCaller;
  serviceTokenNames: readonly string[] | null;
}) => ({
  token: ctx.service.name,
  configured: ctx.serviceTokenNames,
});

export const eventsRouter = router({
  since: serviceProcedure
    .input(z.object({ consumer, limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => readEventsSince(ctx.db, cursorCaller(ctx), input)),
  commit: serviceProcedure
    .input(z.object({ consumer, lastEventId: z.number().int().min(0) }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => commitEvents(trx, cursorCaller(ctx), input)),
    ),
});
