// What the product does at start: reach the database (DATABASE_URL or the embedded one) and
// migrate it. The demo data is the API's to make (it goes through the services).
import { createDb, type Db } from './client.ts';
import { resolveDatabase, type ResolvedDatabase } from './connection.ts';
import { migrateToLatest } from './migrate.ts';

export interface StartedDatabase {
  db: Db;
  database: ResolvedDatabase;
  close(): Promise<void>;
}

export async function startDatabase(options: {
  databaseUrl?: string | undefined;
  log: (line: string) => void;
  pool?: { max?: number; connectionTimeoutMillis?: number; statementTimeoutMillis?: number };
}): Promise<StartedDatabase> {
  const database = await resolveDatabase({ databaseUrl: options.databaseUrl });
  options.log(
    database.source === 'external'
      ? 'database: DATABASE_URL'
      : `database: embedded PostgreSQL in .data/postgres (${database.source})`,
  );
  const db = createDb({ connectionString: database.url, applicationName: 'hops', ...options.pool });
  try {
    for (const line of await migrateToLatest(db)) options.log(line);
  } catch (error) {
    await db.destroy();
    await database.stop();
    throw error;
  }
  return {
    db,
    database,
    async close() {
      await db.destroy();
      await database.stop();
    },
  };
}
