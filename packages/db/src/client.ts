// The one way to reach PostgreSQL: Kysely over node-postgres, with dates and money kept as strings.
import { createHash } from 'node:crypto';
import { CamelCasePlugin, Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import { CopySource, runCopy } from './copy.ts';
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
  // copyInto's COPY … FROM STDIN, on every connection of every pool.
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) =>
      typeof text === 'string' && Array.isArray(values) && values[0] instanceof CopySource
        ? runCopy(query, text, values[0])
        : query(text, values, ...rest);
  });
  pool.on('release', (_error, client) => client.removeListener('error', inUse));
  return pool;
}

/**
 * The most statements one connection keeps prepared. The product has a few hundred distinct
 * statements; one whose text varies with its input (a list spelled out as $1, $2, …) would
 * otherwise prepare a new one per length. Past the cap, statements run unprepared.
 */
export const MAX_PREPARED_PER_CONNECTION = 300;
const prepared = new WeakMap<pg.PoolClient, Set<string>>();

/** Statement texts and their names, hashed once per process (a read hashes its text per call otherwise). */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `hops_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    // Texts that vary with their input would grow this without end: start over past a bound.
    if (statementNames.size >= 4 * MAX_PREPARED_PER_CONNECTION) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Every statement with parameters runs as a named prepared statement on its connection (its name
 * the hash of its text): PostgreSQL parses and plans it once per connection instead of once per
 * call, and node-postgres then sends only Bind/Execute. Statements without parameters (BEGIN,
 * COMMIT, a migration's several statements in one text) keep the simple protocol.
 */
function preparing(client: pg.PoolClient): pg.PoolClient {
  if (prepared.has(client)) return client;
  const names = new Set<string>();
  prepared.set(client, names);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    if (
      typeof text !== 'string' ||
      !Array.isArray(values) ||
      values.length === 0 ||
      values[0] instanceof CopySource
    ) {
      return query(text, values, ...rest);
    }
    const name = statementName(text);
    if (!names.has(name)) {
      if (names.size >= MAX_PREPARED_PER_CONNECTION) return query(text, values, ...rest);
      names.add(name);
    }
    return query({ name, text, values }, ...rest);
  };
  return client;
}

/** A pool whose connections prepare their statements (see `preparing`), for Kysely. */
function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => preparing(await pool.connect()),
    end: () => pool.end(),
  };
}

/** Creates the Kysely instance. Column names are snake_case in SQL and camelCase in TypeScript. */
export function createDb(options: CreateDbOptions): Db {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: preparingPool(createPool(options)) }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
}
