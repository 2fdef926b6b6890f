// @hops/api: the tRPC router, its context and the business rules.
export { appRouter, createCaller, type AppRouter } from './root.ts';
export {
  createContextInner,
  createRequestContext,
  type ApiDeps,
  type Context,
  type Logger,
} from './context.ts';
export type { UserActor, UserCaller, ServiceCaller, AuditActor } from './actor.ts';
export {
  startCallerCache,
  USER_CHANGED_CHANNEL,
  type CallerCache,
  type CallerCacheOptions,
} from './caller-cache.ts';
export type { Via } from './schemas.ts';
export { SYSTEM_ACTOR } from './actor.ts';
export {
  AppError,
  isDatabaseUnavailable,
  DATABASE_DOWN,
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
export { listDevLoginUsers, loadUserActor } from './services/users.ts';
export { signOut } from './services/sessions.ts';
export { grantCredits } from './services/credits/account.ts';
export { ingestUsage } from './services/usage/ingest.ts';
export { rankRowsStatement } from './services/usage/reads.ts';
export type { UsageRecordInput } from './services/usage/records.ts';
export { SecretBox } from './secrets.ts';
export { createStripe, type StripeApi, type StripeConfig } from './integrations/stripe.ts';
export { createMailer, MailCallError, type Mailer, type MailConfig } from './integrations/mail.ts';
export { queueMail, sendQueuedMail, MAIL_ATTEMPTS } from './services/mail/outbox.ts';
export { renderMail, type MailKind, type MailParams } from './services/mail/templates.ts';
export { applyStripeEvent, type WebhookResult } from './services/billing/webhook.ts';
export { reportUsage, type ReportResult } from './services/billing/report.ts';
export type { HopsEvent, OutboxEvent } from './events.ts';
export { priceUsage, type Costs, type RateCard } from './rates.ts';
export { seedDemoData, demoInviteSecret } from './demo/seed.ts';
export {
  migrateJobQueue,
  startJobRunner,
  type JobRunner,
  type QueueConnection,
} from './jobs/runner.ts';
export { productJobs, type JobDeps } from './jobs/tasks.ts';
export { jobStates, type JobFilter, type JobState, type JobStateRow } from './jobs/states.ts';
// The API server's composition root reaches the database only through this package.
export { startDatabase, type Db, type StartedDatabase } from '@hops/db';
