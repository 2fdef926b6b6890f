// createDb's connections prepare every statement that has parameters (named by the hash of its
// text, once per connection), keep the simple protocol for the rest, and stop preparing past the
// cap: what PostgreSQL holds for the connection, read from pg_prepared_statements.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MAX_PREPARED_PER_CONNECTION } from './client.ts';
import { useTestDatabase } from './testing/index.ts';

const { db } = await useTestDatabase({ max: 1 });

const preparedOnConnection = async () =>
  (
    await sql<{ name: string; statement: string }>`
      SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'hops_%'`.execute(db)
  ).rows;

describe('createDb: prepared statements', () => {
  it('prepares a statement with parameters once, under one name, and gives the same answers', async () => {
    const before = (await preparedOnConnection()).length;
    const answers: number[] = [];
    for (const n of [1, 2, 3]) {
      const { rows } = await sql<{ twice: number }>`SELECT ${n}::int * 2 AS twice`.execute(db);
      answers.push(rows[0]!.twice);
    }
    expect(answers).toEqual([2, 4, 6]);
    const after = await preparedOnConnection();
    // The three calls share one prepared statement; the listing query itself has no parameters.
    expect(after.length - before).toBe(1);
    expect(after.some((p) => p.statement.includes('* 2 AS twice'))).toBe(true);
  });

  it('runs statements without parameters unprepared', async () => {
    const before = (await preparedOnConnection()).length;
    await sql`SELECT 41 + 1 AS answer`.execute(db);
    expect((await preparedOnConnection()).length).toBe(before);
  });

  it('stops preparing at the cap and still answers every statement', async () => {
    const start = (await preparedOnConnection()).length;
    const extra = MAX_PREPARED_PER_CONNECTION - start + 5;
    for (let i = 0; i < extra; i++) {
      const { rows } = await sql<{ v: number }>`SELECT ${i}::int + ${sql.lit(i)} AS v`.execute(db);
      expect(rows[0]!.v).toBe(2 * i);
    }
    expect((await preparedOnConnection()).length).toBe(MAX_PREPARED_PER_CONNECTION);
  });
});
