import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import type { HopsEvent } from '../events.ts';
import { emitEvent } from '../outbox.ts';
import { callerAs, expectTrpcError, makeUser } from '../../test/helpers.ts';

const { db } = await useTestDatabase({ max: 20 });

type TestKind = 'invite.accepted' | 'cluster.no_room';

/** A test event of `kind` whose payload is told apart by `tag`. */
function event(kind: TestKind, tag: number | string): HopsEvent {
  const owner = { ownerId: `owner-${tag}`, email: `owner-${tag}@example.test` };
  return kind === 'invite.accepted'
    ? {
        kind,
        payload: {
          inviteId: `invite-${tag}`,
          ownerId: owner.ownerId,
          ownerEmail: owner.email,
          memberId: `member-${tag}`,
          memberEmail: `member-${tag}@example.test`,
        },
      }
    : { kind, payload: { ...owner, users: 1 } };
}
const payload = (kind: TestKind, tag: number | string) => event(kind, tag).payload;

async function emit(kind: TestKind, n: number) {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < n; i++) await emitEvent(trx, event(kind, i));
  });
}

describe('events.since / events.commit', () => {
  it('hands out events after the cursor, in order, and moves the cursor only forward', async () => {
    const service = await callerAs(db, { service: true });
    await emit('invite.accepted', 3);
    const first = await service.events.since({ consumer: 'test-a', limit: 2 });
    expect(first.cursor).toBe(0);
    expect(first.events.map((e) => e.payload)).toEqual([
      payload('invite.accepted', 0),
      payload('invite.accepted', 1),
    ]);
    expect(first.events[0]?.kind).toBe('invite.accepted');
    expect(first.events[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const lastId = first.events[1]!.id;
    expect(await service.events.commit({ consumer: 'test-a', lastEventId: lastId })).toEqual({
      consumer: 'test-a',
      lastEventId: lastId,
    });
    const second = await service.events.since({ consumer: 'test-a' });
    expect(second.cursor).toBe(lastId);
    expect(second.events.map((e) => e.payload)).toEqual([payload('invite.accepted', 2)]);

    // Never back: committing an older id leaves the cursor where it is.
    expect((await service.events.commit({ consumer: 'test-a', lastEventId: 1 })).lastEventId).toBe(
      lastId,
    );
    // Consumers are independent.
    expect(
      (await service.events.since({ consumer: 'test-b' })).events.length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('never skips an event whose transaction commits after a later one was read', async () => {
    const service = await callerAs(db, { service: true });
    const consumer = 'late-commit';
    const start = await service.events.since({ consumer, limit: 500 });
    if (start.events.length) {
      await service.events.commit({ consumer, lastEventId: start.events.at(-1)!.id });
    }
    // A writer takes an id, then stays open while another writer commits a later id.
    let releaseSlow!: () => void;
    const slowMayCommit = new Promise<void>((resolve) => (releaseSlow = resolve));
    let slowInserted!: () => void;
    const slowHasInserted = new Promise<void>((resolve) => (slowInserted = resolve));
    const slow = db.transaction().execute(async (trx) => {
      await emitEvent(trx, event('cluster.no_room', 'slow'));
      slowInserted();
      await slowMayCommit;
    });
    await slowHasInserted;
    await emit('cluster.no_room', 1);
    // The reader waits for the open writer instead of handing out the later event alone.
    const reading = service.events.since({ consumer, limit: 500 });
    const early = await Promise.race([
      reading.then(() => 'read'),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 300)),
    ]);
    expect(early).toBe('waiting');
    releaseSlow();
    await slow;
    const { events } = await reading;
    expect(events.map((e) => e.payload)).toEqual([
      payload('cluster.no_room', 'slow'),
      payload('cluster.no_room', 0),
    ]);
  });

  it('is for service tokens only and validates its input', async () => {
    const user = await makeUser(db, { isAdmin: true });
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).events.since({ consumer: 'x' }),
      'UNAUTHORIZED',
    );
    await expectTrpcError(
      (await callerAs(db, { userId: user.id })).events.since({ consumer: 'x' }),
      'FORBIDDEN',
    );
    const service = await callerAs(db, { service: true });
    await expectTrpcError(service.events.since({ consumer: '' }), 'BAD_REQUEST');
    await expectTrpcError(service.events.commit({ consumer: 'x', lastEventId: -1 }), 'BAD_REQUEST');
  });
});

describe('service.resolveActor', () => {
  it('maps an e-mail (any case) to the user, their admin flag and status', async () => {
    const admin = await makeUser(db, { email: 'Slack.Admin@Example.test', isAdmin: true });
    const suspended = await makeUser(db, { status: 'suspended' });
    const service = await callerAs(db, { service: true });
    expect(await service.service.resolveActor({ email: 'slack.admin@example.TEST' })).toEqual({
      userId: admin.id,
      isAdmin: true,
      status: 'active',
    });
    expect(await service.service.resolveActor({ email: suspended.email })).toMatchObject({
      userId: suspended.id,
      status: 'suspended',
    });
    const message = await expectTrpcError(
      service.service.resolveActor({ email: 'nobody@example.test' }),
      'NOT_FOUND',
    );
    expect(message).toContain('nobody@example.test');
    await expectTrpcError(service.service.resolveActor({ email: 'not an e-mail' }), 'BAD_REQUEST');
    await expectTrpcError(
      (await callerAs(db, { userId: admin.id })).service.resolveActor({ email: admin.email }),
      'FORBIDDEN',
    );
  });
});

describe('health', () => {
  it('answers anyone with the database state', async () => {
    expect(await (await callerAs(db, { anonymous: true })).health()).toEqual({
      ok: true,
      db: 'up',
    });
  });
});
