// Pieces the API benchmarks share: callers through the real router, a database handle that
// records the SQL it runs (so a plan or a raw replay uses the very same statements), and EXPLAIN.
import { randomBytes } from 'node:crypto';
import {
  createCaller,
  createContextInner,
  loadUserActor,
  SecretBox,
  type ApiDeps,
} from '@hops/api';
import { createPool, type Database, type Db } from '@hops/db';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

const quiet = () => undefined;

export function benchDeps(): ApiDeps {
  return {
    secrets: new SecretBox(randomBytes(32).toString('base64')),
    publicUrl: 'http://bench.invalid',
    log: { info: quiet, warn: quiet, error: quiet },
  };
}

/** The router as a service token calls it (usage.ingest). */
export function serviceCaller(db: Db) {
  return createCaller(
    createContextInner({
      db,
      deps: benchDeps(),
      service: { name: 'bench', scopes: ['ingest'] },
      via: 'service',
    }),
  );
}

/**
 * The router as a signed-in user calls it (the user row read as a request would): a tRPC caller,
 * like @hops/api/testing's `callerAs` — not a service function's actor like its `userCaller`.
 * `deps` once for callers that must read each other's secrets (a cluster's sealed keys).
 */
export async function routerCallerAs(db: Db, userId: string, deps: ApiDeps = benchDeps()) {
  const user = await loadUserActor(db, userId);
  if (!user) throw new Error(`bench: no user ${userId}`);
  return createCaller(createContextInner({ db, deps, user, via: 'web' }));
}

export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

/** A Db exactly like createDb's, which also keeps every statement it runs in `statements`. */
export function recordingDb(connectionString: string, max = 4) {
  const statements: Statement[] = [];
  const db: Db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool({ connectionString, max }) }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
    log: (event) => {
      if (event.level === 'query') {
        statements.push({ sql: event.query.sql, parameters: event.query.parameters });
      }
    },
  });
  return { db, statements };
}

/**
 * A Db exactly like createDb's that adds up, per statement text, how long PostgreSQL took (as the
 * driver saw it): where a path's time goes between SQL and everything else. `reset` starts over.
 */
export function timingDb(connectionString: string, max = 4) {
  const spent = new Map<string, { ms: number; calls: number }>();
  const db: Db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool({ connectionString, max }) }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
    log: (event) => {
      if (event.level !== 'query') return;
      const entry = spent.get(event.query.sql) ?? { ms: 0, calls: 0 };
      entry.ms += event.queryDurationMillis;
      entry.calls += 1;
      spent.set(event.query.sql, entry);
    },
  });
  return { db, spent, reset: () => spent.clear() };
}

/** EXPLAIN (ANALYZE, BUFFERS) of one statement (after `setup`), in a transaction rolled back. */
export async function explain(
  connectionString: string,
  statement: Statement,
  setup?: string,
): Promise<string> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('BEGIN');
    if (setup) await client.query(setup);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`,
      statement.parameters as unknown[],
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

/** Statements shortened for a report (whitespace folded). */
export const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();
