// tRPC setup: the context type, error mapping, and the procedure builders. Nothing else.
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { UserCaller } from './actor.ts';
import type { Context } from './context.ts';
import { describeInputError } from './schemas.ts';
import {
  AppError,
  DATABASE_DOWN,
  PG,
  inactiveAccountMessage,
  isDatabaseUnavailable,
  pgCode,
} from './errors.ts';

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // Stacks stay in the server's log; callers never see them.
    const { stack: _stack, ...data } = shape.data;
    const cause = error.cause;
    if (cause instanceof ZodError) {
      return {
        ...shape,
        message: describeInputError(cause),
        data: { ...data, issues: cause.issues },
      };
    }
    // An unexpected failure is logged by the server with its request id; the caller gets a
    // sentence, never a database message that names tables or values.
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      return {
        ...shape,
        message: 'Something went wrong on our side. It has been logged; please try again.',
        data,
      };
    }
    return { ...shape, data };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps service errors (AppError) and database outages to tRPC codes, keeping the cause. */
const errorMapping = t.middleware(async ({ ctx, next }) => {
  if (ctx.authError) {
    throw new TRPCError({
      code: ctx.authError.kind,
      message: ctx.authError.message,
      cause: ctx.authError,
    });
  }
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    // A refused input: sentences naming the fields, for every caller (createCaller included).
    if (cause instanceof ZodError && result.error.code === 'BAD_REQUEST') {
      throw new TRPCError({ code: 'BAD_REQUEST', message: describeInputError(cause), cause });
    }
    if (cause instanceof AppError) {
      throw new TRPCError({ code: cause.kind, message: cause.message, cause });
    }
    // PostgreSQL refuses NUL in text and jsonb: the input's fault, not ours.
    const code = pgCode(cause);
    if (
      result.error.code === 'INTERNAL_SERVER_ERROR' &&
      (code === PG.characterNotInRepertoire || code === PG.untranslatableCharacter)
    ) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: 'Text cannot contain the NUL character (\\u0000). Remove it and try again.',
        cause,
      });
    }
    if (result.error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(cause)) {
      throw new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: DATABASE_DOWN,
        cause,
      });
    }
  }
  return result;
});

export const publicProcedure = t.procedure.use(errorMapping);

/** An active user: signed in, or acted for by a service. `ctx.actor` then carries the user. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.user;
  if (!user) {
    if (ctx.service) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'This needs a user: a service must name the user it acts for (x-hops-act-as).',
      });
    }
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Please sign in first.' });
  }
  if (user.status !== 'active') {
    throw new TRPCError({ code: 'FORBIDDEN', message: inactiveAccountMessage(user.status) });
  }
  const actor: UserCaller = { ...ctx.actor, user };
  return next({ ctx: { ...ctx, user, actor } });
});

/** An account owner, or an admin (who may act for any owner). */
export const ownerProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.accountOwnerId !== null && !ctx.user.isAdmin) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Only the account owner can do this.' });
  }
  return next();
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.user.isAdmin) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an admin can do this.' });
  }
  return next();
});

/**
 * A service token calling for itself. A service acting for a user (x-hops-act-as) is held to that
 * user's rights, and no user may call these.
 */
export const serviceProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.service) {
    if (ctx.user) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Only a service token may call this.' });
    }
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A service token is required.' });
  }
  if (ctx.user) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message:
        "A service acting for a user is held to that user's rights; call this without x-hops-act-as.",
    });
  }
  return next({ ctx: { ...ctx, service: ctx.service } });
});
