// The runner's batched lane (inBatches: graphile-worker's local queue) against a real PostgreSQL:
// a batch of jobs locked by a runner that stops, or dies, before it ran them is not lost: another
// runner runs each of them exactly once; and a long job of the other lane does not hold it up.
// No timed assertions: conditions are polled.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useTestDatabase } from '@hops/db/testing';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers.ts';
import { useJobRunners } from '../../test/runners.ts';
import { enqueuerFor } from './queue.ts';
import { inBatches, type JobRunnerOptions } from './runner.ts';
import { jobStates, type JobStateRow } from './states.ts';

const { db, url } = await useTestDatabase();

type TestTasks = {
  'test.batch': { n: number };
  'test.slow': { n: number };
  'test.other': { n: number };
};
const enqueueTest = enqueuerFor<TestTasks>();

const { running, start } = useJobRunners<TestTasks>(url);

const JOBS = 6;

/** `JOBS` batched jobs in one transaction (one batch fetch sees them all), keyed `<prefix>:n`. */
async function enqueueBatch(prefix: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let n = 1; n <= JOBS; n++) {
      await enqueueTest(trx, 'test.batch', { n }, { jobKey: `${prefix}:${n}` });
    }
  });
}

const batchJobs = async (prefix: string): Promise<JobStateRow[]> =>
  (await jobStates(db, { keyPrefix: `${prefix}:` })).sort((a, b) => a.key!.localeCompare(b.key!));

/** Every job of the batch locked while one runs: the rest wait in the runner's local queue. */
const allLocked = (prefix: string) => async () => {
  const jobs = await batchJobs(prefix);
  return jobs.length === JOBS && jobs.every((j) => j.lockedAt !== null) ? jobs : undefined;
};

/** A second runner that records each run; resolves when the batch is done (jobs deleted). */
async function finishElsewhere(prefix: string, options: Partial<JobRunnerOptions<TestTasks>> = {}) {
  const runs: { n: number; attempts: number }[] = [];
  await start(
    {
      'test.batch': inBatches(async ({ n }, job) => {
        runs.push({ n, attempts: job.attempts });
      }),
    },
    options,
  );
  await waitFor(
    'the other runner to finish the batch',
    async () => (await batchJobs(prefix)).length === 0,
    30_000,
  );
  return runs.sort((a, b) => a.n - b.n);
}

