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
export type { UserActor, UserCaller, ServiceCaller, AuditActor, Via } from './actor.ts';
export { SYSTEM_ACTOR, userCallerOf } from './actor.ts';
export {
  AppError,
  isDatabaseUnavailable,
  DATABASE_DOWN,
  ACCOUNT_SUSPENDED,
  ACCOUNT_DELETED,
  inactiveAccountMessage,
} from './errors.ts';
export * as schemas from './schemas.ts';
export type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
export {
  signIn,
  type SignInClaims,
  type SignInOptions,
  type SignInResult,
} from './services/signin.ts';
export { listDevLoginUsers } from './services/users.ts';
export { grantCredits } from './services/credits/account.ts';
export { ingestUsage, MAX_INGEST_RECORDS } from './services/usage/ingest.ts';
export type { UsageRecordInput } from './services/usage/records.ts';
export { SecretBox } from './secrets.ts';
export { AMOUNT_FIELDS, columnOf, type UsageAmounts } from './resources.ts';
export type { HopsEvent, EventKind, EventOf, OutboxEvent } from './event-types.ts';
export { priceUsage, rateCardFor, RATE_CARDS, type Costs, type RateCard } from './rates.ts';
export { seedDemoData, demoInviteSecret, DEMO_USERS, type SeedOptions } from './demo/seed.ts';
// The API server's composition root reaches the database only through this package.
export { startDatabase, type Db, type StartedDatabase } from '@hops/db';
