// Reading the outbox for a consumer (the Slack bot) and moving its cursor forward, never back.
import { sql } from 'kysely';
import { inTransaction, type Json } from '@hops/db';
import type { Executor, Transaction } from '../db.ts';
import type { HopsEvent, OutboxEvent } from '../events.ts';
import { lockEventsForReading } from '../outbox.ts';

/** An outbox row as the event its writer emitted (emitEvent only ever writes a `HopsEvent`). */
const asHopsEvent = (kind: string, payload: Json) => ({ kind, payload }) as HopsEvent;

/** events.since: the consumer's cursor and up to `limit` events after it, oldest first. */
export async function readEventsSince(
  db: Executor,
  input: { consumer: string; limit: number },
): Promise<{ cursor: number; events: OutboxEvent[] }> {
  return inTransaction(db, async (trx) => {
    await lockEventsForReading(trx);
    const cursor = await trx
      .selectFrom('eventCursors')
      .select('lastEventId')
      .where('consumer', '=', input.consumer)
      .executeTakeFirst();
    const after = cursor?.lastEventId ?? 0;
    const rows = await trx
      .selectFrom('events')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(input.limit)
      .execute();
    const events = rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      ...asHopsEvent(r.kind, r.payload),
    }));
    return { cursor: after, events };
  });
}

/** events.commit: moves the cursor to `lastEventId` unless it is already further. */
export async function commitEvents(
  trx: Transaction,
  input: { consumer: string; lastEventId: number },
): Promise<{ consumer: string; lastEventId: number }> {
  const row = await trx
    .insertInto('eventCursors')
    .values({ consumer: input.consumer, lastEventId: input.lastEventId })
    .onConflict((oc) =>
      oc.column('consumer').doUpdateSet({
        lastEventId: sql`greatest(event_cursors.last_event_id, excluded.last_event_id)`,
      }),
    )
    .returning('lastEventId')
    .executeTakeFirstOrThrow();
  return { consumer: input.consumer, lastEventId: row.lastEventId };
}
