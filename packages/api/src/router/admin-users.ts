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
import { listUsers, UNASSIGNED, USER_SORTS } from '../services/admin-users/list.ts';
import { getUserDetail } from '../services/admin-users/reads.ts';
import { deleteAccount } from '../services/account-deletion.ts';
import { signOutEverywhere } from '../services/sessions.ts';
import { adminProcedure, router } from '../trpc.ts';

export const adminUsersRouter = router({
  list: adminProcedure
    .input(
      page.extend({
        search: z
          .string()
          .trim()
          .max(320, { error: 'Search with at most 320 characters.' })
          .optional(),
        status: userStatus.optional(),
        role: z.enum([...accountRole.options, 'admin']).optional(),
        clusterId: z
          .string()
          .trim()
          .refine((value) => value === UNASSIGNED || uuid.safeParse(value).success, {
            error: `Pick a cluster from the list, or "${UNASSIGNED}" for people on no cluster.`,
          })
          .optional(),
        sort: z
          .enum(USER_SORTS, { error: `Sort the users by one of: ${USER_SORTS.join(', ')}.` })
          .optional(),
        order: z
          .enum(['asc', 'desc'], { error: 'Give the order as asc (A to Z, oldest first) or desc.' })
          .optional(),
      }),
    )
    .query(({ ctx, input }) => listUsers(ctx.db, input)),

  /** One user by id or by e-mail. */
  get: adminProcedure
    .input(
      z
        .object({ userId: userId.optional(), email: email.optional() })
        .refine((v) => (v.userId === undefined) !== (v.email === undefined), {
          error: 'Give either the user id or the e-mail address of the person',
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

  /** SPEC §11: deletes a person's account, with a reason. */
  delete: adminProcedure.input(z.object({ userId, reason })).mutation(({ ctx, input }) =>
    inTransaction(ctx.db, (trx) =>
      deleteAccount(trx, ctx.actor, ctx.deps, {
        userId: input.userId,
        reason: input.reason,
        self: false,
      }),
    ),
  ),

  /** SPEC §12: ends every session of a person (the admin's own too), with an optional reason. */
  signOutEverywhere: adminProcedure
    .input(z.object({ userId, reason: reason.optional() }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) =>
        signOutEverywhere(trx, ctx.actor, {
          userId: input.userId,
          reason: input.reason ?? null,
          self: false,
        }),
      ),
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
