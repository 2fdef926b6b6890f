import { z } from 'zod';
import { page, userId } from '../schemas.ts';
import { listAudit } from '../services/audit-log.ts';
import { adminProcedure, router } from '../trpc.ts';

export const auditRouter = router({
  /** Newest first; `action` is exact, or a prefix such as `clusters.*`. */
  list: adminProcedure
    .input(
      page.extend({
        actorId: userId.optional(),
        action: z.string().trim().min(1).max(100).optional(),
        targetId: z.string().trim().min(1).max(200).optional(),
      }),
    )
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
});
