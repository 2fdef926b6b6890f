// A replica that dies in the middle of a job (jobs/runner.test.ts): runs the job runner on the
// database given as its argument, with a task that says it started and then never finishes.
import { startJobRunner } from '../src/jobs/runner.ts';

const [connectionString] = process.argv.slice(2);
if (!connectionString) throw new Error('usage: job-runner-child.ts <database url>');

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
await startJobRunner<{ 'test.slow': { n: number } }>({
  connectionString,
  log: quiet,
  pollIntervalMs: 100,
  tasks: {
    'test.slow': (_payload, job) => {
      console.log(`started ${job.id}`);
      return new Promise<never>(() => undefined);
    },
  },
});
console.log('runner started');
