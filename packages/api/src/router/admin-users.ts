// admin.users.* (SPEC §3.5): admins search, open and change users.
import { z } from 'zod';
import { inTransaction } from '@hops/db';
import {
  accountRole,
  billingMode,
  email,
  page,
  reason,
  userId,
  userStatus,
  uuid,
} from '../schemas.ts';
import {
  setUserAdmin,
  setUserBillingMode,
  setUserStatus,
} from '../services/admin-users/changes.ts';
import { getUserDetail, listUsers } from '../services/admin-users/reads.ts';
import { adminProcedure, router } from '../trpc.ts';

export const adminUsersRouter = router({
  list: adminProcedure
    .input(
      page.extend({
        search: z.string().trim().max(320).optional(),
        status: userStatus.optional(),
        role: z.enum([...accountRole.options, 'admin']).optional(),
        clusterId: uuid.optional(),
      }),
    )
    .query(({ ctx, input }) => listUsers(ctx.db, input)),

  /** One user by id or by e-mail. */
  get: adminProcedure
    .input(
      z
        .object({ userId: userId.optional(), email: email.optional() })
        .refine((v) => (v.userId === undefined) !== (v.email === undefined), {
          error: 'Give either userId or email',
        }),
    )
    .query(({ ctx, input }) =>
      getUserDetail(
        ctx.db,
        input.userId !== undefined ? { userId: input.userId } : { email: input.email! },
      ),
    ),

  setStatus: adminProcedure
    .input(z.object({ userId, status: userStatus, reason }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => setUserStatus(trx, ctx.actor, input)),
    ),

  setAdmin: adminProcedure
    .input(z.object({ userId, isAdmin: z.boolean() }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => setUserAdmin(trx, ctx.actor, input)),
    ),

  setBillingMode: adminProcedure
    .input(z.object({ userId, billingMode }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => setUserBillingMode(trx, ctx.actor, input)),
    ),
});
