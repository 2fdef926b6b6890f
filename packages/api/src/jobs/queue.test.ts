// Enqueueing in the action's transaction: a rolled-back action leaves no job, a committed one runs
// once, a repeated key is one job; and the task map refuses what it does not know at compile time.
import { useTestDatabase } from '@hops/db/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/helpers.ts';
import type { Transaction } from '../db.ts';
import { enqueue, enqueuerFor } from './queue.ts';
import { runJobsOnce, type TaskHandlers } from './runner.ts';
import { jobStates } from './states.ts';

const { db, url } = await useTestDatabase();

type TestTasks = { 'test.record': { n: number } };
const enqueueTest = enqueuerFor<TestTasks>();
const runs: number[] = [];
const tasks: TaskHandlers<TestTasks> = {
  'test.record': async ({ n }) => {
    runs.push(n);
  },
};
const drain = () => runJobsOnce({ connectionString: url, tasks, log: recordingLogger() });

beforeEach(async () => {
  await drain();
  runs.length = 0;
});

describe('enqueue', () => {
  it('leaves no job when the action rolls back, so nothing runs', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueTest(trx, 'test.record', { n: 1 });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    expect(await jobStates(db, { task: 'test.record' })).toEqual([]);
    await drain();
    expect(runs).toEqual([]);
  });

  it('runs a committed job exactly once', async () => {
    const job = await db.transaction().execute((trx) => enqueueTest(trx, 'test.record', { n: 2 }));
    expect(await jobStates(db, { task: 'test.record' })).toMatchObject([
      { id: job.id, state: 'queued', attempts: 0, lastError: null },
    ]);
    await drain();
    await drain();
    expect(runs).toEqual([2]);
    // graphile-worker deletes a job that succeeded.
    expect(await jobStates(db, { task: 'test.record' })).toEqual([]);
  });

  it('makes a second enqueue of the same key, in another transaction, one job that runs once', async () => {
    for (let i = 0; i < 2; i++) {
      await db
        .transaction()
        .execute((trx) => enqueueTest(trx, 'test.record', { n: 3 }, { jobKey: 'record:3' }));
    }
    expect(await jobStates(db, { key: 'record:3' })).toHaveLength(1);
    await drain();
    expect(runs).toEqual([3]);
  });

  it('keeps the first run time when a key is enqueued again (never postponed by repeats)', async () => {
    const later = new Date(Date.now() + 3_600_000);
    await db.transaction().execute(async (trx) => {
      await enqueueTest(trx, 'test.record', { n: 4 }, { jobKey: 'record:4', runAt: later });
      await enqueueTest(trx, 'test.record', { n: 4 }, { jobKey: 'record:4' });
    });
    const [row] = await jobStates(db, { keyPrefix: 'record:' });
    expect(row).toMatchObject({ key: 'record:4', state: 'scheduled' });
    expect(row!.runAt.getTime()).toBe(later.getTime());
    await drain();
    expect(runs).toEqual([]);
  });

  it('passes max attempts and the queue name through to the queue', async () => {
    await db
      .transaction()
      .execute((trx) =>
        enqueueTest(
          trx,
          'test.record',
          { n: 5 },
          { jobKey: 'record:5', maxAttempts: 3, queueName: 'serial' },
        ),
      );
    expect(await jobStates(db, { key: 'record:5' })).toMatchObject([{ maxAttempts: 3 }]);
    await drain();
    expect(runs).toEqual([5]);
  });

  it('refuses to enqueue outside a transaction', async () => {
    await expect(
      enqueueTest(db as unknown as Transaction, 'test.record', { n: 6 }),
    ).rejects.toThrow("inside the action's transaction");
  });

  it('refuses an unknown task, a wrong payload and a bare pool at compile time', () => {
    // Never called: what matters is that `pnpm typecheck` agrees with each @ts-expect-error.
    const typeChecks = (trx: Transaction) => {
      // @ts-expect-error: no such task
      void enqueueTest(trx, 'test.nope', { n: 1 });
      // @ts-expect-error: the payload's n is a number
      void enqueueTest(trx, 'test.record', { n: '1' });
      // @ts-expect-error: the product has no task of that name
      void enqueue(trx, 'test.record', { n: 1 });
      // @ts-expect-error: a job is enqueued in the action's transaction, not on the pool
      void enqueueTest(db, 'test.record', { n: 1 });
    };
    expect(typeChecks).toBeTypeOf('function');
  });
});
