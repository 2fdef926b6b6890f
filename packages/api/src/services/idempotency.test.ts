// Idempotency keys against a real PostgreSQL: a key runs its call once, however many repeats come
// and however concurrently; a repeat gets the first answer; another input on the same key is
// refused; a failure on our side releases the key; an interrupted call is never run again; keys
// expire after a day. Then the same through a tRPC procedure (credits.grant), as a caller sends it.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import {
  callerAs,
  expectTrpcError,
  makeUser,
  recordingLogger,
  testDeps,
} from '../../test/helpers.ts';
import { AppError } from '../errors.ts';
import { SecretBox } from '../secrets.ts';
import {
  IDEMPOTENCY_KEY_FIELD,
  IDEMPOTENCY_TTL_MS,
  INTERRUPTED_AFTER_MS,
  inputHash,
  pruneIdempotencyKeys,
  runIdempotent,
  takeIdempotencyKey,
  type IdempotencyOptions,
  type IdempotentCall,
  type Outcome,
} from './idempotency.ts';

const { db } = await useTestDatabase({ max: 20 });

const box = new SecretBox(Buffer.alloc(32, 7).toString('base64'));
const options = (extra: Partial<IdempotencyOptions> = {}): IdempotencyOptions => ({
  box,
  log: recordingLogger(),
  pollMs: 10,
  ...extra,
});

const call = (extra: Partial<IdempotentCall> = {}): IdempotentCall => ({
  caller: 'service:test',
  key: randomUUID(),
  procedure: 'things.make',
  input: { name: 'a thing', size: 3 },
  ...extra,
});

/** A run that counts how often it was carried out and answers `data`. */
function counted(data: unknown = { made: true }, delayMs = 0) {
  const calls = { n: 0 };
  const run = async () => {
    calls.n += 1;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { result: data, outcome: { ok: true, data } satisfies Outcome };
  };
  return { calls, run };
}

async function expectConflict(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => expect.fail('expected a CONFLICT, but the call went through'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).kind).toBe('CONFLICT');
  return (error as AppError).message;
}

