// The durable job runner: graphile-worker's workers (and its crontab) inside the API server
// process, typed by a task map, logging through our logger, stopped gracefully with the server.
// Every replica may run one: the queue locks each job for one worker, so a job runs on one replica.
// Two lanes (worker pools) per runner: the tasks marked `inBatches` fetch their jobs in batches,
// the others one at a time (see inBatches for why and what it costs).
import {
  Logger as WorkerLogger,
  parseCronItems,
  run,
  runMigrations,
  runOnce,
  type CronItem,
  type Job,
  type JobHelpers,
  type Runner,
  type RunnerOptions,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker';
import { EventEmitter } from 'node:events';
import { createPool } from '@hops/db';
import type { Logger } from '../context.ts';

/** Where the queue lives: the database's URL (the runner opens a small pool), or a pool to share. */
export type QueueConnection =
  | { connectionString: string; pgPool?: never }
  | { pgPool: NonNullable<RunnerOptions['pgPool']>; connectionString?: never };

/** What a task's handler knows of the job it carries out. */
export interface JobContext {
  /** graphile-worker's job id: with `attempts`, the root of an idempotency key for outside calls. */
  id: string;
  task: string;
  key: string | null;
  /** This attempt's number, from 1. */
  attempts: number;
  maxAttempts: number;
  /** Aborted when the server stops while the job runs; pass it to outside calls. */
  signal: AbortSignal;
  log: Logger;
}

/** Resolves when the job is done; throwing fails this attempt (retried with backoff). */
export type TaskHandler<P> = (payload: P, job: JobContext) => Promise<void>;

/** One handler per task of the map `M`: none missing, none unknown. */
export type TaskHandlers<M> = { [K in keyof M & string]: TaskHandler<M[K]> };

/** A periodic job of graphile-worker's crontab (`match`: a cron pattern, UTC). */
export type CronEntry<M> = Omit<CronItem, 'task' | 'payload'> & { task: keyof M & string };

export interface JobRunnerOptions<M> {
  tasks: TaskHandlers<M>;
  crontab?: readonly CronEntry<M>[];
  /**
   * Jobs this process runs at once (default 1) in each of its two lanes: the tasks marked
   * `inBatches` (the mail) and all the others; so a mail never waits behind a long job.
   */
  concurrency?: number;
  log: Logger;
  /**
   * How often idle workers look for jobs that became due (retries, `runAt`); new jobs arrive at
   * once through LISTEN/NOTIFY. Default 5 s: one cheap indexed query per worker per poll.
   */
  pollIntervalMs?: number;
  /**
   * After stop(), running jobs get this long before their signal aborts; a job still running then
   * is given up: it fails this attempt, its lock is released and any replica retries it later.
   * Default 5 s (the server's whole stop must fit in 10 s).
   */
  shutdownGraceMs?: number;
  /**
   * How often to release the locks of jobs whose runner died (graphile-worker keeps a lock for 4
   * hours, then any runner may take the job again). Default: graphile-worker's 8–10 minutes.
   */
  staleLockScanMs?: { min: number; max: number };
  /**
   * How often this runner writes that it is alive (job_runner_heartbeats), and after how long
   * without a word another runner takes it for dead and frees its jobs at once instead of after
   * graphile-worker's 4 hours. Default every 15 s, dead after 2 minutes: far longer than any
   * pause of a live process, since a job freed from a live runner could run twice.
   */
  heartbeat?: { everyMs: number; deadAfterMs: number };
}

export interface JobRunner {
  /** Stops taking jobs and waits for the running ones (at most `shutdownGraceMs`, plus a little). */
  stop(): Promise<void>;
}

const DEFAULT_POLL_INTERVAL_MS = 5_000;
const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/**
 * Installs or upgrades graphile-worker's own schema (`graphile_worker`). The server calls it at
 * start, after migrateToLatest and before it serves, so every replica can enqueue, including one
 * that runs no workers; concurrent calls from several replicas are safe (graphile-worker takes a
 * lock and skips a migration another one made).
 */
export async function migrateJobQueue(options: QueueConnection & { log: Logger }): Promise<void> {
  const { log, ...connection } = options;
  await runMigrations({ ...connection, logger: workerLogger(log) });
}

/** What a batched task may do besides running its jobs one by one. */
export interface BatchedTask<P> {
  /**
   * Told the payloads of the task's jobs in each batch the local queue has just fetched, before the
   * first is handed to a worker: the task may read what its jobs need in one statement for the
   * batch instead of one per job (the jobs are locked by this runner until they are done, so what
   * it reads for them is theirs). Called synchronously: it starts its work, returns, never throws.
   */
  fetched?: (payloads: P[]) => void;
}

/**
 * The handlers `inBatches` marked: run by a worker pool of their own whose jobs graphile-worker
 * fetches `batchSizeOf(concurrency)` at a time (its local queue) instead of one `get_job` per job.
 */
const batchedHandlers = new WeakMap<TaskHandler<never>, BatchedTask<never>>();

/**
 * Marks a task's handler for the batched lane: for many short jobs queued at once, like the
 * mail outbox's. At 1 job at a time, one mail's `get_job` cost 0.7 ms of its 4.9 ms (the SMTP
 * send alone 2.1 ms); from the local queue a job is handed over in ~0.2 ms, and the next batch is
 * fetched while the last job of the batch runs. The price: up to a batch of jobs is locked by one
 * process. On stop() the ones not started go back to the queue at once (graphile-worker's
 * returnJobs, their attempt not counted); if the process dies, they stay locked until the
 * heartbeat frees them (`deadAfterMs`, 2 minutes by default), and each has used one attempt.
 * Their completions are gathered for up to BATCHED_COMPLETION_DELAY_MS into one statement, so a
 * job done just before the process dies may run again once freed: a batched task must find its
 * work already done then (the mail's row is marked sent before its handler resolves).
 * Only for tasks whose jobs have no `queueName`: graphile-worker 0.17.3's batch fetch can take
 * several jobs of one named queue at once and run them side by side (graphile/worker#621).
 */
export function inBatches<P>(handler: TaskHandler<P>, task: BatchedTask<P> = {}): TaskHandler<P> {
  batchedHandlers.set(handler as TaskHandler<never>, task as BatchedTask<never>);
  return handler;
}

/**
 * How long the batched lane gathers job completions before it writes them (one DELETE and one
 * commit, waited for by the disk, per gathering instead of per job: a mail's completion cost as
 * much as its own write). Stop() writes the ones gathered before it resolves.
 */
export const BATCHED_COMPLETION_DELAY_MS = 20;

/**
 * Jobs the batched lane locks per fetch: enough that fetching is rare, few enough that a process
 * holds little work another replica could do (25 mails are ~75 ms of sending), and never fewer
 * than its workers plus one (graphile-worker's advice, so the next job is always at hand). 25
 * rather than 10: 1 000 mails went out 6–13 % sooner (one fetch and one read ahead per 25; 50
 * gained ~3 % more, for twice the mails a dead process holds until the heartbeat frees them).
 */
export const batchSizeOf = (concurrency: number) => Math.max(25, concurrency + 1);

/** Starts the workers (and the crontab) until `stop()`. */
export async function startJobRunner<M>(
  options: QueueConnection & JobRunnerOptions<M>,
): Promise<JobRunner> {
  const concurrency = options.concurrency ?? 1;
  const entries = Object.entries(options.tasks) as [string, TaskHandler<unknown>][];
  const batched = entries.filter(([, handler]) => batchedHandlers.has(handler));
  const others = entries.filter(([, handler]) => !batchedHandlers.has(handler));
  const crontab = options.crontab ?? [];
  // The pool ids graphile-worker locks this runner's jobs under, told by its 'pool:create' event.
  const poolIds: string[] = [];
  /** A lane's own graphile-worker events: its pool id noted, and what `more` adds. */
  const laneEvents = (more: (events: WorkerEvents) => void) => {
    const events = new EventEmitter() as WorkerEvents;
    events.on('pool:create', ({ workerPool }) => {
      poolIds.push(workerPool.id);
    });
    more(events);
    return events;
  };
  // Each batch the batched lane's local queue fetches, told to its tasks.
  const fetchedOf = new Map(
    batched.flatMap(([task, handler]) => {
      const fetched = batchedHandlers.get(handler)?.fetched;
      return fetched ? [[task, fetched] as const] : [];
    }),
  );
  const tellFetched = (events: WorkerEvents) =>
    events.on('localQueue:getJobs:complete', ({ jobs }) => {
      const payloads = new Map<string, unknown[]>();
      for (const job of jobs) {
        if (!fetchedOf.has(job.task_identifier)) continue;
        const list = payloads.get(job.task_identifier) ?? [];
        list.push(job.payload);
        payloads.set(job.task_identifier, list);
      }
      for (const [task, list] of payloads) fetchedOf.get(task)!(list as never[]);
    });
  const throttles: { stop(): void }[] = [];
  const throttled = (events: WorkerEvents) =>
    events.on('pool:create', ({ workerPool }) => {
      throttles.push(throttleNudges(workerPool, NUDGE_THROTTLE_MS));
    });
  const lane = (
    tasks: [string, TaskHandler<unknown>][],
    events: WorkerEvents,
    extra: Partial<RunnerOptions>,
  ) =>
    run({
      events,
      ...connectionOf(options),
      ...(options.connectionString ? { maxPoolSize: concurrency + 2 } : {}),
      logger: workerLogger(options.log),
      taskList: taskListOf(tasks, options.log),
      concurrency,
      pollInterval: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      gracefulShutdownAbortTimeout: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
      ...(options.staleLockScanMs
        ? {
            minResetLockedInterval: options.staleLockScanMs.min,
            maxResetLockedInterval: options.staleLockScanMs.max,
          }
        : {}),
      // The server owns SIGTERM/SIGINT: it stops the runner itself, in its own order.
      noHandleSignals: true,
      ...extra,
    });
  // Through the batcher (delay 0: no waiting), a job's completion or failure is written before
  // stop() resolves; unbatched, a job finished just before a stop could stay locked for 4 hours.
  // Written off the job's path too: the worker takes its next job meanwhile. A longer delay would
  // gather completions into fewer statements, but leaves a job finished before a kill to run again:
  // only the batched lane's do (BATCHED_COMPLETION_DELAY_MS), whose tasks are made for it.
  const batchers = { completeJobBatchDelay: 0, failJobBatchDelay: 0 };
  const runners: Runner[] = [];
  try {
    if (others.length > 0 || crontab.length > 0 || batched.length === 0) {
      runners.push(
        await lane(others, laneEvents(throttled), {
          parsedCronItems: parseCronItems(crontab.map((entry) => ({ ...entry }))),
          preset: { worker: batchers },
        }),
      );
    }
    if (batched.length > 0) {
      runners.push(
        await lane(batched, laneEvents(tellFetched), {
          // The crontab is the other lane's; none here (and none read from a file).
          parsedCronItems: parseCronItems([]),
          preset: {
            worker: {
              ...batchers,
              completeJobBatchDelay: BATCHED_COMPLETION_DELAY_MS,
              localQueue: { size: batchSizeOf(concurrency) },
            },
          },
        }),
      );
    }
  } catch (error) {
    for (const throttle of throttles) throttle.stop();
    await Promise.all(runners.map((r) => r.stop().catch(() => undefined)));
    throw error;
  }
  // A fatal error stops a lane; graphile-worker has logged it (the one place it is handled).
  for (const runner of runners) runner.promise.catch(() => undefined);
  const heartbeat = startHeartbeat(options, () => poolIds);
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      // Rejects only when a lane already stopped itself (its fatal error logged): nothing to do.
      for (const throttle of throttles) throttle.stop();
      stopped ??= Promise.all(runners.map((r) => r.stop().catch(() => undefined))).then(() =>
        heartbeat.stop(),
      );
      return stopped;
    },
  };
}

