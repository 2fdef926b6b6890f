import { z } from 'zod';
import { commitEvents, eventsSince } from '../services/events.ts';
import { router, serviceProcedure } from '../trpc.ts';

const consumer = z.string().trim().min(1).max(100);

export const eventsRouter = router({
  since: serviceProcedure
    .input(z.object({ consumer, limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => eventsSince(ctx.db, input.consumer, input.limit)),
  commit: serviceProcedure
    .input(z.object({ consumer, lastEventId: z.number().int().min(0) }))
    .mutation(({ ctx, input }) => commitEvents(ctx.db, input.consumer, input.lastEventId)),
});
