// Reading the outbox for a consumer (the Slack bot) and moving its cursor forward, never back.
import { sql } from 'kysely';
import { inTransaction, type Executor } from '@hops/db';
import { lockEventsForReading } from '../events.ts';

export interface EventItem {
  id: number;
  at: string;
  kind: string;
  payload: Record<string, unknown>;
}

export async function eventsSince(db: Executor, consumer: string, limit: number) {
  return inTransaction(db, async (trx) => {
    await lockEventsForReading(trx);
    const cursor = await trx
      .selectFrom('eventCursors')
      .select('lastEventId')
      .where('consumer', '=', consumer)
      .executeTakeFirst();
    const after = cursor?.lastEventId ?? 0;
    const rows = await trx
      .selectFrom('events')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
    const events: EventItem[] = rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      kind: r.kind,
      payload: r.payload as Record<string, unknown>,
    }));
    return { cursor: after, events };
  });
}

/** Moves the cursor to `lastEventId` unless it is already further; returns where it stands. */
export async function commitEvents(db: Executor, consumer: string, lastEventId: number) {
  const row = await db
    .insertInto('eventCursors')
    .values({ consumer, lastEventId })
    .onConflict((oc) =>
      oc.column('consumer').doUpdateSet({
        lastEventId: sql`greatest(event_cursors.last_event_id, excluded.last_event_id)`,
      }),
    )
    .returning('lastEventId')
    .executeTakeFirstOrThrow();
  return { consumer, lastEventId: row.lastEventId };
}
