// The callers' user rows, kept in this process so that a request makes one round trip to
// PostgreSQL (its question) instead of two (the caller's row, then the question): measured in
// `pnpm bench` (reads), the second round trip was a fifth of the server's busy time at 32
// connections. A kept row is never trusted longer than the database says it holds:
// - every change of a caller's columns is announced at its commit on `hops_user_changed`
//   (migration 0020), from whichever replica, job or psql session, and the row is forgotten when
//   the announcement arrives (on loopback, well under a millisecond after the commit);
// - this process forgets every row after each request that may have changed one (the server calls
//   clear()), so its own changes are seen by its next request without waiting for the
//   announcement;
// - while the listening connection is down, nothing is kept and every caller is read from the
//   database, exactly as without the cache; what was kept is dropped when it goes, since
//   announcements may be missed from then on;
// - a row read while an announcement arrived is not kept (it may predate the change);
// - no row is kept longer than `maxAgeMs`, a bound even for a connection that dies without a word.
// So another replica's change reaches this one's callers within the announcement's delivery, as a
// request that began just before the change would have seen the old row anyway.
import { openListener, type Listener } from '@hops/db';
import type { UserActor } from './actor.ts';
import type { Logger } from './context.ts';
import type { Executor } from './db.ts';
import { loadCallerRow, sessionAllowed, type CallerRow } from './services/users.ts';

/** The channel of migration 0020; the payload is a user id, or '*' for every user. */
export const USER_CHANGED_CHANNEL = 'hops_user_changed';

export interface CallerCacheOptions {
  connectionString: string;
  log: Logger;
  /** Rows kept at most (the oldest read goes first); default 10 000. */
  maxEntries?: number;
  /** How long a row is kept at most; default 5 s. */
  maxAgeMs?: number;
  /** Pause before listening again after the connection was lost or refused; default 1 s. */
  retryMs?: number;
}

export interface CallerCache {
  /**
   * The caller (null when there is no such user, or `sessionIssuedAt` is before the user's
   * sessions were revoked): what loadUserActor answers, from memory when the row is current.
   */
  load(db: Executor, userId: string, sessionIssuedAt?: Date): Promise<UserActor | null>;
  /** Forgets every row: after a request of this process that may have changed one. */
  clear(): void;
  /** Whether rows are being kept (the listening connection is up). */
  readonly listening: boolean;
  /** Stops listening; load() then reads every caller from the database. */
  close(): Promise<void>;
}

interface Entry {
  row: CallerRow;
  readAt: number;
}

/** Starts listening (in the background: until it listens, every caller is read). */
export function startCallerCache(options: CallerCacheOptions): CallerCache {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const retryMs = options.retryMs ?? 1_000;
  const entries = new Map<string, Entry>();
  // Moves on with every announcement and every clear: a row read across one is not kept.
  let generation = 0;
  let listener: Listener | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  // Logged once per outage, not once per attempt.
  let failing = false;

  const forgetAll = () => {
    entries.clear();
    generation++;
  };

  const listen = async () => {
    retry = undefined;
    try {
      const opened = await openListener({
        connectionString: options.connectionString,
        channel: USER_CHANGED_CHANNEL,
        applicationName: 'hops-caller-cache',
        onNotification(payload) {
          generation++;
          if (payload === '*') entries.clear();
          else entries.delete(payload);
        },
        onLost(error) {
          listener = null;
          forgetAll();
          options.log.warn(
            { err: error },
            'caller cache: lost the connection that hears user changes; reading every caller from the database until it is back',
          );
          failing = true;
          schedule();
        },
      });
      if (closed) {
        await opened.close();
        return;
      }
      // Anything kept before may have changed unheard while nobody listened.
      forgetAll();
      listener = opened;
      if (failing) options.log.info('caller cache: hearing user changes again');
      failing = false;
    } catch (error) {
      if (!failing) {
        options.log.warn(
          { err: error },
          'caller cache: cannot listen for user changes; reading every caller from the database until it can',
        );
      }
      failing = true;
      schedule();
    }
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => void listen(), retryMs);
    retry.unref();
  };
  void listen();

  return {
    get listening() {
      return listener !== null;
    },

    async load(db, userId, sessionIssuedAt) {
      const now = Date.now();
      let entry = listener ? entries.get(userId) : undefined;
      if (entry && now - entry.readAt > maxAgeMs) {
        entries.delete(userId);
        entry = undefined;
      }
      let row = entry?.row ?? null;
      if (!entry) {
        const seen = generation;
        row = await loadCallerRow(db, userId);
        if (row && listener && generation === seen) {
          // Shared by every request of this caller from now on: none may change it.
          Object.freeze(row.actor);
          entries.set(userId, { row, readAt: now });
          if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
        }
      }
      return row && sessionAllowed(row, sessionIssuedAt) ? row.actor : null;
    },

    clear: forgetAll,

    async close() {
      closed = true;
      clearTimeout(retry);
      forgetAll();
      const open = listener;
      listener = null;
      await open?.close();
    },
  };
}
