// Idempotency keys (SPEC §12): a mutation sent with a key is carried out once per (caller, key),
// whichever API server receives it, however often and however concurrently it is sent, across
// restarts. The key is claimed with a committed row (in_progress) before the mutation runs, and
// the row keeps the mutation's answer (sealed: an answer can carry an invite link) once it is done.
// A repeat waits for the first call and gets its answer; a repeat with another input, or for
// another procedure, is refused with a sentence. A call cut off between its claim and its answer
// (its server stopped) is never run again on that key: a repeat is told so, and a new key is the
// way to try again. Keys expire a day after they were first used; expired rows are taken over by
// a new claim of the same key and dropped a few at a time by later claims (pruneIdempotencyKeys).
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '@hops/db';
import type { Logger } from '../context.ts';
import { badRequest, conflict } from '../errors.ts';
import type { SecretBox } from '../secrets.ts';

/**
 * Where a caller puts its key: a field of the mutation's input object, which the API takes out
 * before the input is checked. (A tRPC batch shares its headers, so a header could not say which
 * call of a batch a key is for.) The Slack bot writes the same name (apps/slackbot/src/api.ts).
 */
export const IDEMPOTENCY_KEY_FIELD = '$idempotencyKey';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** A call still in progress this long after its claim was cut off: repeats are told so. */
export const INTERRUPTED_AFTER_MS = 5 * 60_000;

/**
 * Refusals that say "not now" rather than answer the call (an outage, a rate limit, a timeout):
 * never kept, so a repeat runs the call again.
 */
const TRANSIENT_CODES = new Set([
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
  'TOO_MANY_REQUESTS',
  'TIMEOUT',
  'CLIENT_CLOSED_REQUEST',
  'BAD_GATEWAY',
  'GATEWAY_TIMEOUT',
]);

/** Printable ASCII without spaces, as the bot's keys and the usual UUIDs are. */
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** What a key stands for: who sent it, the key, and the call it was sent with. */
export interface IdempotentCall {
  /** `service:<token name>` or `user:<id>`: keys of different callers never meet. */
  caller: string;
  key: string;
  /** The procedure's path, e.g. `credits.grant`. */
  procedure: string;
  /** The input without the key. */
  input: unknown;
}

/** A finished call's answer as it is kept and given again: its data, or its refusal. */
export type Outcome = { ok: true; data: unknown } | { ok: false; code: string; message: string };

export interface IdempotencyOptions {
  box: SecretBox;
  log: Logger;
  now?: () => Date;
  /** How long a repeat waits for the first call to finish before it is told to try again later. */
  waitMs?: number;
  /** How often a waiting repeat looks again. */
  pollMs?: number;
}

export type IdempotentRun<R> =
  { replayed: false; result: R } | { replayed: true; outcome: Outcome };

/**
 * The key and the input without it, if the raw input carries a key; null if it does not. A key
 * that is not a string of 1–200 printable characters is refused.
 */
export function takeIdempotencyKey(raw: unknown): { key: string; input: unknown } | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  if (!Object.hasOwn(raw, IDEMPOTENCY_KEY_FIELD)) return null;
  const { [IDEMPOTENCY_KEY_FIELD]: key, ...input } = raw as Record<string, unknown>;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw badRequest(
      `The idempotency key (${IDEMPOTENCY_KEY_FIELD}) must be 1 to 200 printable characters without spaces.`,
    );
  }
  return { key, input };
}

/** sha256 of the input as canonical JSON (keys sorted), so the same input hashes the same. */
export function inputHash(input: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(input) ?? 'null')
    .digest('hex');
}

function canonicalJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v) ?? 'null').join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .flatMap((k) => {
      const v = canonicalJson((value as Record<string, unknown>)[k]);
      return v === undefined ? [] : [`${JSON.stringify(k)}:${v}`];
    });
  return `{${entries.join(',')}}`;
}

/**
 * Runs `run` once for the call's key. `run` gives the call's result and the outcome to keep for
 * repeats, or null to keep nothing (the call failed in a way a repeat should try again: our
 * fault or an outage), which releases the key; so does a refusal with a transient code (a rate
 * limit, an outage) or a throw. A repeat of a finished call gets its outcome
 * (`replayed`) without running; a repeat of one in progress waits for it.
 */
