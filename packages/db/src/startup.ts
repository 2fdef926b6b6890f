// What the product does at start: reach the database (DATABASE_URL or the embedded one), migrate
// it, and in development fill it with the demo data.
import { createDb, type Db } from './client.ts';
import { resolveDatabase, type ResolvedDatabase } from './connection.ts';
import { migrateToLatest } from './migrate.ts';
import { SecretBox } from './secrets.ts';
import { seedDemoData } from './seed.ts';

export interface StartedDatabase {
  db: Db;
  database: ResolvedDatabase;
  close(): Promise<void>;
}

export async function startDatabase(options: {
  databaseUrl?: string | undefined;
  seedWithKey?: string | undefined;
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
    if (options.seedWithKey) {
      for (const line of await seedDemoData(db, { secrets: new SecretBox(options.seedWithKey) })) {
        options.log(`seed: ${line}`);
      }
    }
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