/**
 * How often at most the other lane answers graphile-worker's new-job notifications with a fetch.
 * Every `add_job` notifies every runner's every lane, and an idle worker answers each with a
 * `get_job`, also for the jobs it never takes: 1 000 mails queued were 1 000 empty `get_job`s of
 * the other lane, about a tenth of the database's work then. Throttled, the first notification after a quiet
 * moment still wakes the lane at once; the ones within the next NUDGE_THROTTLE_MS are added up into
 * one wake-up at its end (one fetch per worker that is idle then). A notification is only a hint:
 * the workers also poll, and each job is still locked by one of them, on whichever replica.
 */
export const NUDGE_THROTTLE_MS = 50;

/** Throttles a worker pool's nudges (graphile-worker's WorkerPool.nudge), as described above. */
function throttleNudges(
  workerPool: { nudge(n: number): void; _shuttingDown: boolean },
  everyMs: number,
): { stop(): void } {
  const nudge = workerPool.nudge.bind(workerPool);
  let waiting = 0;
  let timer: NodeJS.Timeout | undefined;
  const quietOrFlush = () => {
    timer = undefined;
    if (waiting === 0 || workerPool._shuttingDown) return;
    const n = waiting;
    waiting = 0;
    nudge(n);
    timer = setTimeout(quietOrFlush, everyMs);
    timer.unref();
  };
  workerPool.nudge = (n: number) => {
    if (timer) {
      waiting += n;
      return;
    }
    nudge(n);
    timer = setTimeout(quietOrFlush, everyMs);
    timer.unref();
  };
  return {
    stop() {
      clearTimeout(timer);
      timer = undefined;
      waiting = 0;
    },
  };
}

