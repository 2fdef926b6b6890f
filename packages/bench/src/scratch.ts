// Where benchmarks keep their data: scratch databases on one PostgreSQL server (BENCH_SERVER_URL,
// or the local one at 127.0.0.1:5432), created and dropped by name, and the facts about that
// server a benchmark report states. Run directly: `tsx src/scratch.ts create|drop <name>` prints
// the database's URL (create) or drops it; `tsx src/scratch.ts facts` prints the server's facts.
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

export function benchServerUrl(): string {
  return process.env.BENCH_SERVER_URL || LOCAL_SERVER;
}

export function databaseUrlOf(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function adminQuery(statement: string, serverUrl = benchServerUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates (empty, or as a copy of `template`) and returns the URL; refuses odd names. */
export async function createScratchDatabase(
  name: string,
  options: { template?: string } = {},
): Promise<string> {
  for (const n of [name, options.template]) {
    if (n !== undefined && !SAFE_NAME.test(n)) throw new Error(`Not a scratch database name: ${n}`);
  }
  await adminQuery(
    `CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ''}`,
  );
  return databaseUrlOf(benchServerUrl(), name);
}

/**
 * Drops it. A pool's end() resolves before its sockets have closed, so the sessions of a pool just
 * destroyed may linger for a moment: wait for them rather than kill them (killed, they report
 * errors), and force only if some are still there after a few seconds.
 */
export async function dropScratchDatabase(name: string): Promise<void> {
  if (!SAFE_NAME.test(name)) throw new Error(`Not a scratch database name: ${name}`);
  for (let attempt = 0; attempt < 30; attempt++) {
    try {
      await adminQuery(`DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch (error) {
      // 55006: the database is being accessed by other users.
      if ((error as { code?: string }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export interface ServerFacts {
  version: string;
  settings: Record<string, string>;
}

/** PostgreSQL's version and the settings that move these numbers. */
export async function serverFacts(serverUrl = benchServerUrl()): Promise<ServerFacts> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const version = (
      await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")
    ).rows[0]!.v;
    const { rows } = await client.query<{ name: string; setting: string }>(`
      SELECT name, current_setting(name) AS setting FROM pg_settings
      WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'synchronous_commit',
                     'max_parallel_workers_per_gather', 'jit', 'random_page_cost')
      ORDER BY name`);
    return { version, settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])) };
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, name] = process.argv.slice(2);
  if (command === 'create' && name) console.log(await createScratchDatabase(name));
  else if (command === 'drop' && name) await dropScratchDatabase(name);
  else if (command === 'facts') console.log(JSON.stringify(await serverFacts()));
  else {
    console.error('usage: tsx src/scratch.ts create <name> | drop <name> | facts');
    process.exitCode = 1;
  }
}
