import { z } from 'zod';
import { page, userId } from '../schemas.ts';
import { listAudit } from '../services/audit-log.ts';
import { adminProcedure, router } from '../trpc.ts';

const emailPart = z
  .string()
  .trim()
  .min(1, { error: 'Type at least one character of the e-mail.' })
  .max(320, { error: 'An e-mail address has at most 320 characters.' });

export const auditRouter = router({
  /** Newest first; `action` is exact, or a prefix such as `clusters.*`. */
  list: adminProcedure
    .input(
      page.extend({
        actorId: userId.optional(),
        action: z.string().trim().min(1).max(100).optional(),
        targetId: z.string().trim().min(1).max(200).optional(),
        /** Part of the e-mail of who acted (the Who column), any case. */
        actorEmail: emailPart.optional(),
        /** Part of the e-mail of whom the change is about (the target user, or an invitee). */
        targetEmail: emailPart.optional(),
      }),
    )
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
});
