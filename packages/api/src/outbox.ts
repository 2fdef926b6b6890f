// The outbox of alert-worthy events (SPEC §2.2), written in the transaction of their cause. The
// events themselves are one union, `HopsEvent` (./events.ts), shared with every reader.
//
// Ids come from a sequence, so a transaction that commits late can hold a smaller id than one
// already read. To never skip one, writers take a shared advisory lock until they commit, and a
// reader takes it exclusively before reading: it then sees every event whose id it hands out.
import { sql } from 'kysely';
import type { Transaction } from './db.ts';
import type { HopsEvent } from './events.ts';

const EVENTS_LOCK = 7_060_001;

export async function emitEvent(trx: Transaction, event: HopsEvent): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock_shared(${EVENTS_LOCK})`.execute(trx);
  await trx
    .insertInto('events')
    .values({ kind: event.kind, payload: JSON.stringify(event.payload) })
    .execute();
}

/** Waits for in-flight writers; call inside the reading transaction, before reading. */
export async function lockEventsForReading(trx: Transaction): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${EVENTS_LOCK})`.execute(trx);
}
