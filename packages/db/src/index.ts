// @hops/db: the schema types, the connection, migrations, seed data, rates and money.
export { createDb, createPool, type Db, type CreateDbOptions } from './client.ts';
export {
  resolveDatabase,
  answers,
  repoRoot,
  defaultDataDir,
  type ResolvedDatabase,
} from './connection.ts';
export { startEmbeddedPostgres, freePort, type EmbeddedServer } from './embedded.ts';
export { migrateToLatest, migrateDown, migrateToEmpty } from './migrate.ts';
export { seedDemoData, demoInviteSecret, DEMO_USERS, utcDay } from './seed.ts';
export { startDatabase, type StartedDatabase } from './startup.ts';
export { SecretBox } from './secrets.ts';
export * from './money.ts';
export * from './rates.ts';
export * from './tx.ts';
export type * from './schema.ts';
