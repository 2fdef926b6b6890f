// tRPC setup: the context type, error mapping, idempotency keys, and the procedure builders.
// Nothing else.
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { ZodError } from 'zod';
import type { ServiceScope, UserCaller } from './actor.ts';
import { actAsRefusal, type Context } from './context.ts';
import { runIdempotent, takeIdempotencyKey, type Outcome } from './services/idempotency.ts';
import { describeInputError, MAX_INPUT_DEPTH, nestsDeeperThan, TOO_DEEP_INPUT } from './schemas.ts';
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
  // A context built without createRequestContext (createCaller) is held to the same act-as rule.
  const authError =
    ctx.authError ??
    (ctx.service && ctx.user && !ctx.service.scopes.includes('act-as')
      ? actAsRefusal(ctx.service)
      : null);
  if (authError) {
    throw new TRPCError({ code: authError.kind, message: authError.message, cause: authError });
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

/** What a middleware is handed, as far as `idempotent` reads it. */
interface IdempotentOptions<R> {
  ctx: Context;
  type: 'query' | 'mutation' | 'subscription';
  path: string;
  getRawInput: () => Promise<unknown>;
  next: (options: { getRawInput: () => Promise<unknown> }) => Promise<R>;
}

/**
 * A mutation whose input carries an idempotency key (services/idempotency.ts) is carried out once
 * per caller and key; a repeat gets the first call's answer. Used last on every builder, so a
 * repeat passes the same checks of who may call as the first call. The key is taken out of the
 * input before the input is checked.
 */
async function idempotent<R extends { ok: boolean }>(options: IdempotentOptions<R>): Promise<R> {
  const { ctx, next } = options;
  if (options.type !== 'mutation') return next({ getRawInput: options.getRawInput });
  // An unreadable body is the procedure's to refuse (one without input never reads it).
  const raw = await options.getRawInput().catch(() => undefined);
  const taken = takeIdempotencyKey(raw);
  if (!taken) return next({ getRawInput: options.getRawInput });
  const caller = ctx.service
    ? `service:${ctx.service.name}`
    : ctx.user
      ? `user:${ctx.user.id}`
      : null;
  if (!caller) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'An idempotency key needs a signed-in user or a service token.',
    });
  }
  const run = await runIdempotent(
    ctx.db,
    { caller, key: taken.key, procedure: options.path, input: taken.input },
    { box: ctx.deps.secrets, log: ctx.deps.log },
    async () => {
      const result = await next({ getRawInput: async () => taken.input });
      return { result, outcome: keptOutcome(result) };
    },
  );
  if (!run.replayed) return run.result;
  const { outcome } = run;
  if (!outcome.ok) {
    throw new TRPCError({ code: outcome.code as TRPC_ERROR_CODE_KEY, message: outcome.message });
  }
  // The answer the first call gave, as tRPC's own result of a middleware chain.
  return { ok: true, data: outcome.data, marker: 'middlewareMarker' } as unknown as R;
}

/**
 * What a repeat of this call is answered: its data as the wire carries it (JSON), or a refusal
 * the call made (a service's AppError or a TRPCError it threw). Null for our failures, outages
 * and refused inputs, which change nothing: the key is released and a repeat runs again.
 */
function keptOutcome(result: { ok: boolean }): Outcome | null {
  const r = result as { ok: true; data: unknown } | { ok: false; error: TRPCError };
  if (r.ok) {
    const json = JSON.stringify(r.data);
    return { ok: true, data: json === undefined ? null : (JSON.parse(json) as unknown) };
  }
  const cause = r.error.cause;
  if (cause instanceof AppError) {
    return cause.kind === 'SERVICE_UNAVAILABLE'
      ? null
      : { ok: false, code: cause.kind, message: cause.message };
  }
  if (cause instanceof ZodError) return null;
  if (r.error.code === 'INTERNAL_SERVER_ERROR' || r.error.code === 'SERVICE_UNAVAILABLE') {
    return null;
  }
  return { ok: false, code: r.error.code, message: r.error.message };
}

/** No input nests deeper than any procedure takes (SPEC §12): refused before a schema walks it. */
const boundedInput = t.middleware(async ({ getRawInput, next }) => {
  // An unreadable body is the procedure's to refuse (one without input never reads it).
  const raw = await getRawInput().catch(() => undefined);
  if (nestsDeeperThan(raw, MAX_INPUT_DEPTH)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: TOO_DEEP_INPUT });
  }
  return next();
});

const publicBase = t.procedure.use(errorMapping).use(boundedInput);
export const publicProcedure = publicBase.use((options) => idempotent(options));

/** An active user: signed in, or acted for by a service. `ctx.actor` then carries the user. */
const authedBase = publicBase.use(({ ctx, next }) => {
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
export const authedProcedure = authedBase.use((options) => idempotent(options));

/** An account owner, or an admin (who may act for any owner). */
export const ownerProcedure = authedBase
  .use(({ ctx, next }) => {
    if (ctx.user.accountOwnerId !== null && !ctx.user.isAdmin) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Only the account owner can do this.' });
    }
    return next();
  })
  .use((options) => idempotent(options));

export const adminProcedure = authedBase
  .use(({ ctx, next }) => {
    if (!ctx.user.isAdmin) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an admin can do this.' });
    }
    return next();
  })
  .use((options) => idempotent(options));

/**
 * The scope each service procedure needs (SPEC §12). A service procedure not named here is refused
 * to every token, so a new one is closed until it is given its scope.
 */
export const SERVICE_PROCEDURE_SCOPES: Readonly<Record<string, ServiceScope>> = {
  'usage.ingest': 'ingest',
  'events.since': 'events',
  'events.commit': 'events',
  // The Slack bot's look-up of whom to act for.
  'service.resolveActor': 'act-as',
};

/**
 * A service token calling for itself, with the scope SERVICE_PROCEDURE_SCOPES names for the
 * procedure. A service acting for a user (x-hops-act-as) is held to that user's rights, and no
 * user may call these.
 */
export const serviceProcedure = publicBase
  .use(({ ctx, path, next }) => {
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
    const scope = SERVICE_PROCEDURE_SCOPES[path];
    if (!scope || !ctx.service.scopes.includes(scope)) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: scope
          ? `The service token "${ctx.service.name}" lacks the ${scope} scope that ${path} needs.`
          : `No service token may call ${path}.`,
      });
    }
    return next({ ctx: { ...ctx, service: ctx.service } });
  })
  .use((options) => idempotent(options));
