// @hops/api: the tRPC router, its context and the business rules.
export { appRouter, createCaller, type AppRouter } from './root.ts';
export {
  createContextInner,
  createRequestContext,
  loadUserActor,
  matchServiceToken,
  type ApiDeps,
  type Context,
  type Logger,
} from './context.ts';
export type { UserActor, ServiceCaller, AuditActor, Via } from './actor.ts';
export { AppError, isDatabaseUnavailable } from './errors.ts';
export * as schemas from './schemas.ts';
export type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
export {
  signIn,
  type SignInClaims,
  type SignInOptions,
  type SignInResult,
} from './services/signin.ts';
export { listDevLoginUsers } from './services/users.ts';
// The API server's composition root reaches the database only through this package.
export { startDatabase, SecretBox, type Db, type StartedDatabase } from '@hops/db';
