// Reading the outbox for a consumer (the Slack bot) and moving its cursor forward, never back.
// A consumer belongs to the service token that first read or moved it (SPEC §12): another token
// is refused, so no token can silence another's alerts by pushing its cursor to the end.
import { sql, type ExpressionBuilder } from 'kysely';
import { inTransaction, type DB, type Json } from '@hops/db';
import type { Executor, Transaction } from '../db.ts';
import { forbidden, type AppError } from '../errors.ts';
import type { HopsEvent, OutboxEvent } from '../events.ts';
import { lockEventsForReading } from '../outbox.ts';

/** An outbox row as the event its writer emitted (emitEvent only ever writes a `HopsEvent`). */
const asHopsEvent = (kind: string, payload: Json) => ({ kind, payload }) as HopsEvent;

function notTheOwner(consumer: string): AppError {
  return forbidden(
    `The event consumer "${consumer}" belongs to another service token; only that token may read or move its cursor.`,
  );
}

/** The cursor row is `token`'s or nobody's (another replica with the same token may claim first). */
const ownedByOrFree = (token: string) => (eb: ExpressionBuilder<DB, 'eventCursors'>) =>
  eb.or([eb('eventCursors.ownerToken', 'is', null), eb('eventCursors.ownerToken', '=', token)]);

/**
 * The consumer's cursor, claimed for `token` if no token owns it yet (a new consumer starts at 0).
 * Refused when another token owns it.
 */
async function claimCursor(trx: Transaction, consumer: string, token: string): Promise<number> {
  const cursor = await trx
    .selectFrom('eventCursors')
    .select(['lastEventId', 'ownerToken'])
    .where('consumer', '=', consumer)
    .executeTakeFirst();
  if (cursor?.ownerToken === token) return cursor.lastEventId;
  if (cursor?.ownerToken) throw notTheOwner(consumer);
  // Unowned or new: the first token to use it owns it (a racing token that wins is the owner).
  const claimed = await trx
    .insertInto('eventCursors')
    .values({ consumer, lastEventId: 0, ownerToken: token })
    .onConflict((oc) =>
      oc.column('consumer').doUpdateSet({ ownerToken: token }).where(ownedByOrFree(token)),
    )
    .returning('lastEventId')
    .executeTakeFirst();
  if (!claimed) throw notTheOwner(consumer);
  return claimed.lastEventId;
}

/** events.since: the consumer's cursor and up to `limit` events after it, oldest first. */
export async function readEventsSince(
  db: Executor,
  token: string,
  input: { consumer: string; limit: number },
): Promise<{ cursor: number; events: OutboxEvent[] }> {
  return inTransaction(db, async (trx) => {
    await lockEventsForReading(trx);
    const after = await claimCursor(trx, input.consumer, token);
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

/**
 * events.commit: moves the cursor to `lastEventId` unless it is already further; only `token`'s
 * own (or a not yet owned) consumer, which it then owns.
 */
export async function commitEvents(
  trx: Transaction,
  token: string,
  input: { consumer: string; lastEventId: number },
): Promise<{ consumer: string; lastEventId: number }> {
  const row = await trx
    .insertInto('eventCursors')
    .values({ consumer: input.consumer, lastEventId: input.lastEventId, ownerToken: token })
    .onConflict((oc) =>
      oc
        .column('consumer')
        .doUpdateSet({
          lastEventId: sql`greatest(event_cursors.last_event_id, excluded.last_event_id)`,
          ownerToken: token,
        })
        .where(ownedByOrFree(token)),
    )
    .returning('lastEventId')
    .executeTakeFirst();
  if (!row) throw notTheOwner(input.consumer);
  return { consumer: input.consumer, lastEventId: row.lastEventId };
}
