// Test databases: each test file gets its own, cloned from the migrated template of the run.
import { afterAll } from 'vitest';
import { inject } from 'vitest';
import { createDb, type Db } from '../client.ts';
import { adminQuery, databaseUrl, uniqueName } from './shared.ts';

export interface TestDatabase {
  db: Db;
  /** Connection string of this file's database, for servers and raw clients. */
  url: string;
  name: string;
  kind: 'external' | 'local' | 'embedded';
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own. */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const { serverUrl, template, kind } = inject('hopsTestDatabase');
  const name = uniqueName('hops_test');
  await adminQuery(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  // A test database needs no durability: not waiting for the WAL flush makes commits cheap.
  await adminQuery(serverUrl, `ALTER DATABASE ${name} SET synchronous_commit = off`);
  const url = databaseUrl(serverUrl, name);
  const db = createDb({
    connectionString: url,
    max: options.max ?? 10,
    applicationName: 'hops-test',
    // Tests queue hundreds of calls on a small pool on a shared 2-core machine: a wait for a free
    // connection is not an outage here (the product's 10 s stays as it is).
    connectionTimeoutMillis: 60_000,
  });
  let dropped = false;
  return {
    db,
    url,
    name,
    kind,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.destroy();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Creates this file's database once and drops it after the file's tests. */
export async function useTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const database = await createTestDatabase(options);
  afterAll(() => database.drop());
  return database;
}

export { uniqueName } from './shared.ts';
export { expectPgError, PgCode, type ExpectedPgError } from './pg-error.ts';
