// Enqueueing a durable job inside the transaction of the action that needs it: the job exists if
// and only if the action commits (graphile-worker's `add_job`, called through that transaction).
import { sql, type RawBuilder } from 'kysely';
import type { Transaction } from '../db.ts';

/**
 * Every product task and the payload its job carries (JSON: what `JSON.stringify` keeps). A task
 * is added here and in `productJobs` (tasks.ts) together, so `enqueue` refuses an unknown task
 * name or a wrong payload at compile time, and the runner cannot lack a handler for one.
 */
export interface TaskPayloads {
  /** SPEC §8: report every changed day of usage to Stripe (crontab, which adds `_cron`). */
  'billing.reportUsage': { _cron?: { ts: string; backfilled?: boolean } };
  // -- account deletion (SPEC §11) --
  /** Cancel a deleted account's subscription with a final invoice (`invoice_now`). */
  'billing.cancelSubscription': { subscriptionId: string; ownerId: string };
  /** SPEC §10: send one row of the mail outbox. */
  'mail.send': { mailId: string };
  // -- ownership transfer (SPEC §11) --
  /** Tell Stripe who owns a customer now (its `hops_user_id` metadata), after a transfer. */
  'billing.updateCustomerOwner': { customerId: string; transferId: string };
  // -- accounts on the Hopsworks clusters (SPEC §9) --
  /** Bring one row of hopsworks_provisioning about on its cluster. */
  'clusters.provision': { provisioningId: string };
  /** Collect every cluster's completed hours from OpenCost (crontab, every COLLECT_INTERVAL_MS). */
  'clusters.collect': { _cron?: { ts: string; backfilled?: boolean } };
  // -- spending caps (SPEC §11) --
  /** At the turn of the month: lift last month's spending stops (crontab). */
  'account.liftSpendingStops': { _cron?: { ts: string; backfilled?: boolean } };
  // -- usage_daily's monthly partitions (SPEC §12) --
  /** Make this month's and the next three months' usage_daily partitions (crontab, daily). */
  'usage.createPartitions': { _cron?: { ts: string; backfilled?: boolean } };
  // -- many servers (SPEC §12) --
  /** Drop expired idempotency keys (crontab, hourly). */
  'idempotency.prune': { _cron?: { ts: string; backfilled?: boolean } };
}

export interface EnqueueOptions {
  /**
   * Makes a second enqueue of the same key, before the job starts, a no-op (one job, its first
   * run time kept). Enqueued again while the job runs, it schedules one more run, since whatever
   * caused the second enqueue happened after the running one read the world.
   */
  jobKey?: string;
  /** Not before this moment (default: now). */
  runAt?: Date;
  /** Attempts before the job stays failed (graphile-worker's default: 25). */
  maxAttempts?: number;
  /** Jobs of one queue run one at a time, in order; keep the number of queue names small. */
  queueName?: string;
}

export interface EnqueuedJob {
  /** graphile-worker's job id (bigint, as text). */
  id: string;
}

/**
 * `job_key_mode` of every enqueue. 'preserve_run_at': a repeated key updates the waiting job but
 * keeps its run time, so repeating an enqueue can neither postpone a job forever ('replace' moves
 * run_at each time) nor lose the later change ('unsafe_dedupe' drops it when the job has already
 * started, and a permanently failed job with that key would block the key for good).
 */
export const JOB_KEY_MODE = 'preserve_run_at';

export type Enqueue<M> = <K extends keyof M & string>(
  trx: Transaction,
  task: K,
  payload: M[K],
  options?: EnqueueOptions,
) => Promise<EnqueuedJob>;

/** `enqueue` for the task map `M` (the product's is `TaskPayloads`; tests declare their own). */
export function enqueuerFor<M>(): Enqueue<M> {
  return async (trx, task, payload, options = {}) => {
    // The type already requires a transaction; this catches a cast that lies.
    if (!trx.isTransaction) throw new Error(`Enqueue ${task} inside the action's transaction.`);
    const { rows } = await sql<EnqueuedJob>`
      SELECT id::text AS id FROM graphile_worker.add_job(
        identifier => ${task},
        payload => ${JSON.stringify(payload ?? {})}::json,
        queue_name => ${options.queueName ?? null}::text,
        run_at => ${options.runAt ?? null}::timestamptz,
        max_attempts => ${options.maxAttempts ?? null}::int,
        job_key => ${options.jobKey ?? null}::text,
        job_key_mode => ${JOB_KEY_MODE}::text
      )`.execute(trx);
    return rows[0]!;
  };
}

/**
 * The `graphile_worker.add_job(…)` call of `enqueue` as an SQL expression whose payload and key
 * are SQL too, so that a statement can write a row and the job that carries it out at once (the
 * mail outbox: one statement per mail instead of two). Use it only in the action's transaction.
 */
export function addJobSql<K extends keyof TaskPayloads & string>(
  task: K,
  payload: RawBuilder<unknown>,
  options: { jobKey?: RawBuilder<unknown>; maxAttempts?: number } = {},
): RawBuilder<unknown> {
  return sql`graphile_worker.add_job(
    identifier => ${task},
    payload => ${payload},
    max_attempts => ${options.maxAttempts ?? null}::int,
    job_key => ${options.jobKey ?? null}::text,
    job_key_mode => ${JOB_KEY_MODE}::text
  )`;
}

/** Enqueues a product job in `trx`; it runs after `trx` commits, and never if it rolls back. */
export const enqueue: Enqueue<TaskPayloads> = enqueuerFor<TaskPayloads>();
