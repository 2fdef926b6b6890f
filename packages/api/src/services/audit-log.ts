// Reading the audit log (SPEC §3.5): newest first, filtered, one keyset page at a time.
import { sql } from 'kysely';
import type { Json } from '@hops/db';
import type { Executor } from '../db.ts';
import { beforeCursor, decodeTimeCursor, pageOf, timeKey, UUID } from '../pagination.ts';

export interface AuditItem {
  id: string;
  at: string;
  actorUserId: string | null;
  actorEmail: string | null;
  via: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /**
   * The e-mail of the person the change is about: the target user's, or for an invite the
   * invitee's (`details.email`); null when the change is about no person.
   */
  targetEmail: string | null;
  details: Json;
}

export interface AuditFilter {
  actorId?: string | undefined;
  /** An exact action (`clusters.update`), or a prefix ending in `.*` (`clusters.*`). */
  action?: string | undefined;
  targetId?: string | undefined;
  /** Case-insensitive part of the e-mail of who acted (the Who column). */
  actorEmail?: string | undefined;
  /** Case-insensitive part of the e-mail of whom the change is about (`targetEmail`). */
  targetEmail?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** What the table shows of whom a change is about (see AuditItem.targetEmail). */
const targetEmail = sql<
  string | null
>`coalesce(${sql.ref('t.email')}, ${sql.ref('l.details')} ->> 'email')`;

/** A LIKE pattern for a substring, its wildcards taken literally. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

export async function listAudit(
  db: Executor,
  filter: AuditFilter,
): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const cursor = decodeTimeCursor(filter.cursor, UUID);
  let query = db
    .selectFrom('auditLog as l')
    .leftJoin('users as u', 'u.id', 'l.actorUserId')
    .leftJoin('users as t', (join) =>
      join.onRef('t.id', '=', 'l.targetId').on('l.targetType', '=', 'user'),
    )
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
    .select(targetEmail.as('targetEmail'))
    .select(timeKey('l.at').as('atKey'))
    .orderBy('l.at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(filter.limit + 1);
  if (filter.actorId) query = query.where('l.actorUserId', '=', filter.actorId);
  if (filter.targetId) query = query.where('l.targetId', '=', filter.targetId);
  if (filter.actorEmail) query = query.where('u.email', 'ilike', contains(filter.actorEmail));
  if (filter.targetEmail) {
    query = query.where(sql<boolean>`${targetEmail} ILIKE ${contains(filter.targetEmail)}`);
  }
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
      targetEmail: r.targetEmail,
      details: r.details,
    })),
    nextCursor: page.nextCursor,
  };
}