describe('runIdempotent', () => {
  it('runs a key once; a repeat gets the first answer without running', async () => {
    const c = call();
    const { calls, run } = counted({ id: 'x1', amount: '1.2500' });
    expect(await runIdempotent(db, c, options(), run)).toEqual({
      replayed: false,
      result: { id: 'x1', amount: '1.2500' },
    });
    expect(await runIdempotent(db, c, options(), run)).toEqual({
      replayed: true,
      outcome: { ok: true, data: { id: 'x1', amount: '1.2500' } },
    });
    // The same input with its keys in another order is the same input.
    const reordered = { ...c, input: { size: 3, name: 'a thing' } };
    expect((await runIdempotent(db, reordered, options(), run)).replayed).toBe(true);
    expect(calls.n).toBe(1);
  });

  it('runs once when many repeats arrive at once; each waits and gets the answer', async () => {
    const c = call();
    const { calls, run } = counted({ id: 'once' }, 150);
    const all = await Promise.all(
      Array.from({ length: 8 }, () => runIdempotent(db, c, options(), run)),
    );
    expect(calls.n).toBe(1);
    expect(all.filter((r) => !r.replayed)).toHaveLength(1);
    for (const r of all) {
      expect(r.replayed ? r.outcome : { ok: true, data: r.result }).toEqual({
        ok: true,
        data: { id: 'once' },
      });
    }
  });

  it('refuses the same key with another input or for another procedure, and runs nothing', async () => {
    const c = call();
    const { calls, run } = counted();
    await runIdempotent(db, c, options(), run);
    expect(
      await expectConflict(
        runIdempotent(db, { ...c, input: { name: 'a thing', size: 4 } }, options(), run),
      ),
    ).toBe(
      'This idempotency key was already used with a different input. Use a new key for a different request.',
    );
    expect(
      await expectConflict(runIdempotent(db, { ...c, procedure: 'things.drop' }, options(), run)),
    ).toBe(
      'This idempotency key was already used for things.make. Use a new key for a different request.',
    );
    expect(calls.n).toBe(1);
  });

  it('keeps keys of different callers apart', async () => {
    const key = randomUUID();
    const { calls, run } = counted();
    await runIdempotent(db, call({ key, caller: 'service:one' }), options(), run);
    await runIdempotent(db, call({ key, caller: 'service:two' }), options(), run);
    await runIdempotent(db, call({ key, caller: 'user:someone' }), options(), run);
    expect(calls.n).toBe(3);
  });

  it('keeps a refusal and answers it again', async () => {
    const c = call();
    let n = 0;
    const refused = async () => {
      n += 1;
      return {
        result: 'refused',
        outcome: { ok: false, code: 'NOT_FOUND', message: 'There is no such thing.' } as Outcome,
      };
    };
    await runIdempotent(db, c, options(), refused);
    expect(await runIdempotent(db, c, options(), refused)).toEqual({
      replayed: true,
      outcome: { ok: false, code: 'NOT_FOUND', message: 'There is no such thing.' },
    });
    expect(n).toBe(1);
  });

  it('releases the key when nothing is to be kept or the run throws: a repeat runs again', async () => {
    const c = call();
    let n = 0;
    const failing = async () => {
      n += 1;
      return { result: 'failed', outcome: null };
    };
    await runIdempotent(db, c, options(), failing);
    await expect(
      runIdempotent(db, c, options(), async () => {
        n += 1;
        throw new Error('the database went away');
      }),
    ).rejects.toThrow('the database went away');
    const { run } = counted({ finally: true });
    expect(await runIdempotent(db, c, options(), run)).toEqual({
      replayed: false,
      result: { finally: true },
    });
    expect(n).toBe(2);
  });

  it('keeps no refusal that only says "not now" (a rate limit, an outage): a repeat runs again', async () => {
    const c = call();
    let n = 0;
    for (const code of ['TOO_MANY_REQUESTS', 'SERVICE_UNAVAILABLE']) {
      const limited = await runIdempotent(db, c, options(), async () => {
        n += 1;
        return { result: code, outcome: { ok: false, code, message: 'Not now.' } as Outcome };
      });
      expect(limited).toEqual({ replayed: false, result: code });
    }
    expect((await runIdempotent(db, c, options(), counted().run)).replayed).toBe(false);
    expect(n).toBe(2);
  });

  it('keeps the answer sealed: a secret in it is not readable in the table', async () => {
    const c = call();
    const secret = `https://hops.test/invite/${randomUUID()}`;
    await runIdempotent(db, c, options(), counted({ inviteUrl: secret }).run);
    const row = await db
      .selectFrom('idempotencyKeys')
      .selectAll()
      .where('caller', '=', c.caller)
      .where('key', '=', c.key)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      state: 'done',
      procedure: 'things.make',
      inputHash: inputHash(c.input),
    });
    expect(row.outcome).not.toContain(secret);
    expect(row.outcome).not.toContain('invite');
    expect(SecretBox.isSealed(row.outcome!)).toBe(true);
  });

  it('tells a repeat that waited too long that the first call is still being carried out', async () => {
    const c = call();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const first = runIdempotent(db, c, options(), async () => {
      await slow;
      return { result: 1, outcome: { ok: true, data: 1 } };
    });
    // Until the first has claimed the key, a repeat would claim it itself.
    await waitForRow(c);
    const { calls, run } = counted();
    expect(await expectConflict(runIdempotent(db, c, options({ waitMs: 100 }), run))).toBe(
      'The first request with this idempotency key is still being carried out. Please try again in a moment.',
    );
    release();
    await first;
    expect((await runIdempotent(db, c, options(), run)).replayed).toBe(true);
    expect(calls.n).toBe(0);
  });

  it('never runs again a call that was cut off before it answered', async () => {
    const c = call();
    // A server claimed the key and stopped before it could keep an answer.
    const claimedAt = new Date(Date.now() - INTERRUPTED_AFTER_MS - 1000);
    await db
      .insertInto('idempotencyKeys')
      .values({
        caller: c.caller,
        key: c.key,
        procedure: c.procedure,
        inputHash: inputHash(c.input),
        createdAt: claimedAt,
        expiresAt: new Date(claimedAt.getTime() + IDEMPOTENCY_TTL_MS),
      })
      .execute();
    const { calls, run } = counted();
    expect(await expectConflict(runIdempotent(db, c, options(), run))).toBe(
      'The first request with this idempotency key was interrupted before it answered, so it is not carried out again. Check whether it took effect; to try again, send it with a new key.',
    );
    expect(calls.n).toBe(0);
  });

  it('forgets a key after a day: it runs again, and expired keys are dropped', async () => {
    const c = call();
    const { calls, run } = counted();
    await runIdempotent(db, c, options(), run);
    const later = new Date(Date.now() + IDEMPOTENCY_TTL_MS + 60_000);
    // Even with another input: the old use is gone.
    const again = { ...c, input: { other: true } };
    expect((await runIdempotent(db, again, options({ now: () => later }), run)).replayed).toBe(
      false,
    );
    expect(calls.n).toBe(2);

    const stale = call();
    await runIdempotent(db, stale, options(), run);
    expect(await pruneIdempotencyKeys(db, later, 10_000)).toBeGreaterThanOrEqual(1);
    const left = await db
      .selectFrom('idempotencyKeys')
      .select('key')
      .where('key', 'in', [stale.key, c.key])
      .execute();
    // The key taken over later expires a day after its new use.
    expect(left.map((r) => r.key)).toEqual([c.key]);
  });
});

