// copyInto (copy.ts): COPY … FROM STDIN on a transaction's own connection, streamed chunk by
// chunk with backpressure; rolled back with its transaction; a failing chunk or a refused row
// cancels it, stores nothing and leaves the connection usable.
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { copyInto } from './copy.ts';
import { inTransaction } from './tx.ts';
import { useTestDatabase } from './testing/index.ts';

const { db } = await useTestDatabase({ max: 1 });

beforeEach(async () => {
  await sql`DROP TABLE IF EXISTS copy_probe`.execute(db);
  await sql`CREATE TABLE copy_probe (n int PRIMARY KEY, label text, amount numeric(14,4))`.execute(
    db,
  );
});

const count = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM copy_probe`.execute(db)).rows[0]!.n;

function* rows(total: number, perChunk: number, label = (n: number) => `row ${n}`) {
  for (let start = 0; start < total; start += perChunk) {
    let chunk = '';
    for (let n = start; n < Math.min(total, start + perChunk); n++) {
      chunk += `${n}\t${label(n)}\t${n}.5\n`;
    }
    yield chunk;
  }
}

describe('copyInto', () => {
  it('stores every row of many chunks (past the stream buffer) in the transaction, as sent', async () => {
    const stored = await inTransaction(db, (trx) =>
      copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', rows(50_000, 1_000)),
    );
    expect(stored).toBe(50_000);
    const { rows: sample } = await sql<{ n: number; label: string; amount: string }>`
      SELECT n, label, amount FROM copy_probe WHERE n IN (0, 49999) ORDER BY n`.execute(db);
    expect(sample).toEqual([
      { n: 0, label: 'row 0', amount: '0.5000' },
      { n: 49999, label: 'row 49999', amount: '49999.5000' },
    ]);
  });

  it('keeps COPY text escapes and NULL', async () => {
    await inTransaction(db, (trx) =>
      copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', [
        '1\ttab\\there\\\\back\t\\N\n',
      ]),
    );
    const { rows: stored } = await sql<{ label: string; amount: string | null }>`
      SELECT label, amount FROM copy_probe`.execute(db);
    expect(stored).toEqual([{ label: 'tab\there\\back', amount: null }]);
  });

  it('is rolled back with its transaction', async () => {
    await expect(
      inTransaction(db, async (trx) => {
        await copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', rows(100, 10));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(0);
  });

  it('a chunk that throws cancels the COPY with its error; nothing stored, the connection fine', async () => {
    function* failing() {
      yield* rows(5_000, 1_000);
      throw new Error('the rows could not be made');
    }
    await expect(
      inTransaction(db, (trx) =>
        copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', failing()),
      ),
    ).rejects.toThrow('the rows could not be made');
    expect(await count()).toBe(0);
    // The one pooled connection answers the next statement.
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });

  it("a row PostgreSQL refuses fails the COPY with PostgreSQL's error; nothing stored", async () => {
    const duplicate = ['1\ta\t1\n', '2\tb\t2\n', '1\tagain\t3\n'];
    await expect(
      inTransaction(db, (trx) =>
        copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', duplicate),
      ),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(
      inTransaction(db, (trx) =>
        copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', ['x\ty\tz\n']),
      ),
    ).rejects.toMatchObject({ code: '22P02' });
    expect(await count()).toBe(0);
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });

  it('runs whileStoring once every chunk is sent and before it resolves; its error fails the COPY', async () => {
    const events: string[] = [];
    function* told() {
      yield* rows(20_000, 1_000);
      events.push('all sent');
    }
    const stored = await inTransaction(db, async (trx) => {
      const n = await copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', told(), {
        whileStoring: () => events.push('while storing'),
      });
      events.push('resolved');
      return n;
    });
    expect(stored).toBe(20_000);
    expect(events).toEqual(['all sent', 'while storing', 'resolved']);

    await expect(
      inTransaction(db, (trx) =>
        copyInto(trx, 'COPY copy_probe (n, label, amount) FROM STDIN', ['30000\tx\t1\n'], {
          whileStoring: () => {
            throw new Error('the plan failed');
          },
        }),
      ),
    ).rejects.toThrow('the plan failed');
    expect(await count()).toBe(20_000);
  });

  it('takes only a COPY … FROM STDIN', async () => {
    await expect(copyInto(db, 'DELETE FROM copy_probe', [])).rejects.toThrow(/COPY … FROM STDIN/);
  });
});
