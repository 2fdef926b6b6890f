// Array parameters as array text (sql-arrays.ts): PostgreSQL reads back exactly what was sent,
// whatever the text holds.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { bareArray, quotedArray } from './sql-arrays.ts';

const { db } = await useTestDatabase();

describe('array parameters', () => {
  it('any text, quoted, comes back as sent, NULL and the word "NULL" apart', async () => {
    const values = [
      'plain',
      '',
      'NULL',
      null,
      'with "quotes"',
      'back\\slash\\',
      'comma, {braces}',
      '  spaces  ',
      'tab\tnew\nline',
      'ünïcødé ✓',
      '{"a": [1, "b\\"c"]}',
    ];
    const { rows } = await sql<{ a: (string | null)[] }>`
      SELECT ${quotedArray(values)}::text[] AS a`.execute(db);
    expect(rows[0]!.a).toEqual(values);
  });

  it('text with nothing to escape (one join) comes back as sent too', async () => {
    const values = ['gen|a1', '', 'NULL', ' spaced ', 'comma, {braces}', 'ünïcødé'];
    const { rows } = await sql<{ a: string[] }>`
      SELECT ${quotedArray(values)}::text[] AS a`.execute(db);
    expect(rows[0]!.a).toEqual(values);
  });

  it('json documents go through jsonb[] unchanged', async () => {
    const docs = [{ p: 'x"y', q: ['\\', null] }, {}, null];
    const { rows } = await sql<{ a: unknown[] }>`
      SELECT ${quotedArray(docs.map((d) => (d === null ? null : JSON.stringify(d))))}::jsonb[] AS a`.execute(
      db,
    );
    expect(rows[0]!.a).toEqual(docs);
  });

  it('bare elements: uuids, days and decimals, with NULL', async () => {
    const { rows } = await sql<{ u: (string | null)[]; d: (string | null)[]; n: string[] }>`
      SELECT ${bareArray(['3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6', null])}::uuid[] AS u,
             ${bareArray(['2026-01-31', null])}::date[]::text[] AS d,
             ${bareArray(['0', '12.3456', '9999999999.9999'])}::numeric[]::text[] AS n`.execute(db);
    expect(rows[0]).toEqual({
      u: ['3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6', null],
      d: ['2026-01-31', null],
      n: ['0', '12.3456', '9999999999.9999'],
    });
  });

  it('empty arrays', async () => {
    const { rows } = await sql<{ a: string[]; b: string[] }>`
      SELECT ${quotedArray([])}::text[] AS a, ${bareArray([])}::uuid[] AS b`.execute(db);
    expect(rows[0]).toEqual({ a: [], b: [] });
  });
});