async function waitForRow(c: IdempotentCall) {
  for (let i = 0; i < 200; i++) {
    const row = await db
      .selectFrom('idempotencyKeys')
      .select('state')
      .where('caller', '=', c.caller)
      .where('key', '=', c.key)
      .executeTakeFirst();
    if (row) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the first call never claimed its key');
}

describe('takeIdempotencyKey', () => {
  it('takes the key out of the input, and leaves inputs without one alone', () => {
    expect(takeIdempotencyKey({ a: 1, [IDEMPOTENCY_KEY_FIELD]: 'k-1' })).toEqual({
      key: 'k-1',
      input: { a: 1 },
    });
    expect(takeIdempotencyKey({ a: 1 })).toBeNull();
    expect(takeIdempotencyKey(undefined)).toBeNull();
    expect(takeIdempotencyKey(['k'])).toBeNull();
  });

  it.each<[unknown, string]>([
    ['', 'empty'],
    ['has space', 'space'],
    ['x'.repeat(201), 'long'],
    [42, 'number'],
  ])('refuses a key that is not 1–200 printable characters (%#: %s)', (key) => {
    expect(() => takeIdempotencyKey({ [IDEMPOTENCY_KEY_FIELD]: key })).toThrow(
      'The idempotency key ($idempotencyKey) must be 1 to 200 printable characters without spaces.',
    );
  });
});

describe('a mutation sent with a key (credits.grant)', () => {
  const grant = (userId: string, key: string, amount = '5') =>
    ({
      userId,
      amount,
      pool: 'free',
      reason: 'idempotent grant',
      [IDEMPOTENCY_KEY_FIELD]: key,
    }) as { userId: string; amount: string; pool: 'free'; reason: string };

  async function setUp() {
    const admin = await makeUser(db, { isAdmin: true });
    const owner = await makeUser(db);
    const deps = testDeps();
    const slack = await callerAs(db, { service: true, actAs: admin.id }, deps);
    const ledger = async () =>
      db
        .selectFrom('creditTransactions')
        .select(['amount', 'kind'])
        .where('userId', '=', owner.id)
        .where('kind', '=', 'grant')
        .execute();
    return { admin, owner, deps, slack, ledger };
  }

  it('grants once, and a repeat (also at once, also by another admin) answers the same', async () => {
    const { owner, deps, slack, ledger } = await setUp();
    const key = randomUUID();
    const [first, second] = await Promise.all([
      slack.credits.grant(grant(owner.id, key)),
      slack.credits.grant(grant(owner.id, key)),
    ]);
    expect(second).toEqual(JSON.parse(JSON.stringify(first)));
    const otherAdmin = await makeUser(db, { isAdmin: true });
    const other = await callerAs(db, { service: true, actAs: otherAdmin.id }, deps);
    expect(await other.credits.grant(grant(owner.id, key))).toEqual(second);
    expect(await ledger()).toHaveLength(1);
    // A new key is a new grant.
    await slack.credits.grant(grant(owner.id, randomUUID()));
    expect(await ledger()).toHaveLength(2);
  });

  it('refuses the same key with another amount, and grants nothing more', async () => {
    const { owner, slack, ledger } = await setUp();
    const key = randomUUID();
    await slack.credits.grant(grant(owner.id, key, '5'));
    expect(await expectTrpcError(slack.credits.grant(grant(owner.id, key, '50')), 'CONFLICT')).toBe(
      'This idempotency key was already used with a different input. Use a new key for a different request.',
    );
    expect(await ledger()).toHaveLength(1);
  });

  it('answers a repeat of a refused call with the same refusal; a refused input releases the key', async () => {
    const { slack, owner } = await setUp();
    const key = randomUUID();
    const missing = grant('test|nobody-at-all', key);
    const message = await expectTrpcError(slack.credits.grant(missing), 'NOT_FOUND');
    expect(await expectTrpcError(slack.credits.grant(missing), 'NOT_FOUND')).toBe(message);

    const bad = randomUUID();
    await expectTrpcError(slack.credits.grant(grant(owner.id, bad, '-3')), 'BAD_REQUEST');
    // Nothing was kept for the refused input: the key is free for the corrected call.
    await slack.credits.grant(grant(owner.id, bad, '3'));
  });

  it('holds a repeat to the same rights: a non-admin gets no stored answer', async () => {
    const { owner, slack, deps } = await setUp();
    const key = randomUUID();
    await slack.credits.grant(grant(owner.id, key));
    const plain = await callerAs(db, { service: true, actAs: owner.id }, deps);
    await expectTrpcError(plain.credits.grant(grant(owner.id, key)), 'FORBIDDEN');
  });
});
