// Job runners for a test file: each started on the file's database with some of its tasks (a
// replica that knows only those), polling often, and stopped after each test.
import { afterEach } from 'vitest';
import {
  startJobRunner,
  type JobRunner,
  type JobRunnerOptions,
  type TaskHandlers,
} from '../src/jobs/runner.ts';
import { recordingLogger } from './helpers.ts';

export function useJobRunners<M>(url: string) {
  /** The runners still running, oldest first. */
  const running: JobRunner[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((runner) => runner.stop()));
  });
  async function start(
    tasks: Partial<TaskHandlers<M>>,
    options: Partial<JobRunnerOptions<M>> = {},
  ) {
    const log = recordingLogger();
    const runner = await startJobRunner<M>({
      connectionString: url,
      log,
      pollIntervalMs: 100,
      ...options,
      tasks: tasks as TaskHandlers<M>,
    });
    running.push(runner);
    return { runner, log };
  }
  return { running, start };
}
