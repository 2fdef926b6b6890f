// The one way to reach PostgreSQL: Kysely over node-postgres, with dates and money kept as strings.
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

const { Pool, types } = pg;

/** Type parsers for this product's pools: dates stay `YYYY-MM-DD`, numerics stay decimal strings. */
const OID_INT8 = 20;
const OID_DATE = 1082;
const OID_NUMERIC = 1700;

const identity = (value: string) => value;

function getTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === OID_DATE || oid === OID_NUMERIC) return identity;
  // bigint ids (events.id) and count(*) fit comfortably in a JS number here.
  if (oid === OID_INT8) return (value: string) => Number.parseInt(value, 10);
  return types.getTypeParser(oid, format);
}

export interface CreateDbOptions {
  connectionString: string;
  /** Pool size; default 10. */
  max?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /** How long a query may wait for a free connection before it fails; default 10 s. */
  connectionTimeoutMillis?: number;
  /** Server-side statement timeout; default none. */
  statementTimeoutMillis?: number;
}

export type Db = Kysely<Database>;

export function createPool(options: CreateDbOptions): pg.Pool {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'hops',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    ...(options.statementTimeoutMillis
      ? { statement_timeout: options.statementTimeoutMillis }
      : {}),
    types: { getTypeParser } as pg.CustomTypesConfig,
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool
  // drops it and the next query opens a new one.
  pool.on('error', (error) => {
    console.error(`[db] idle connection lost: ${error.message}`);
  });
  // A connection can also die while checked out (between two statements of a transaction when
  // the server restarts or the session is killed): without a listener its 'error' event would
  // crash the process. The next statement on it fails, and the API answers 503.
  const inUse = (error: Error) => console.error(`[db] connection in use lost: ${error.message}`);
  pool.on('acquire', (client) => client.on('error', inUse));
  pool.on('release', (_error, client) => client.removeListener('error', inUse));
  return pool;
}

/** Creates the Kysely instance. Column names are snake_case in SQL and camelCase in TypeScript. */
export function createDb(options: CreateDbOptions): Db {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool(options) }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
}
