// Opaque cursors for keyset pagination: base64url of a small JSON array of the last row's keys.
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
