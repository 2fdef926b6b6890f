// COPY … FROM STDIN through Kysely, on the connection of the executor given (a transaction's own):
// PostgreSQL's fastest way in. The rows are streamed as they are made, so PostgreSQL stores the
// first chunks while the next are being written.
import { once } from 'node:events';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { from as copyFromStdin } from 'pg-copy-streams';

/** The rows of one COPY: chunks of COPY's text format (rows ending in \n), made as they are read. */
export class CopySource {
  constructor(
    readonly chunks: Iterable<string>,
    /** Run once every chunk is on its way, while PostgreSQL is still storing them. */
    readonly whileStoring?: () => void,
  ) {}
}

const COPY_FROM_STDIN = /^\s*COPY\s[^;]+\sFROM\s+STDIN\b[^;]*$/i;

/**
 * Runs `statement` (`COPY table (columns) FROM STDIN`) with the rows of `chunks` on `db`'s
 * connection (use the transaction's), and returns how many rows it stored. A chunk that throws
 * cancels the COPY (nothing it sent stays) and its error is thrown here; so is PostgreSQL's, for
 * a row it refuses.
 */
export async function copyInto(
  db: Kysely<Database>,
  statement: string,
  chunks: Iterable<string>,
  options: {
    /**
     * Work to do once every chunk is sent, while PostgreSQL is still storing them (the last
     * chunks wait in the socket's buffers): what would otherwise wait for the COPY to end. If
     * it throws, its error is thrown here once the COPY has ended (and the transaction must be
     * rolled back: the rows stay otherwise).
     */
    whileStoring?: () => void;
  } = {},
): Promise<number> {
  if (!COPY_FROM_STDIN.test(statement)) {
    throw new Error(`copyInto runs one COPY … FROM STDIN, not: ${statement.slice(0, 80)}`);
  }
  const result = await db.executeQuery<{ count: number }>(
    CompiledQuery.raw(statement, [new CopySource(chunks, options.whileStoring)]),
  );
  return result.rows[0]?.count ?? 0;
}

type Query = (submittable: unknown) => unknown;

/**
 * What a pool connection's query does with a COPY whose one parameter is a CopySource (client.ts):
 * the rows written with the stream's backpressure, and a result shaped like node-postgres's.
 */
export async function runCopy(query: Query, statement: string, source: CopySource) {
  const stream = query(copyFromStdin(statement)) as ReturnType<typeof copyFromStdin>;
  let refused: unknown;
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', (error) => {
      refused ??= error;
      reject(error);
    });
  });
  try {
    for (const chunk of source.chunks) {
      if (!stream.write(chunk)) await once(stream, 'drain');
      if (refused !== undefined) throw refused;
    }
    stream.end();
  } catch (error) {
    if (refused === undefined) {
      // The rows' own error: cancel the COPY (CopyFail) and wait for PostgreSQL to have dropped
      // it, so the connection is ready for the next statement; this error is the one to report.
      stream.destroy(error as Error);
      await finished.then(
        () => undefined,
        () => undefined,
      );
    }
    throw error;
  }
  let failed: { error: unknown } | undefined;
  try {
    source.whileStoring?.();
  } catch (error) {
    failed = { error };
  }
  await finished;
  if (failed) throw failed.error;
  return { command: 'COPY', rowCount: stream.rowCount, rows: [{ count: stream.rowCount }] };
}