const DEFAULT_HEARTBEAT = { everyMs: 15_000, deadAfterMs: 120_000 };

/**
 * Writes this runner's pool ids (one per lane) with the time, and frees the jobs of every runner
 * silent for longer than `deadAfterMs` (graphile-worker's force_unlock_workers; their rows go).
 * Every runner sweeps: freeing twice is harmless. A stopped runner removes its own rows.
 */
function startHeartbeat(
  options: QueueConnection & Pick<JobRunnerOptions<unknown>, 'log' | 'heartbeat'>,
  poolIdsOf: () => readonly string[],
): { stop(): Promise<void> } {
  const { everyMs, deadAfterMs } = options.heartbeat ?? DEFAULT_HEARTBEAT;
  const owned = options.pgPool
    ? null
    : createPool({
        connectionString: options.connectionString!,
        max: 1,
        applicationName: 'hops-job-heartbeat',
      });
  const pool = options.pgPool ?? owned!;
  let failing = false;
  const beat = async () => {
    const poolIds = poolIdsOf();
    try {
      if (poolIds.length > 0) {
        await pool.query(
          `INSERT INTO job_runner_heartbeats (pool_id) SELECT unnest($1::text[])
           ON CONFLICT (pool_id) DO UPDATE SET heartbeat_at = now()`,
          [poolIds],
        );
      }
      const { rows } = await pool.query<{ pool_id: string }>(
        `DELETE FROM job_runner_heartbeats
         WHERE heartbeat_at < now() - make_interval(secs => $1::float8 / 1000)
         RETURNING pool_id`,
        [deadAfterMs],
      );
      if (rows.length > 0) {
        const dead = rows.map((r) => r.pool_id);
        await pool.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [dead]);
        options.log.warn({ runners: dead }, 'freed the jobs of job runners that went silent');
      }
      failing = false;
    } catch (error) {
      // Logged once per outage; the next beat tries again.
      if (!failing) options.log.warn({ err: error }, 'job runner heartbeat failed');
      failing = true;
    }
  };
  let running: Promise<void> = beat();
  const timer = setInterval(() => {
    running = running.then(beat);
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      const poolIds = poolIdsOf();
      try {
        if (poolIds.length > 0) {
          await pool.query('DELETE FROM job_runner_heartbeats WHERE pool_id = ANY($1::text[])', [
            poolIds,
          ]);
        }
      } catch (error) {
        options.log.warn({ err: error }, "the job runner's heartbeat row could not be removed");
      } finally {
        await owned?.end();
      }
    },
  };
}

