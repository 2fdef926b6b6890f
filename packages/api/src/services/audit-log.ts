// Reading the audit log (SPEC §3.5): newest first, filtered, one keyset page at a time.
import { sql, type RawBuilder } from 'kysely';
import type { Executor, Json } from '@hops/db';
import { badRequest } from '../errors.ts';
import { decodeCursor, pageOf } from '../pagination.ts';

/**
 * A timestamp as a cursor key, with PostgreSQL's full microsecond precision (a JS Date keeps
 * milliseconds only, and a cursor rounded that way skips or repeats rows).
 */
export function timeKey(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const TIME_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decodes a `[timeKey, id]` cursor made by `pageOf`; null for the first page. */
export function decodeTimeCursor(
  cursor: string | undefined,
  idPattern: RegExp = /^.+$/s,
): { at: string; id: string } | null {
  const keys = decodeCursor(cursor, 2);
  if (!keys) return null;
  const [at, id] = keys;
  if (
    typeof at !== 'string' ||
    !TIME_KEY.test(at) ||
    typeof id !== 'string' ||
    !idPattern.test(id)
  ) {
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

export interface AuditItem {
  id: string;
  at: string;
  actorUserId: string | null;
  actorEmail: string | null;
  via: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Json;
}

export interface AuditFilter {
  actorId?: string | undefined;
  /** An exact action (`clusters.update`), or a prefix ending in `.*` (`clusters.*`). */
  action?: string | undefined;
  targetId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export async function listAudit(
  trx: Executor,
  filter: AuditFilter,
): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const cursor = decodeTimeCursor(filter.cursor, UUID);
  let query = trx
    .selectFrom('auditLog as l')
    .leftJoin('users as u', 'u.id', 'l.actorUserId')
    .select([
      'l.id',
      'l.at',
      'l.actorUserId',
      'u.email as actorEmail',
      'l.via',
      'l.action',
      'l.targetType',
      'l.targetId',
      'l.details',
    ])
    .select(timeKey('l.at').as('atKey'))
    .orderBy('l.at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(filter.limit + 1);
  if (filter.actorId) query = query.where('l.actorUserId', '=', filter.actorId);
  if (filter.targetId) query = query.where('l.targetId', '=', filter.targetId);
  if (filter.action?.endsWith('.*')) {
    const prefix = filter.action.slice(0, -1).replace(/[\\%_]/g, '\\$&');
    query = query.where('l.action', 'like', `${prefix}%`);
  } else if (filter.action) {
    query = query.where('l.action', '=', filter.action);
  }
  if (cursor) query = query.where(beforeCursor('l.at', 'l.id', cursor));
  const rows = await query.execute();
  const page = pageOf(rows, filter.limit, (r) => [r.atKey, r.id]);
  return {
    items: page.items.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actorUserId: r.actorUserId,
      actorEmail: r.actorEmail,
      via: r.via,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      details: r.details,
    })),
    nextCursor: page.nextCursor,
  };
}
