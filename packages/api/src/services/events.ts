// Reading the outbox for a consumer (the Slack bot) and moving its cursor forward, never back.
// A consumer belongs to the service token that first read or moved it (SPEC §12): another token
// is refused, so no token can silence another's alerts by pushing its cursor to the end. A consumer
// whose owner is no longer configured (a token renamed, e.g. a bare `legacy` one given its name,
// or removed) is free again for the first token to use it.
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

/** Who reads or moves a cursor: the token's name, and the names of every configured token. */
export interface CursorCaller {
  token: string;
  /** null when not known (a context built directly): then no owner is taken to be gone. */
  configured: readonly string[] | null;
}

const isFreeFor = (caller: CursorCaller, owner: string | null) =>
  owner === null ||
  owner === caller.token ||
  (caller.configured !== null && !caller.configured.includes(owner));

/**
 * The cursor row is the caller's, nobody's or a token's that is gone (another replica with the
 * same token may claim it first).
 */
const ownedByOrFree = (caller: CursorCaller) => (eb: ExpressionBuilder<DB, 'eventCursors'>) =>
  eb.or([
    eb('eventCursors.ownerToken', 'is', null),
    eb('eventCursors.ownerToken', '=', caller.token),
    ...(caller.configured
      ? [eb('eventCursors.ownerToken', 'not in', [...caller.configured, caller.token])]
      : []),
  ]);

/**
 * The consumer's cursor, claimed for the caller if no (configured) token owns it yet (a new
 * consumer starts at 0). Refused when another token owns it.
 */
async function claimCursor(
  trx: Transaction,
  consumer: string,
  caller: CursorCaller,
): Promise<number> {
  const { token } = caller;
  const cursor = await trx
    .selectFrom('eventCursors')
    .select(['lastEventId', 'ownerToken'])
    .where('consumer', '=', consumer)
    .executeTakeFirst();
  if (cursor && cursor.ownerToken === token) return cursor.lastEventId;
  if (cursor && !isFreeFor(caller, cursor.ownerToken)) throw notTheOwner(consumer);
  // Free or new: the first token to use it owns it (a racing token that wins is the owner).
  const claimed = await trx
    .insertInto('eventCursors')
    .values({ consumer, lastEventId: 0, ownerToken: token })
    .onConflict((oc) =>
      oc.column('consumer').doUpdateSet({ ownerToken: token }).where(ownedByOrFree(caller)),
    )
    .returning('lastEventId')
    .executeTakeFirst();
  if (!claimed) throw notTheOwner(consumer);
  return claimed.lastEventId;
}

/** events.since: the consumer's cursor and up to `limit` events after it, oldest first. */
export async function readEventsSince(
  db: Executor,
  caller: CursorCaller,
  input: { consumer: string; limit: number },
): Promise<{ cursor: number; events: OutboxEvent[] }> {
  return inTransaction(db, async (trx) => {
    await lockEventsForReading(trx);
    const after = await claimCursor(trx, input.consumer, caller);
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
 * events.commit: moves the cursor to `lastEventId` unless it is already further; only the
 * caller's own (or a free) consumer, which it then owns.
 */
export async function commitEvents(
  trx: Transaction,
  caller: CursorCaller,
  input: { consumer: string; lastEventId: number },
): Promise<{ consumer: string; lastEventId: number }> {
  const row = await trx
    .insertInto('eventCursors')
    .values({ consumer: input.consumer, lastEventId: input.lastEventId, ownerToken: caller.token })
    .onConflict((oc) =>
      oc
        .column('consumer')
        .doUpdateSet({
          lastEventId: sql`greatest(event_cursors.last_event_id, excluded.last_event_id)`,
          ownerToken: caller.token,
        })
        .where(ownedByOrFree(caller)),
    )
    .returning('lastEventId')
    .executeTakeFirst();
  if (!row) throw notTheOwner(input.consumer);
  return { consumer: input.consumer, lastEventId: row.lastEventId };
}