/** Runs every job that is due now, then returns (for tests and one-off scripts). */
export async function runJobsOnce<M>(
  options: QueueConnection & Pick<JobRunnerOptions<M>, 'tasks' | 'log'>,
): Promise<void> {
  await runOnce({
    ...connectionOf(options),
    logger: workerLogger(options.log),
    taskList: taskListOf(
      Object.entries(options.tasks) as [string, TaskHandler<unknown>][],
      options.log,
    ),
    noHandleSignals: true,
  });
}

function connectionOf(
  connection: QueueConnection,
): Pick<RunnerOptions, 'connectionString' | 'pgPool'> {
  return connection.pgPool
    ? { pgPool: connection.pgPool }
    : { connectionString: connection.connectionString };
}

function taskListOf(tasks: [string, TaskHandler<unknown>][], log: Logger): TaskList {
  const list: TaskList = {};
  for (const [task, handler] of tasks) {
    list[task] = (payload, helpers) => runHandler(handler, payload, helpers, log);
  }
  return list;
}

/**
 * Runs one attempt. When the server stops and the grace time is over, the attempt is given up
 * (the queue records the failure and releases the lock) even if the handler ignores its signal;
 * what the handler still does then must be harmless to repeat, as every job must be.
 */
async function runHandler(
  handler: TaskHandler<unknown>,
  payload: unknown,
  helpers: JobHelpers,
  log: Logger,
): Promise<void> {
  const { job, abortSignal: signal } = helpers;
  const context = jobContext(job, signal, log);
  const work = handler(payload, context);
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<never>((_resolve, reject) => {
    onAbort = () =>
      reject(
        new Error(
          `The server stopped while job ${job.id} (${job.task_identifier}) was running; it will be retried.`,
        ),
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // Once given up, a late failure of the handler changes nothing: the attempt has already failed.
  work.catch(() => undefined);
  abandoned.catch(() => undefined);
  try {
    await Promise.race([work, abandoned]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

function jobContext(job: Job, signal: AbortSignal, log: Logger): JobContext {
  const scope = { jobId: job.id, task: job.task_identifier };
  const scoped = (level: 'info' | 'warn' | 'error') => (obj: object | string, msg?: string) =>
    typeof obj === 'string' ? log[level](scope, obj) : log[level]({ ...scope, ...obj }, msg);
  return {
    id: job.id,
    task: job.task_identifier,
    key: job.key,
    attempts: job.attempts,
    maxAttempts: job.max_attempts,
    signal,
    log: { info: scoped('info'), warn: scoped('warn'), error: scoped('error') },
  };
}

/** graphile-worker's logger writing to ours: its scope and error as fields, its debug dropped. */
function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields: Record<string, unknown> = { component: 'jobs' };
    if (scope.workerId) fields.workerId = scope.workerId;
    // A job's messages carry it in their meta (its id and task only: the payload stays out).
    const job = meta?.job as { id?: unknown; task_identifier?: unknown } | undefined;
    const jobId = scope.jobId ?? job?.id;
    const task = scope.taskIdentifier ?? job?.task_identifier;
    if (task) fields.task = task;
    if (jobId) fields.jobId = jobId;
    if (meta?.error instanceof Error) fields.err = meta.error;
    switch (String(level)) {
      case 'error':
        return log.error(fields, message);
      case 'warning':
        return log.warn(fields, message);
      case 'info':
        return log.info(fields, message);
      default:
        return undefined; // debug: graphile-worker's internals, not the operator's business
    }
  });
}