export async function runIdempotent<R>(
  db: Db,
  call: IdempotentCall,
  options: IdempotencyOptions,
  run: () => Promise<{ result: R; outcome: Outcome | null }>,
): Promise<IdempotentRun<R>> {
  const now = options.now ?? (() => new Date());
  const waitMs = options.waitMs ?? 10_000;
  const pollMs = options.pollMs ?? 50;
  const hash = inputHash(call.input);
  const waitUntil = now().getTime() + waitMs;

  for (;;) {
    const claimedAt = await claim(db, call, hash, now());
    if (claimedAt) {
      let ran: { result: R; outcome: Outcome | null };
      try {
        ran = await run();
      } catch (error) {
        // Thrown rather than answered: nothing to keep, so a repeat may run again.
        await settle(db, call, claimedAt, null, options);
        throw error;
      }
      const kept =
        ran.outcome?.ok === false && TRANSIENT_CODES.has(ran.outcome.code) ? null : ran.outcome;
      await settle(db, call, claimedAt, kept, options);
      return { replayed: false, result: ran.result };
    }
    const row = await db
      .selectFrom('idempotencyKeys')
      .select(['procedure', 'inputHash', 'state', 'outcome', 'createdAt'])
      .where('caller', '=', call.caller)
      .where('key', '=', call.key)
      .executeTakeFirst();
    // Released (the first call failed on our side) or expired between the two statements.
    if (!row) continue;
    if (row.procedure !== call.procedure || row.inputHash !== hash) {
      throw conflict(
        row.procedure === call.procedure
          ? 'This idempotency key was already used with a different input. Use a new key for a different request.'
          : `This idempotency key was already used for ${row.procedure}. Use a new key for a different request.`,
      );
    }
    if (row.state === 'done' && row.outcome !== null) {
      return { replayed: true, outcome: JSON.parse(options.box.decrypt(row.outcome)) as Outcome };
    }
    if (now().getTime() - row.createdAt.getTime() > INTERRUPTED_AFTER_MS) {
      throw conflict(
        'The first request with this idempotency key was interrupted before it answered, so it is not carried out again. Check whether it took effect; to try again, send it with a new key.',
      );
    }
    if (now().getTime() >= waitUntil) {
      throw conflict(
        'The first request with this idempotency key is still being carried out. Please try again in a moment.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Claims the key: a new row, or an expired one taken over. Resolves with the claim's time (which
 * identifies this claim of the row), or null when someone holds the key.
 */
async function claim(db: Db, call: IdempotentCall, hash: string, at: Date): Promise<Date | null> {
  const expiresAt = new Date(at.getTime() + IDEMPOTENCY_TTL_MS);
  const { rows } = await sql<{ createdAt: Date }>`
    INSERT INTO idempotency_keys (caller, key, procedure, input_hash, created_at, expires_at)
    VALUES (${call.caller}, ${call.key}, ${call.procedure}, ${hash}, ${at}, ${expiresAt})
    ON CONFLICT (caller, key) DO UPDATE SET
      procedure = EXCLUDED.procedure, input_hash = EXCLUDED.input_hash, state = 'in_progress',
      outcome = NULL, created_at = EXCLUDED.created_at, finished_at = NULL,
      expires_at = EXCLUDED.expires_at
    WHERE idempotency_keys.expires_at <= EXCLUDED.created_at
    RETURNING created_at AS "createdAt"`.execute(db);
  return rows[0]?.createdAt ?? null;
}

/**
 * Keeps the outcome (or releases the key), then drops a few expired keys. The call has acted by
 * now, so a failure here is logged, not thrown: the key then stays in progress, and repeats are
 * told the call was interrupted rather than run again.
 */
async function settle(
  db: Db,
  call: IdempotentCall,
  claimedAt: Date,
  outcome: Outcome | null,
  options: IdempotencyOptions,
): Promise<void> {
  const now = options.now ?? (() => new Date());
  try {
    if (outcome) {
      await db
        .updateTable('idempotencyKeys')
        .set({
          state: 'done',
          outcome: options.box.encrypt(JSON.stringify(outcome)),
          finishedAt: now(),
        })
        .where('caller', '=', call.caller)
        .where('key', '=', call.key)
        .where('createdAt', '=', claimedAt)
        .where('state', '=', 'in_progress')
        .execute();
    } else {
      await db
        .deleteFrom('idempotencyKeys')
        .where('caller', '=', call.caller)
        .where('key', '=', call.key)
        .where('createdAt', '=', claimedAt)
        .where('state', '=', 'in_progress')
        .execute();
    }
    await pruneIdempotencyKeys(db, now());
  } catch (error) {
    options.log.error(
      { err: error, caller: call.caller, key: call.key, procedure: call.procedure },
      'could not record the outcome of an idempotent call; repeats will be told it was interrupted',
    );
  }
}

/** Drops up to `limit` expired keys (those not being claimed right now); resolves with how many. */
export async function pruneIdempotencyKeys(db: Db, at: Date, limit = 100): Promise<number> {
  const result = await sql`
    DELETE FROM idempotency_keys WHERE (caller, key) IN (
      SELECT caller, key FROM idempotency_keys WHERE expires_at <= ${at}
      ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
