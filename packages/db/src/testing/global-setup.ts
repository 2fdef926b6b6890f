// Vitest globalSetup shared by every package: finds a PostgreSQL server (TEST_DATABASE_URL, the
// local one at 127.0.0.1:5432, or an embedded one started for this run), migrates a template
// database once, and hands its name to the test files, which clone it (see createTestDatabase).
// A package whose tests need more in every database than the migrations make (packages/api: the
// job queue's schema) wraps `setupTestDatabases` with a `prepareTemplate` of its own, so this
// package depends on none of it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDb } from '../client.ts';
import { answers } from '../connection.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../embedded.ts';
import { migrateToLatest } from '../migrate.ts';
import { adminQuery, databaseUrl, uniqueName, type TestDatabaseInfo } from './shared.ts';

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestTemplateOptions {
  /** Runs on the migrated template before it is frozen, with its connection string. */
  prepareTemplate?: (url: string) => Promise<void>;
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupTestDatabases(project);
}

export async function setupTestDatabases(
  project: TestProject,
  options: TestTemplateOptions = {},
): Promise<() => Promise<void>> {
  let embedded: EmbeddedServer | undefined;
  // TEST_DATABASE_URL=embedded forces the embedded server (what a machine without PostgreSQL gets).
  const forceEmbedded = process.env.TEST_DATABASE_URL === 'embedded';
  let serverUrl = forceEmbedded ? undefined : process.env.TEST_DATABASE_URL;
  let kind: TestDatabaseInfo['kind'] = 'external';
  if (!serverUrl) {
    if (!forceEmbedded && (await answers(LOCAL_SERVER))) {
      serverUrl = LOCAL_SERVER;
      kind = 'local';
    } else {
      const dataDir = join(mkdtempSync(join(tmpdir(), 'hops-test-pg-')), 'data');
      embedded = await startEmbeddedPostgres({ dataDir, persistent: false });
      serverUrl = embedded.url;
      kind = 'embedded';
    }
  }
  console.log(`[hops test] PostgreSQL: ${kind} (${redact(serverUrl)})`);

  const template = uniqueName('hops_tpl');
  await adminQuery(serverUrl, `CREATE DATABASE ${template}`);
  const db = createDb({ connectionString: databaseUrl(serverUrl, template), max: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  await options.prepareTemplate?.(databaseUrl(serverUrl, template));
  // Only a template may be cloned while nobody is connected; mark it as one.
  await adminQuery(
    serverUrl,
    `ALTER DATABASE ${template} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
  );
  const info: TestDatabaseInfo = { serverUrl, template, kind };
  project.provide('hopsTestDatabase', info);

  return async () => {
    await adminQuery(serverUrl, `ALTER DATABASE ${template} WITH IS_TEMPLATE false`);
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${template}`);
    await embedded?.stop();
  };
}

function redact(url: string): string {
  return url.replace(/:[^:@/]+@/, ':***@');
}
