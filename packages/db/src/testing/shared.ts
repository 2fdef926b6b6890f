// Pieces of the test harness used both by the global setup and by the test files.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabaseInfo {
  serverUrl: string;
  template: string;
  kind: 'external' | 'local' | 'embedded';
}

declare module 'vitest' {
  export interface ProvidedContext {
    hopsTestDatabase: TestDatabaseInfo;
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs one statement on the server's maintenance database (CREATE / DROP DATABASE). */
export async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
