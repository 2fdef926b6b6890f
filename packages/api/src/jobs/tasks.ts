// The product's jobs: one handler per task of TaskPayloads, and the periodic ones. Issues add
// their tasks here and in TaskPayloads together; the server runs exactly this list.
import type { Db } from '@hops/db';
import type { Logger } from '../context.ts';
import type { TaskPayloads } from './queue.ts';
import type { CronEntry, TaskHandlers } from './runner.ts';

/** What the product's jobs are built from (grows with them: integrations, secrets, …). */
export interface JobDeps {
  db: Db;
  log: Logger;
}

export interface ProductJobs {
  tasks: TaskHandlers<TaskPayloads>;
  crontab: CronEntry<TaskPayloads>[];
}

export function productJobs(_deps: JobDeps): ProductJobs {
  return { tasks: {}, crontab: [] };
}
