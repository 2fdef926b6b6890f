// The one migrator: used by the CLI, the test harness and the server start.
import { Migrator, type MigrationResultSet, type Kysely } from 'kysely';
import { migrations } from './migrations/index.ts';

function migrator(db: Kysely<unknown>): Migrator {
  // Migrations name columns in snake_case themselves, so they run without the CamelCasePlugin.
  return new Migrator({
    db: db.withoutPlugins(),
    provider: { getMigrations: async () => migrations },
  });
}

function check(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const where = failed ? ` in ${failed.migrationName}` : '';
    throw new Error(
      `Migration failed${where}: ${String((result.error as Error).message ?? result.error)}`,
      {
        cause: result.error,
      },
    );
  }
  return (result.results ?? []).map(
    (r) => `${r.direction === 'Up' ? 'applied' : 'reverted'} ${r.migrationName}`,
  );
}

/** Migrates up to the latest migration; returns a line per migration applied. */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  return check(await migrator(db as Kysely<unknown>).migrateToLatest());
}

/** Reverts the last applied migration; returns what it did. */
export async function migrateDown<T>(db: Kysely<T>): Promise<string[]> {
  return check(await migrator(db as Kysely<unknown>).migrateDown());
}

/** Reverts every migration, back to an empty schema. */
export async function migrateToEmpty<T>(db: Kysely<T>): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const done = await migrateDown(db);
    if (done.length === 0) return lines;
    lines.push(...done);
  }
}
