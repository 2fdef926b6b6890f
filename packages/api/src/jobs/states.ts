// What the product may show about its jobs (state, attempts, last error, next run), read from the
// queue's own table, never guessed. graphile-worker deletes a job once it succeeds: a job that is
// no longer listed has completed.
import { sql } from 'kysely';
import type { Executor } from '../db.ts';

/**
 * - queued: due, waiting for a worker; scheduled: first run still to come;
 * - running: locked by a worker (a lock older than 4 hours is a dead worker's, released soon);
 * - retrying: an attempt failed, the next one is due at `runAt`;
 * - failed: every attempt failed; it stays until someone retries or removes it.
 */
export type JobState = 'queued' | 'scheduled' | 'running' | 'retrying' | 'failed';

export interface JobStateRow {
  id: string;
  task: string;
  key: string | null;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  runAt: Date;
  lockedAt: Date | null;
}

export interface JobFilter {
  task?: string;
  key?: string;
  /** Keys starting with this (e.g. `provision:user:`), for the jobs of one thing. */
  keyPrefix?: string;
  /** Default 100, newest first. */
  limit?: number;
}

export async function jobStates(db: Executor, filter: JobFilter = {}): Promise<JobStateRow[]> {
  const conditions = [sql`true`];
  if (filter.task !== undefined) conditions.push(sql`task_identifier = ${filter.task}`);
  if (filter.key !== undefined) conditions.push(sql`key = ${filter.key}`);
  if (filter.keyPrefix !== undefined) {
    conditions.push(sql`starts_with(key, ${filter.keyPrefix})`);
  }
  // graphile_worker.jobs: the queue's own view of its private tables (graphile-worker ~0.17).
  const { rows } = await sql<JobStateRow>`
    SELECT id::text AS id, task_identifier AS task, key,
      CASE
        WHEN locked_at IS NOT NULL THEN 'running'
        WHEN attempts >= max_attempts THEN 'failed'
        WHEN attempts > 0 THEN 'retrying'
        WHEN run_at > now() THEN 'scheduled'
        ELSE 'queued'
      END AS state,
      attempts, max_attempts, last_error, run_at, locked_at
    FROM graphile_worker.jobs
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY id DESC
    LIMIT ${filter.limit ?? 100}`.execute(db);
  return rows;
}
