// Opaque cursors for keyset pagination: base64url of a small JSON array of the last row's keys.
import { sql, type RawBuilder } from 'kysely';
import { badRequest } from './errors.ts';

export function encodeCursor(keys: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  length: number,
): (string | number)[] | null {
  if (!cursor) return null;
  try {
    const keys = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(keys) &&
      keys.length === length &&
      keys.every((k) => ['string', 'number'].includes(typeof k))
    ) {
      return keys as (string | number)[];
    }
  } catch (error) {
    throw badRequest(
      `This page cursor is not valid (${(error as Error).message}). Start from the first page.`,
    );
  }
  throw badRequest('This page cursor is not valid. Start from the first page.');
}

/** Fetch `limit + 1` rows, then call this: the page and the cursor of the next one. */
export function pageOf<T>(rows: T[], limit: number, keys: (row: T) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(keys(last)) : null,
  };
}

/**
 * A timestamp as a cursor key, with PostgreSQL's full microsecond precision (a JS Date keeps
 * milliseconds only, and a cursor rounded that way skips or repeats rows).
 */
export function timeKey(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const TIME_KEY_SHAPE = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Whether `value` is a `timeKey` of a moment that exists: the shape, and a day and time of the
 * calendar (no 2026-13-45, no 25:61, no year 0000), so that PostgreSQL never sees an impossible
 * timestamp from a cursor a caller made up.
 */
export function isTimeKey(value: string): boolean {
  const shape = TIME_KEY_SHAPE.exec(value);
  if (!shape || shape[1] === '0000') return false;
  const moment = new Date(`${value.slice(0, 23)}Z`);
  return (
    !Number.isNaN(moment.getTime()) && moment.toISOString().slice(0, 23) === value.slice(0, 23)
  );
}

/** `isTimeKey` where a pattern is asked for: `TIME_KEY.test(key)`. */
export const TIME_KEY: Pick<RegExp, 'test'> = { test: isTimeKey };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decodes a `[timeKey, id]` cursor made by `pageOf`; null for the first page. */
export function decodeTimeCursor(
  cursor: string | undefined,
  idPattern: RegExp = /^.+$/s,
): { at: string; id: string } | null {
  const keys = decodeCursor(cursor, 2);
  if (!keys) return null;
  const [at, id] = keys;
  if (typeof at !== 'string' || !isTimeKey(at) || typeof id !== 'string' || !idPattern.test(id)) {
    throw badRequest('This page cursor is not valid. Start from the first page.');
  }
  return { at, id };
}

/** `(time, id) < (cursor)`: the rows after the cursor in newest-first order. */
export function beforeCursor(
  timeColumn: string,
  idColumn: string,
  cursor: { at: string; id: string },
) {
  return sql<boolean>`(${sql.ref(timeColumn)}, ${sql.ref(idColumn)}) < (${cursor.at}::timestamptz, ${cursor.id})`;
}
