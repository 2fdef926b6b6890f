// The product's jobs: one handler per task of TaskPayloads, and the periodic ones. Issues add
// their tasks here and in TaskPayloads together; the server runs exactly this list.
import { inTransaction, type Db } from '@hops/db';
import type { Logger } from '../context.ts';
import { AppError } from '../errors.ts';
import type { Mailer } from '../integrations/mail.ts';
import type { StripeApi } from '../integrations/stripe.ts';
import type { SecretBox } from '../secrets.ts';
import { cancelDeletedSubscription } from '../services/account-deletion.ts';
import { REPORT_JOB, reportUsage } from '../services/billing/report.ts';
import { collectUsage } from '../services/collection/collect.ts';
import { pruneIdempotencyKeys } from '../services/idempotency.ts';
import { createUsagePartitions } from '../services/usage/partitions.ts';
import { mailReadAhead, sendQueuedMail } from '../services/mail/outbox.ts';
import { carryOutProvisioning } from '../services/provisioning/sync.ts';
import { liftSpendingStops } from '../services/spending-cap.ts';
import { syncCustomerOwner } from '../services/team-transfer.ts';
import { JOB_KEY_MODE, type TaskPayloads } from './queue.ts';
import { inBatches, type CronEntry, type TaskHandlers } from './runner.ts';

/** What the product's jobs are built from (grows with them: integrations, secrets, …). */
export interface JobDeps {
  db: Db;
  log: Logger;
  /** The Stripe client; absent or null: Stripe is off and usage is not reported. */
  stripe?: StripeApi | null | undefined;
  /** STRIPE_REPORT_INTERVAL_MS (default one hour), mapped onto the crontab by `cronEvery`. */
  stripeReportIntervalMs?: number | undefined;
  /** The mailer (SPEC §10); absent or null: mail is off, and nothing is queued. */
  mail?: Mailer | null | undefined;
  /** Decrypts an invite mail's secret. */
  secrets: SecretBox;
  /** The dashboard's URL, for the links in mails. */
  publicUrl: string;
  /** How new users are made on the clusters (SPEC §9); default client id `hops`, 5 projects. */
  hopsworks?: { oidcClientId: string; maxProjects: number; timeoutMs?: number } | undefined;
  /** COLLECT_INTERVAL_MS (default one hour): how often usage is collected from OpenCost. */
  collectIntervalMs?: number | undefined;
}

export interface ProductJobs {
  tasks: TaskHandlers<TaskPayloads>;
  crontab: CronEntry<TaskPayloads>[];
}

const HOUR_MS = 3_600_000;