describe("the job runner's batched lane", () => {
  it('gives back the jobs of its local queue when it stops; another runner runs each once', async () => {
    const started: number[] = [];
    await start(
      {
        // The first job holds the only worker until the stop gives it up.
        'test.batch': inBatches(({ n }) => {
          started.push(n);
          return new Promise<never>(() => undefined);
        }),
      },
      { shutdownGraceMs: 200 },
    );
    await enqueueBatch('stopped');
    await waitFor('the batch to be fetched', allLocked('stopped'));
    await waitFor('the first job to start', async () => started.length === 1);

    await running.pop()!.stop();
    // The one given up failed its attempt; the others are back in the queue, no attempt used.
    const back = await batchJobs('stopped');
    expect(back.every((j) => j.lockedAt === null)).toBe(true);
    const given = back.filter((j) => j.key === `stopped:${started[0]}`);
    expect(given).toMatchObject([{ state: 'retrying', attempts: 1 }]);
    expect(back.filter((j) => j !== given[0]).map((j) => j.attempts)).toEqual(
      Array(JOBS - 1).fill(0),
    );

    const runs = await finishElsewhere('stopped');
    expect(runs.map((r) => r.n)).toEqual(Array.from({ length: JOBS }, (_, i) => i + 1));
    for (const r of runs) expect(r.attempts).toBe(r.n === started[0] ? 2 : 1);
  });

  it('loses none of the jobs of its local queue when its process is killed; another runner runs each once', async () => {
    // A runner in a process of its own, whose batched task says it started and never finishes.
    const runnerModule = new URL('./runner.ts', import.meta.url).href;
    const script = `
      const { inBatches, startJobRunner } = await import(${JSON.stringify(runnerModule)});
      const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
      await startJobRunner({
        connectionString: ${JSON.stringify(url)},
        log: quiet,
        pollIntervalMs: 100,
        tasks: {
          'test.batch': inBatches(({ n }) => {
            console.log('started ' + n);
            return new Promise(() => undefined);
          }),
        },
      });
      console.log('runner started');`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let started: number;
    try {
      await waitFor(
        'the child runner to start',
        async () => out.includes('runner started'),
        30_000,
      );
      await enqueueBatch('killed');
      await waitFor('the batch to be fetched', allLocked('killed'));
      started = Number(
        (await waitFor('the child to start a job', async () => /started (\d+)/.exec(out)))[1],
      );
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
    // The dead runner holds the whole batch: one job it started, the rest never handed out.
    expect(out.match(/started \d+/g)).toHaveLength(1);
    expect((await batchJobs('killed')).every((j) => j.lockedAt !== null)).toBe(true);

    // Its heartbeat has stopped: the survivor frees the batch once it counts it dead.
    const runs = await finishElsewhere('killed', {
      heartbeat: { everyMs: 200, deadAfterMs: 1_000 },
    });
    expect(runs.map((r) => r.n)).toEqual(Array.from({ length: JOBS }, (_, i) => i + 1));
    // Each was locked once by the dead runner: that counted as an attempt, started or not.
    expect(runs.map((r) => r.attempts)).toEqual(Array(JOBS).fill(2));
    expect(started).toBeGreaterThan(0);
  });

  it('runs batched jobs while a long job of the other lane holds its only worker', async () => {
    const done: number[] = [];
    await start(
      {
        'test.slow': () => new Promise<never>(() => undefined),
        'test.batch': inBatches(async ({ n }) => {
          done.push(n);
        }),
      },
      { concurrency: 1, shutdownGraceMs: 200 },
    );
    await db
      .transaction()
      .execute((trx) => enqueueTest(trx, 'test.slow', { n: 1 }, { jobKey: 'long:1' }));
    await waitFor('the long job to start', async () => {
      const [row] = await jobStates(db, { key: 'long:1' });
      return row?.state === 'running';
    });
    await enqueueBatch('lanes');
    await waitFor('the batch to be done', async () => (await batchJobs('lanes')).length === 0);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: JOBS }, (_, i) => i + 1));
    const [slow] = await jobStates(db, { key: 'long:1' });
    expect(slow?.state).toBe('running');
  });

  it("tells a task each batch's payloads before any of its jobs runs", async () => {
    const seen: string[] = [];
    await start({
      'test.batch': inBatches(
        async ({ n }) => {
          seen.push(`run ${n}`);
        },
        { fetched: (payloads) => seen.push(`fetched ${payloads.map((p) => p.n).join(',')}`) },
      ),
    });
    await enqueueBatch('told');
    await waitFor('the batch to be done', async () => (await batchJobs('told')).length === 0);
    // One fetch saw the whole transaction's jobs; each job ran after the fetch that told it.
    const toldAt = new Map<number, number>();
    seen.forEach((line, at) => {
      if (line.startsWith('fetched ')) {
        for (const n of line.slice(8).split(','))
          if (!toldAt.has(Number(n))) toldAt.set(Number(n), at);
      }
    });
    const runs = seen.flatMap((line, at) =>
      line.startsWith('run ') ? [[Number(line.slice(4)), at]] : [],
    );
    expect(runs.map(([n]) => n).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: JOBS }, (_, i) => i + 1),
    );
    for (const [n, at] of runs) expect(toldAt.get(n!)).toBeLessThan(at!);
  });

  it('starts every job of the other lane woken by notifications that came in a burst', async () => {
    // Polling once a minute: only the notifications (throttled into fewer wake-ups) start them.
    const done: number[] = [];
    await start(
      {
        'test.other': async ({ n }) => {
          done.push(n);
        },
        'test.batch': inBatches(async () => undefined),
      },
      { pollIntervalMs: 60_000 },
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction().execute((trx) => enqueueTest(trx, 'test.other', { n: i + 1 })),
      ),
    );
    await waitFor('the 20 jobs to be done', async () => done.length === 20);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
