// Vitest globalSetup for packages/api and the apps' tests that use its services: the shared test
// databases of @hops/db, whose template also holds the job queue's schema (graphile-worker's
// migrations run there once per run), so every cloned database can enqueue from its first test.
import { setupTestDatabases } from '@hops/db/testing/global-setup';
import type { TestProject } from 'vitest/node';
import { migrateJobQueue } from '../src/jobs/runner.ts';

const quiet = { info: () => undefined, warn: console.warn, error: console.error };

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupTestDatabases(project, {
    prepareTemplate: (url) => migrateJobQueue({ connectionString: url, log: quiet }),
  });
}
