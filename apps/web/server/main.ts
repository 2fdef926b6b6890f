// Starts the API/web server (the composition root): configuration, logger, database (migrated, with
// the job queue's schema, and in development filled with the demo data through the API's services),
// the job runner, HTTP, and a graceful stop on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import {
  createMailer,
  createStripe,
  migrateJobQueue,
  productJobs,
  SecretBox,
  seedDemoData,
  startCallerCache,
  startDatabase,
  startJobRunner,
  type CallerCache,
  type JobRunner,
  type StartedDatabase,
} from '@hops/api';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp, waitForRequests } from './app.ts';
import { EnvError, loadWebEnv, type LoadedEnv } from './env.ts';
import { dashboardFor, WEB_ROOT, type Dashboard } from './static.ts';

/** In-flight requests get this long after a stop signal; the process is gone within 10 s. */
const DRAIN_MS = 8_000;
const STOP_DEADLINE_MS = 10_000;
/**
 * A second signal this soon is the same stop delivered twice (Ctrl-C reaches this process and
 * tsx, which passes it on), not a request to exit at once.
 */
const SAME_STOP_MS = 1_000;
let loaded: LoadedEnv;
try {
  loaded = loadWebEnv();
} catch (error) {
  // A configuration mistake is the operator's to fix: the sentence, no stack trace.
  console.error(
    error instanceof EnvError ? error.message : `Configuration error: ${(error as Error).message}`,
  );
  process.exit(1);
}
const { env, warnings } = loaded;

// `pnpm dev` runs the dashboard through Vite, `pnpm start` serves the build; without the flag,
// NODE_ENV decides (production: the build).
const { values: args } = parseArgs({ options: { dashboard: { type: 'string' } }, strict: false });
const dashboard: Dashboard =
  args.dashboard === 'vite'
    ? { kind: 'vite', root: WEB_ROOT }
    : args.dashboard === 'dist'
      ? dashboardFor('production')
      : args.dashboard === 'none'
        ? { kind: 'none' }
        : dashboardFor(env.nodeEnv);

const logger = pino({ level: env.logLevel, base: { service: 'hops-web' } });
for (const warning of warnings) logger.warn(warning);

let database: StartedDatabase | undefined;
let app: FastifyInstance | undefined;
let jobs: JobRunner | undefined;
let callers: CallerCache | undefined;
try {
  database = await startDatabase({
    databaseUrl: env.databaseUrl,
    log: (line) => logger.info(line),
    // A request waits at most 3 s for a connection, so an outage answers 503 instead of hanging.
    pool: { max: 10, connectionTimeoutMillis: 3_000, statementTimeoutMillis: 60_000 },
  });
  // Before anything can enqueue (the seed goes through the services), on every replica.
  await migrateJobQueue({ connectionString: database.database.url, log: logger });
  const secrets = new SecretBox(env.encryptionKey);
  // One Stripe client (null when Stripe is off) for the procedures, the webhook and the jobs.
  const stripe = env.stripe ? createStripe(env.stripe) : null;
  // One mailer (null when mail is off) for the procedures that queue mails and the job that sends.
  const mail = env.mail ? createMailer(env.mail) : null;
  if (mail)
    logger.info(
      `mail: ${env.mail?.smtpUrl ? 'SMTP to ' : 'written as .eml files to '}${mail.destination}`,
    );
  if (env.seedDemoData) {
    for (const line of await seedDemoData(database.db, { secrets })) logger.info(`seed: ${line}`);
  }
  if (env.jobWorkers > 0) {
    const { tasks, crontab } = productJobs({
      db: database.db,
      log: logger,
      stripe,
      stripeReportIntervalMs: env.stripe?.reportIntervalMs,
      mail,
      secrets,
      publicUrl: env.publicUrl,
      hopsworks: env.hopsworks,
      collectIntervalMs: env.collectIntervalMs,
    });
    jobs = await startJobRunner({
      connectionString: database.database.url,
      tasks,
      crontab,
      concurrency: env.jobWorkers,
      // A beat every quarter of the silence that counts as dead (at most every 15 s).
      heartbeat: {
        everyMs: Math.min(15_000, Math.floor(env.jobRunnerDeadAfterMs / 4)),
        deadAfterMs: env.jobRunnerDeadAfterMs,
      },
      log: logger,
    });
  }
  // Each request's caller from memory while it is current (one round trip per request, not two).
  callers = startCallerCache({ connectionString: database.database.url, log: logger });
  app = await buildApp({
    db: database.db,
    env,
    logger,
    secrets,
    dashboard,
    stripe,
    mail,
    callers,
  });
  await app.listen({ port: env.port, host: env.host });
} catch (error) {
  logger.fatal({ err: error }, `Could not start: ${(error as Error).message}`);
  await app?.close().catch(() => undefined);
  await callers?.close().catch(() => undefined);
  await jobs?.stop().catch(() => undefined);
  await database?.close().catch(() => undefined);
  process.exit(1);
}

const address = app.server.address();
const port = address && typeof address === 'object' ? address.port : env.port;
const host = env.host.includes(':') ? `[${env.host}]` : env.host;
logger.info(`hops is listening on http://${host}:${port} (public URL ${env.publicUrl})`);
if (env.authMode === 'dev') {
  logger.info(
    `Sign in at ${env.publicUrl}/login by picking a demo user, or from a shell: ` +
      `curl -c cookies.txt -H 'content-type: application/json' ` +
      `-d '{"sub":"dev|alice","email":"alice@acme.test"}' ${env.publicUrl}/auth/dev-login`,
  );
}

let stopStarted: number | undefined;
async function stop(signal: string): Promise<void> {
  if (stopStarted !== undefined) {
    if (Date.now() - stopStarted < SAME_STOP_MS) return;
    logger.warn(`${signal} again: exiting now`);
    process.exit(1);
  }
  const started = (stopStarted = Date.now());
  logger.info(`${signal}: finishing requests in flight, then stopping`);
  setTimeout(() => {
    logger.error(`did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  // Requests still running after the drain time are cut, so the database can close in time.
  const drain = setTimeout(() => app?.server.closeAllConnections(), DRAIN_MS);
  drain.unref();
  // Jobs stop being taken now, and finish (or are given up) while the requests drain.
  const jobsStopped = jobs?.stop();
  try {
    await app?.close();
    // Handlers whose clients already hung up may still be using the database.
    const unfinished = app
      ? await waitForRequests(app, Math.max(0, DRAIN_MS - (Date.now() - started)))
      : 0;
    if (unfinished > 0) {
      logger.warn(`${unfinished} request(s) still running after ${DRAIN_MS / 1000} s; stopping`);
    }
    clearTimeout(drain);
    await callers?.close();
    await jobsStopped;
    await database?.close();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'error while stopping');
    process.exit(1);
  }
}
// stop() drains requests and stops the jobs, then closes the database (and the embedded server, if it runs one).
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
