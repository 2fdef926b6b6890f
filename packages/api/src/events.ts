// The outbox of alert-worthy events (SPEC §2.2), written in the transaction of their cause.
//
// Ids come from a sequence, so a transaction that commits late can hold a smaller id than one
// already read. To never skip one, writers take a shared advisory lock until they commit, and a
// reader takes it exclusively before reading: it then sees every event whose id it hands out.
import { sql } from 'kysely';
import type { Executor } from '@hops/db';

const EVENTS_LOCK = 7_060_001;

export type EventKind =
  | 'cluster.capacity_high'
  | 'cluster.over_capacity'
  | 'cluster.no_room'
  | 'credits.exhausted'
  | 'invite.accepted';

export async function emitEvent(
  trx: Executor,
  kind: EventKind,
  payload: Record<string, unknown>,
): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock_shared(${EVENTS_LOCK})`.execute(trx);
  await trx
    .insertInto('events')
    .values({ kind, payload: JSON.stringify(payload) })
    .execute();
}

/** Waits for in-flight writers; call inside the reading transaction, before reading. */
export async function lockEventsForReading(trx: Executor): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${EVENTS_LOCK})`.execute(trx);
}
