// Shared start-up of the database commands (and of @hops/api's demo seed): parse the environment,
// reach the database, clean up.
import { createDb, type Db } from '../client.ts';
import { resolveDatabase } from '../connection.ts';
import { dbEnv, type DbEnv } from '../env.ts';

export async function runWithDb(
  name: string,
  work: (db: Db, url: string) => Promise<void>,
): Promise<void> {
  let env: DbEnv;
  try {
    env = dbEnv();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
    return;
  }
  const database = await resolveDatabase({ databaseUrl: env.DATABASE_URL });
  const where =
    database.source === 'external' ? 'DATABASE_URL' : `embedded PostgreSQL (${database.source})`;
  console.log(`${name}: using ${where}`);
  const db = createDb({ connectionString: database.url, applicationName: `hops-${name}` });
  try {
    await work(db, database.url);
  } catch (error) {
    console.error(`${name} failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await db.destroy();
    await database.stop();
  }
}
