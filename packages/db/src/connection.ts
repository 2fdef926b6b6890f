// Where the product's database is: DATABASE_URL, or else an embedded PostgreSQL in .data/postgres.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded.ts';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const defaultDataDir = resolve(repoRoot, '.data/postgres');
export const DEFAULT_EMBEDDED_PORT = 54329;

export interface ResolvedDatabase {
  url: string;
  /** 'external' for DATABASE_URL, 'embedded' when this process started the server, 'shared' when
   * another process of ours (say the dev server) already runs the embedded one. */
  source: 'external' | 'embedded' | 'shared';
  stop(): Promise<void>;
}

export async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false; // not answering is the expected outcome this function reports
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function resolveDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir?: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<ResolvedDatabase> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, source: 'external', stop: async () => {} };
  }
  const port = options.port ?? DEFAULT_EMBEDDED_PORT;
  const url = `postgres://postgres:hops-embedded@127.0.0.1:${port}/postgres`;
  if (await answers(url)) {
    return { url, source: 'shared', stop: async () => {} };
  }
  const server = await startEmbeddedPostgres({
    dataDir: options.dataDir ?? defaultDataDir,
    port,
    ...(options.log ? { log: options.log } : {}),
  });
  return { url: server.url, source: 'embedded', stop: () => server.stop() };
}
