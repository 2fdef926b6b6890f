// Run by outage.test.ts in a process of its own (a crash must not take the test runner down): a
// transaction's connection is terminated between two statements, as a database restart does. The
// process must survive, and the transaction must fail with an error the API maps to 503.
import { createDb } from '@hops/db';
import { isDatabaseUnavailable } from '@hops/api';
import { sql } from 'kysely';

const url = process.argv[2];
if (!url) throw new Error('usage: lost-connection.ts <database url>');
const db = createDb({ connectionString: url, max: 2 });
const other = createDb({ connectionString: url, max: 1 });
let outcome = 'the transaction committed on a terminated connection';
try {
  await db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
    await sql`SELECT pg_terminate_backend(${rows[0]!.pid})`.execute(other);
    // Work between two statements, while the server's goodbye arrives on the idle socket.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sql`SELECT 1`.execute(trx);
  });
} catch (error) {
  outcome = isDatabaseUnavailable(error)
    ? 'unavailable'
    : `an error the API does not map to 503: ${(error as Error).message}`;
}
// The pool still serves: the dead connection was dropped, not handed out again.
const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
await db.destroy();
await other.destroy();
console.log(JSON.stringify({ outcome, poolServes: rows[0]?.one === 1 }));
