// The one router: a sub-router per domain (SPEC §4).
import { accountRouter } from './router/account.ts';
import { adminUsersRouter } from './router/admin-users.ts';
import { auditRouter } from './router/audit.ts';
import { billingRouter } from './router/billing.ts';
import { clustersRouter } from './router/clusters.ts';
import { creditsRouter } from './router/credits.ts';
import { eventsRouter } from './router/events.ts';
import { health } from './router/health.ts';
import { invitesRouter } from './router/invites.ts';
import { meRouter } from './router/me.ts';
import { serviceRouter } from './router/service.ts';
import { teamRouter } from './router/team.ts';
import { usageRouter } from './router/usage.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  health,
  me: meRouter,
  account: accountRouter,
  team: teamRouter,
  invites: invitesRouter,
  usage: usageRouter,
  credits: creditsRouter,
  billing: billingRouter,
  clusters: clustersRouter,
  admin: router({ users: adminUsersRouter }),
  audit: auditRouter,
  events: eventsRouter,
  service: serviceRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
