// The runner against a real PostgreSQL: two replicas share the work without doing a job twice, a
// failing job is retried with backoff and shows its attempts, and a job whose runner stops or dies
// in the middle is taken again by another one. No timed assertions: conditions are polled.
import { fileURLToPath } from 'node:url';
import { useTestDatabase } from '@hops/db/testing';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers.ts';
import { startChildRunner, useJobRunners } from '../../test/runners.ts';
import { enqueuerFor } from './queue.ts';
import { jobStates } from './states.ts';

const { db, url } = await useTestDatabase();

type TestTasks = {
  'test.share': { n: number };
  'test.flaky': { failures: number };
  'test.slow': { n: number };
};
const enqueueTest = enqueuerFor<TestTasks>();

const { start } = useJobRunners<TestTasks>(url);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const noJobsLeft = (task: string) => async () => (await jobStates(db, { task })).length === 0;
const gone = (key: string) => async () => (await jobStates(db, { key })).length === 0;

describe('the job runner', () => {
  it('runs each of 50 jobs exactly once between two replicas', async () => {
    const starts: { n: number; replica: string }[] = [];
    const share = (replica: string) => ({
      'test.share': async ({ n }: { n: number }) => {
        starts.push({ n, replica }); // on start: a second run of a job could not hide
        await sleep(10);
      },
    });
    await start(share('a'), { concurrency: 3 });
    await start(share('b'), { concurrency: 3 });
    await db.transaction().execute(async (trx) => {
      for (let n = 1; n <= 50; n++) await enqueueTest(trx, 'test.share', { n });
    });
    await waitFor('the 50 jobs to complete', noJobsLeft('test.share'));
    // A succeeded job is deleted, so none of them can start again.
    expect(starts.map((s) => s.n).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    console.log(
      `[jobs] replica a ran ${starts.filter((s) => s.replica === 'a').length}, b ran ${starts.filter((s) => s.replica === 'b').length}`,
    );
  });

  it('retries a failing job with backoff; its attempts and last error are visible meanwhile', async () => {
    const attempts: number[] = [];
    const { log } = await start({
      'test.flaky': async ({ failures }, job) => {
        attempts.push(job.attempts);
        if (job.attempts <= failures) throw new Error(`attempt ${job.attempts} fails`);
      },
    });
    const { id } = await db
      .transaction()
      .execute((trx) => enqueueTest(trx, 'test.flaky', { failures: 2 }, { jobKey: 'flaky:1' }));
    // graphile-worker waits e^attempts seconds: about 2.7 s after the first failure, 7.4 s after the second.
    const retrying = await waitFor('the second failure to be recorded', async () => {
      const [row] = await jobStates(db, { key: 'flaky:1' });
      return row?.state === 'retrying' && row.attempts === 2 ? row : undefined;
    });
    expect(retrying).toMatchObject({
      id,
      attempts: 2,
      maxAttempts: 25,
      lastError: 'attempt 2 fails',
    });
    expect(retrying.runAt.getTime()).toBeGreaterThan(Date.now());
    await waitFor('the third attempt to succeed', noJobsLeft('test.flaky'), 30_000);
    expect(attempts).toEqual([1, 2, 3]);
    // Each failure logged once, where the queue handles it, with the job as context.
    const failures = log.lines.filter((line) => line.level === 'error');
    expect(failures.map((line) => line.msg)).toEqual([
      expect.stringContaining("attempt 1 of 25) with error 'attempt 1 fails'"),
      expect.stringContaining("attempt 2 of 25) with error 'attempt 2 fails'"),
    ]);
    expect(failures[0]!.obj).toMatchObject({ jobId: id, task: 'test.flaky' });
  });

  it('keeps a job that failed its last attempt, as failed', async () => {
    await start({
      'test.flaky': async () => {
        throw new Error('the outside system said no');
      },
    });
    await db
      .transaction()
      .execute((trx) =>
        enqueueTest(trx, 'test.flaky', { failures: 1 }, { jobKey: 'flaky:2', maxAttempts: 1 }),
      );
    const failed = await waitFor('the job to fail for good', async () => {
      const [row] = await jobStates(db, { key: 'flaky:2' });
      return row?.state === 'failed' ? row : undefined;
    });
    expect(failed).toMatchObject({
      attempts: 1,
      maxAttempts: 1,
      lastError: 'the outside system said no',
    });
  });

  it('gives up a job still running when its runner stops; another runner takes it again', async () => {
    let signalled = false;
    const first = await start(
      {
        // Ignores its signal: the worst case; stop() must still return.
        'test.slow': (_payload, job) => {
          job.signal.addEventListener('abort', () => (signalled = true));
          return new Promise<never>(() => undefined);
        },
      },
      { shutdownGraceMs: 200 },
    );
    await db
      .transaction()
      .execute((trx) => enqueueTest(trx, 'test.slow', { n: 1 }, { jobKey: 'slow:1' }));
    await waitFor('the job to start', async () => {
      const [row] = await jobStates(db, { key: 'slow:1' });
      return row?.state === 'running';
    });
    await first.runner.stop();
    expect(signalled).toBe(true);
    const [released] = await jobStates(db, { key: 'slow:1' });
    expect(released).toMatchObject({ state: 'retrying', attempts: 1, lockedAt: null });
    expect(released!.lastError).toMatch(/server stopped while job \d+ \(test\.slow\) was running/);

    const done: number[] = [];
    await start({
      'test.slow': async (_payload, job) => {
        done.push(job.attempts);
      },
    });
    await waitFor('the second runner to finish the job', gone('slow:1'), 30_000);
    expect(done).toEqual([2]);
  });

  it('takes again, once its lock expires, a job whose runner died in the middle of it', async () => {
    const child = await startChildRunner([
      fileURLToPath(new URL('../../test/job-runner-child.ts', import.meta.url)),
      url,
    ]);
    try {
      const { id } = await db
        .transaction()
        .execute((trx) => enqueueTest(trx, 'test.slow', { n: 2 }, { jobKey: 'slow:2' }));
      await waitFor('the child to start the job', async () =>
        child.output().includes(`started ${id}`),
      );
    } finally {
      await child.killed();
    }
    // The dead runner still holds the job: graphile-worker keeps a lock for 4 hours.
    const [locked] = await jobStates(db, { key: 'slow:2' });
    expect(locked).toMatchObject({ state: 'running', attempts: 1 });
    expect(locked!.lockedAt).not.toBeNull();
    // Four hours pass.
    await sql`UPDATE graphile_worker._private_jobs
      SET locked_at = locked_at - interval '4 hours 1 minute' WHERE key = 'slow:2'`.execute(db);

    const done: number[] = [];
    await start(
      {
        'test.slow': async (_payload, job) => {
          done.push(job.attempts);
        },
      },
      { staleLockScanMs: { min: 200, max: 500 } },
    );
    await waitFor('another runner to take the job again', gone('slow:2'), 30_000);
    expect(done).toEqual([2]);
  });

  it('frees at once the jobs of a runner whose heartbeat stopped, and another runner finishes them', async () => {
    const child = await startChildRunner([
      fileURLToPath(new URL('../../test/job-runner-child.ts', import.meta.url)),
      url,
    ]);
    try {
      const { id } = await db
        .transaction()
        .execute((trx) => enqueueTest(trx, 'test.slow', { n: 3 }, { jobKey: 'slow:3' }));
      await waitFor('the child to start the job', async () =>
        child.output().includes(`started ${id}`),
      );
    } finally {
      await child.killed();
    }
    const [locked] = await jobStates(db, { key: 'slow:3' });
    expect(locked).toMatchObject({ state: 'running', attempts: 1 });
    // The dead runner's last word is in job_runner_heartbeats; nobody moves the clock here.
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM job_runner_heartbeats`.execute(db);
    expect(rows[0]!.n).toBeGreaterThan(0);

    const done: number[] = [];
    const { log } = await start(
      {
        'test.slow': async (_payload, job) => {
          done.push(job.attempts);
        },
      },
      { heartbeat: { everyMs: 200, deadAfterMs: 1_000 } },
    );
    await waitFor('another runner to take the job again', gone('slow:3'), 30_000);
    expect(done).toEqual([2]);
    expect(log.lines.some((l) => l.msg === 'freed the jobs of job runners that went silent')).toBe(
      true,
    );
  });
});
