// @hops/db: data only — the schema types, the migrations and the connection (pg; embedded
// PostgreSQL when DATABASE_URL is unset). Every rule lives in @hops/api.
export { createDb, createPool, type Db, type CreateDbOptions } from './client.ts';
export { copyInto } from './copy.ts';
export { openListener, type Listener, type ListenerOptions } from './listener.ts';
export {
  resolveDatabase,
  answers,
  repoRoot,
  defaultDataDir,
  type ResolvedDatabase,
} from './connection.ts';
export { startEmbeddedPostgres, freePort, type EmbeddedServer } from './embedded.ts';
export { migrateToLatest, migrateDown, migrateToEmpty } from './migrate.ts';
export { startDatabase, type StartedDatabase } from './startup.ts';
export { runWithDb } from './cli/run.ts';
export * from './tx.ts';
export type * from './schema.ts';