export function productJobs(deps: JobDeps): ProductJobs {
  const readAhead = mailReadAhead(deps.db, deps.log);
  return {
    tasks: {
      'billing.reportUsage': async (_payload, job) => {
        if (!deps.stripe) return;
        try {
          const result = await reportUsage(deps.db, { stripe: deps.stripe, log: job.log });
          job.log.info({ ...result }, 'usage reported to Stripe');
        } catch (error) {
          // Another replica (or an admin's reportNow) is reporting right now: its run covers this one.
          if (error instanceof AppError && error.kind === 'CONFLICT') return;
          throw error;
        }
      },
      // -- account deletion (SPEC §11) --
      'billing.cancelSubscription': async (payload, job) => {
        await cancelDeletedSubscription(deps.db, { stripe: deps.stripe, log: job.log }, payload);
      },
      // Many short jobs at once (a notice to every owner, invites in bulk), none in a named
      // queue: fetched in batches, on a lane of their own (runner.ts, inBatches).
      // Each batch's rows are read ahead in one statement (mailReadAhead).
      'mail.send': inBatches(
        async ({ mailId }, job) => {
          await sendQueuedMail(
            deps.db,
            {
              mail: deps.mail,
              secrets: deps.secrets,
              publicUrl: deps.publicUrl,
              log: job.log,
              readAhead,
            },
            mailId,
            job,
          );
        },
        { fetched: (payloads) => readAhead.fetched(payloads.map((p) => p.mailId)) },
      ),
      // -- ownership transfer (SPEC §11) --
      'billing.updateCustomerOwner': async (payload, job) => {
        if (!deps.stripe) {
          job.log.warn(
            { customerId: payload.customerId },
            "Stripe is off: the customer's owner metadata was not updated",
          );
          return;
        }
        const owner = await syncCustomerOwner(deps.db, deps.stripe, payload);
        if (owner) job.log.info({ ...payload, ...owner }, 'Stripe customer owner updated');
        else job.log.warn({ ...payload }, 'no account owns this Stripe customer any more');
      },
      // -- accounts on the Hopsworks clusters (SPEC §9) --
      'clusters.provision': async ({ provisioningId }, job) => {
        await carryOutProvisioning(
          {
            db: deps.db,
            secrets: deps.secrets,
            log: job.log,
            oidcClientId: deps.hopsworks?.oidcClientId ?? 'hops',
            maxProjects: deps.hopsworks?.maxProjects ?? 5,
            ...(deps.hopsworks?.timeoutMs ? { timeoutMs: deps.hopsworks.timeoutMs } : {}),
          },
          provisioningId,
        );
      },
      // One run per cluster at a time across replicas (collectUsage's lock); a busy cluster is
      // skipped, since the run that holds it collects the same hours.
      'clusters.collect': async (_payload, job) => {
        const results = await collectUsage({
          db: deps.db,
          secrets: deps.secrets,
          log: job.log,
          mail: deps.mail,
          timeoutMs: deps.hopsworks?.timeoutMs,
        });
        job.log.info({ clusters: results.length }, 'usage collection run finished');
      },
      // -- spending caps (SPEC §11) --
      'account.liftSpendingStops': async (_payload, job) => {
        const lifted = await inTransaction(deps.db, (trx) => liftSpendingStops(trx));
        if (lifted > 0) job.log.info({ lifted }, "last month's spending stops lifted");
      },
      // -- usage_daily's monthly partitions (SPEC §12) --
      'usage.createPartitions': async (_payload, job) => {
        const result = await inTransaction(deps.db, (trx) => createUsagePartitions(trx));
        if (result.created.length > 0) {
          job.log.info({ created: result.created }, 'usage_daily partitions created');
        }
        if (result.leftInDefault.length > 0) {
          job.log.warn(
            { months: result.leftInDefault },
            "these months' usage is in usage_daily's default partition; their partitions were not made",
          );
        }
      },
      // -- many servers (SPEC §12) --
      'idempotency.prune': async (_payload, job) => {
        let dropped = 0;
        for (;;) {
          const n = await pruneIdempotencyKeys(deps.db, new Date(), 1000);
          dropped += n;
          if (n < 1000) break;
        }
        if (dropped > 0) job.log.info({ dropped }, 'expired idempotency keys dropped');
      },
    },
    crontab: [
      // Daily, three months ahead: a month's partition exists long before its first row, and a
      // run that could not get the lock in 5 s has weeks of retries.
      {
        task: 'usage.createPartitions',
        match: '15 0 * * *',
        options: { jobKey: 'usage:create-partitions', jobKeyMode: JOB_KEY_MODE },
      },
      {
        task: 'idempotency.prune',
        match: '17 * * * *',
        options: { jobKey: 'idempotency:prune', jobKeyMode: JOB_KEY_MODE },
      },
      // Daily, so a server that was down at the turn of the month catches up the day after.
      {
        task: 'account.liftSpendingStops',
        match: '5 0 * * *',
        options: { jobKey: 'account:lift-spending-stops', jobKeyMode: JOB_KEY_MODE },
      },
      {
        task: 'clusters.collect',
        match: cronEvery(deps.collectIntervalMs ?? HOUR_MS),
        options: { jobKey: 'clusters:collect', jobKeyMode: JOB_KEY_MODE, maxAttempts: 3 },
      },
      ...(deps.stripe
        ? ([
            {
              task: 'billing.reportUsage',
              match: cronEvery(deps.stripeReportIntervalMs ?? HOUR_MS),
              // One waiting run at most; a run that fails is retried a few times, then the next tick.
              options: { ...REPORT_JOB, jobKeyMode: JOB_KEY_MODE },
            },
          ] satisfies CronEntry<TaskPayloads>[])
        : []),
    ],
  };
}

/**
 * A cron pattern for "every `intervalMs`": graphile-worker's crontab ticks once a minute, and cron
 * steps restart each hour and day, so the interval is rounded down to a whole number of minutes
 * that divides an hour (1–30 min → `*\/m * * * *`) or of hours that divides a day (`0 *\/h * * *`);
 * anything from a day up runs daily at 00:00 UTC. E.g. 3 600 000 → `0 * * * *`, 600 000 →
 * `*\/10 * * * *`, 45 min → every 30 min. Under a minute is every minute.
 */
export function cronEvery(intervalMs: number): string {
  const minutes = Math.max(1, Math.floor(intervalMs / 60_000));
  if (minutes < 60) {
    const step = [30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1].find((m) => m <= minutes)!;
    return step === 1 ? '* * * * *' : `*/${step} * * * *`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours >= 24) return '0 0 * * *';
  const step = [12, 8, 6, 4, 3, 2, 1].find((h) => h <= hours)!;
  return step === 1 ? '0 * * * *' : `0 */${step} * * *`;
}
