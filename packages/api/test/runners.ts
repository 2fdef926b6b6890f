// Job runners for a test file: each started on the file's database with some of its tasks (a
// replica that knows only those), polling often, and stopped after each test.
import { spawn } from 'node:child_process';
import { afterEach } from 'vitest';
import {
  startJobRunner,
  type JobRunner,
  type JobRunnerOptions,
  type TaskHandlers,
} from '../src/jobs/runner.ts';
import { recordingLogger, waitFor } from './helpers.ts';

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

/**
 * A job runner in a process of its own (`args` after `node --import tsx`), its output kept; it
 * prints "runner started" once it runs. `killed()` kills it with SIGKILL (no goodbye: its jobs
 * stay locked) and waits for it to be gone.
 */
export async function startChildRunner(args: string[], options: { cwd?: string } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const killed = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitFor('the child runner to start', async () => out.includes('runner started'), 30_000);
  } catch (error) {
    await killed();
    throw error;
  }
  return { output: () => out, killed };
}
