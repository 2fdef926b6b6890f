// The usage reporter against a real PostgreSQL and the fake Stripe, through the real SDK: exact
// totals, corrections, outages, rate limits, a crash after Stripe answered, late days, payers.
// Over 300 lines: each failure mode of SPEC §8's reporting is its own scenario.
import type { StripeObject } from '@hops/fakes/stripe';
import { sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser, userCaller, userDay } from '../../../test/helpers.ts';
import { startStripeWorld } from '../../../test/stripe.ts';
import type { AuditActor } from '../../actor.ts';
import { addDays, utcToday } from '../../days.ts';
import { transferOwnership } from '../team-transfer.ts';
import { ingestUsage, type UsageRecordInput } from '../usage/ingest.ts';
import { reportUsage, timestampOf } from './report.ts';
import { reportIdentifier, unitsOf, usdOf } from './report-store.ts';

const { db } = await useTestDatabase();
const world = await startStripeWorld();
afterAll(() => world.close());
const { fake, stripe } = world;

const SERVICE: AuditActor = { userId: null, via: 'service', isAdmin: false, label: 'service:test' };
const METER = '/v1/billing/meter_events';
const today = utcToday();

const run = () => reportUsage(db, { stripe });
const ingest = (records: UsageRecordInput[]) =>
  inTransaction(db, (trx) => ingestUsage(trx, SERVICE, records));

let n = 0;
/** A postpaid owner with a Stripe customer and an active metered subscription, and members. */
async function account(options: { members?: number; billingMode?: 'prepaid' | 'postpaid' } = {}) {
  const owner = await makeUser(db, { billingMode: options.billingMode ?? 'postpaid' });
  const members = [];
  for (let i = 0; i < (options.members ?? 0); i++) {
    members.push(await makeUser(db, { owner: owner.id, billingMode: owner.billingMode }));
  }
  const customer = await stripe.createCustomer({ ownerId: owner.id }, `customer-${owner.id}`);
  await db
    .insertInto('billingAccounts')
    .values({
      ownerId: owner.id,
      stripeCustomerId: customer.id,
      stripeSubscriptionId: `sub_report_${++n}`,
      subscriptionStatus: 'active',
    })
    .execute();
  return { owner, members, customerId: customer.id };
}
type Account = Awaited<ReturnType<typeof account>>;

/** Varied quantities with four significant decimals of cost. */
const quantities = (i: number) => ({
  cpuHours: `${i % 7}.${(i * 37) % 10_000}`,
  ramGbHours: `${i}.5`,
});

/** Every day of an account: its stored total × 10 000, computed by PostgreSQL alone. */
async function storedUnits(ownerId: string): Promise<Map<string, string>> {
  const { rows } = await sql<{ date: string; units: string }>`
    SELECT to_char(date, 'YYYY-MM-DD') AS date, (sum(total_cost) * 10000)::bigint::text AS units
    FROM usage_daily WHERE account_owner_id = ${ownerId} GROUP BY date`.execute(db);
  return new Map(rows.map((r) => [r.date, r.units]));
}

const eventsOf = (customerId: string) =>
  fake.meterEvents.filter(
    (e) => (e.payload as Record<string, string>).stripe_customer_id === customerId,
  );
const dayOf = (event: StripeObject) =>
  new Date((event.timestamp as number) * 1000).toISOString().slice(0, 10);

/** What the fake's meter holds per day: the newest event of the day (Stripe's "last" rule). */
function meterOf(customerId: string): Map<string, string> {
  const days = new Map<string, string>();
  for (const e of eventsOf(customerId)) {
    days.set(dayOf(e), (e.payload as Record<string, string>).value!);
  }
  return days;
}

const reportsOf = (ownerId: string) =>
  db
    .selectFrom('stripeUsageReports')
    .select([
      sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'),
      'revision',
      sql<string>`units::text`.as('units'),
      'identifier',
      'state',
      'error',
    ])
    .where('ownerId', '=', ownerId)
    .orderBy('date')
    .orderBy('revision')
    .execute();

const unmarked = async (ownerId: string) =>
  (
    await db
      .selectFrom('usageDaily')
      .select('id')
      .where('accountOwnerId', '=', ownerId)
      .where('reportedToStripe', '=', false)
      .execute()
  ).length;

/** Ingests `days` days (today back) for the owner and each member. */
async function usageFor(a: Account, days: number) {
  const records: UsageRecordInput[] = [];
  for (let d = 0; d < days; d++) {
    for (const [i, user] of [a.owner, ...a.members].entries()) {
      records.push(userDay(user.id, addDays(today, -d), quantities(n * 101 + d * 13 + i)));
    }
  }
  await ingest(records);
}

function expectNoDuplicateIdentifiers() {
  const identifiers = fake.meterEvents.map((e) => e.identifier);
  expect(new Set(identifiers).size).toBe(identifiers.length);
  // Stripe accepted each identifier's request once at most (a re-send is its idempotent replay).
  const accepted = fake.requests.filter((r) => r.path === METER && r.status === 200);
  const first = new Map<string, string>();
  for (const r of accepted) {
    const id = r.params.identifier as string;
    const body = JSON.stringify(r.params);
    expect(first.get(id) ?? body).toBe(body);
    first.set(id, body);
  }
}

beforeEach(async () => {
  // Whatever an earlier scenario left to do is done first, so each one counts its own events.
  await run();
});

describe('the pure pieces', () => {
  it('derives deterministic identifiers of at most 100 characters, and exact units', () => {
    const id = reportIdentifier('auth0|' + 'x'.repeat(300), '2026-01-31', 12);
    expect(id).toMatch(/^hops-[0-9a-f]{16}-2026-01-31-12$/);
    expect(id).toBe(reportIdentifier('auth0|' + 'x'.repeat(300), '2026-01-31', 12));
    expect(unitsOf('12345678.9012')).toBe(123456789012n);
    expect(unitsOf('0.0001')).toBe(1n);
    expect(usdOf(123456789012n)).toBe('12345678.9012');
    expect(usdOf(7n)).toBe('0.0007');
  });

  it('stamps a day at its noon, or at the moment of writing while that noon is to come', () => {
    expect(timestampOf('2026-01-30', new Date('2026-01-31T08:00:00.700Z'))).toEqual(
      new Date('2026-01-30T12:00:00Z'),
    );
    expect(timestampOf('2026-01-31', new Date('2026-01-31T08:00:00.700Z'))).toEqual(
      new Date('2026-01-31T08:00:00Z'),
    );
  });
});

describe('reportUsage', () => {
  const accounts: Account[] = [];

  it('reports 200 owner-days with their stored totals to the ten-thousandth, members under their owner', async () => {
    for (let i = 0; i < 10; i++) accounts.push(await account({ members: 1 }));
    for (const a of accounts) await usageFor(a, 20);

    const result = await run();

    let units = 0n;
    for (const a of accounts) {
      const stored = await storedUnits(a.owner.id);
      expect(stored.size).toBe(20);
      expect(meterOf(a.customerId)).toEqual(stored);
      expect(eventsOf(a.customerId)).toHaveLength(20);
      for (const value of stored.values()) units += BigInt(value);
      const reports = await reportsOf(a.owner.id);
      expect(reports).toHaveLength(20);
      expect(reports.every((r) => r.state === 'sent' && r.revision === 1)).toBe(true);
      expect(reports.map((r) => r.units)).toEqual(
        [...stored.keys()].sort().map((d) => stored.get(d)),
      );
      expect(await unmarked(a.owner.id)).toBe(0);
      // Members have no customer: nothing is ever reported under their own name.
      expect(await reportsOf(a.members[0]!.id)).toEqual([]);
    }
    expect(result).toEqual({
      accounts: 10,
      events: 200,
      units: units.toString(),
      retryAfter: null,
    });
    expectNoDuplicateIdentifiers();
  });

  it('re-sends nothing when nothing changed', async () => {
    const before = fake.meterEvents.length;
    expect(await run()).toEqual({ accounts: 0, events: 0, units: '0', retryAfter: null });
    expect(fake.meterEvents.length).toBe(before);
  });

  it('re-sends a corrected day once, with its new whole value and revision 2', async () => {
    const a = accounts[0]!;
    const day = addDays(today, -3);
    await ingest([userDay(a.members[0]!.id, day, { cpuHours: '123.4567' })]);
    expect(await unmarked(a.owner.id)).toBe(1);

    const result = await run();

    const whole = (await storedUnits(a.owner.id)).get(day)!;
    expect(result).toEqual({ accounts: 1, events: 1, units: whole, retryAfter: null });
    const [event] = eventsOf(a.customerId).filter(
      (e) => dayOf(e) === day && e.identifier !== reportIdentifier(a.owner.id, day, 1),
    );
    expect(event).toMatchObject({
      identifier: reportIdentifier(a.owner.id, day, 2),
      payload: { value: whole },
    });
    expect((await reportsOf(a.owner.id)).filter((r) => r.date === day)).toMatchObject([
      { revision: 1, state: 'sent' },
      { revision: 2, state: 'sent', units: whole },
    ]);
    expect(meterOf(a.customerId).get(day)).toBe(whole);
    expect(await unmarked(a.owner.id)).toBe(0);
    expect(await run()).toMatchObject({ events: 0 });
  });

  it('loses nothing and sends nothing twice through a Stripe outage in the middle of a run', async () => {
    const outage: Account[] = [];
    for (let i = 0; i < 4; i++) outage.push(await account());
    for (const a of outage) await usageFor(a, 10);
    const before = fake.meterEvents.length;

    const first = run();
    while (fake.meterEvents.length < before + 5) await new Promise((r) => setTimeout(r, 1));
    fake.failNext({ path: METER, status: 503, times: 3 });
    const partial = await first;
    expect(partial.events).toBeGreaterThanOrEqual(5);
    expect(partial.events).toBeLessThan(40);
    const waiting = (await Promise.all(outage.map((a) => reportsOf(a.owner.id))))
      .flat()
      .filter((r) => r.state === 'pending');
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.some((w) => w.error?.includes('HTTP 503'))).toBe(true);

    const rest = await run();
    expect(partial.events + rest.events).toBe(40);
    for (const a of outage) {
      const reports = await reportsOf(a.owner.id);
      expect(reports.map((r) => [r.revision, r.state])).toEqual(Array(10).fill([1, 'sent']));
      expect(eventsOf(a.customerId)).toHaveLength(10);
      expect(meterOf(a.customerId)).toEqual(await storedUnits(a.owner.id));
    }
    // The rows left pending went out again under their own identifiers.
    for (const w of waiting)
      expect(fake.meterEvents.some((e) => e.identifier === w.identifier)).toBe(true);
    expectNoDuplicateIdentifiers();
  });

  it('stops the run at a 429 with Retry-After, and the next run finishes', async () => {
    const limited = [await account(), await account()];
    for (const a of limited) await usageFor(a, 3);
    const requestsBefore = fake.requests.length;
    fake.failNext({ path: METER, status: 429, retryAfter: 30 });

    const stoppedAt = Date.now();
    expect(await run()).toEqual({ accounts: 0, events: 0, units: '0', retryAfter: 30 });
    // One request, refused; nothing asked of Stripe after it.
    expect(fake.requests.slice(requestsBefore).map((r) => r.status)).toEqual([429]);
    // The first account's days were written ahead, all pending; the refused one says why.
    const rows = (await Promise.all(limited.map((a) => reportsOf(a.owner.id)))).flat();
    expect(rows.map((r) => [r.revision, r.state])).toEqual(Array(3).fill([1, 'pending']));
    expect(rows.filter((r) => r.error !== null)).toMatchObject([
      { error: expect.stringContaining('HTTP 429') },
    ]);
    // The next run is already queued for when Stripe said to come back, not for the next tick.
    const { rows: queued } = await sql<{ runAt: Date }>`
      SELECT run_at FROM graphile_worker.jobs
      WHERE task_identifier = 'billing.reportUsage' AND key = 'billing:report-usage'`.execute(db);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.runAt.getTime() - stoppedAt).toBeGreaterThanOrEqual(29_000);
    expect(queued[0]!.runAt.getTime() - stoppedAt).toBeLessThanOrEqual(31_000 + 5_000);

    expect(await run()).toMatchObject({ accounts: 2, events: 6 });
    for (const a of limited) {
      expect(meterOf(a.customerId)).toEqual(await storedUnits(a.owner.id));
      expect(
        (await reportsOf(a.owner.id)).every((r) => r.state === 'sent' && r.revision === 1),
      ).toBe(true);
    }
    expect(fake.meterEvents.some((e) => e.identifier === rows[0]!.identifier)).toBe(true);
    expectNoDuplicateIdentifiers();
  });

  it('does not double-report after a crash between Stripe’s answer and the database write', async () => {
    const a = await account();
    await ingest([userDay(a.owner.id, today, { cpuHours: '2.5' })]);
    // The database refuses the first "sent" write once: Stripe has the event, the row is pending.
    await sql`CREATE SEQUENCE report_crash_once`.execute(db);
    await sql`
      CREATE FUNCTION report_crash_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('report_crash_once') = 1 THEN RAISE EXCEPTION 'the server died here'; END IF;
        RETURN NEW;
      END $$`.execute(db);
    await sql`
      CREATE TRIGGER report_crash_once BEFORE UPDATE ON stripe_usage_reports
        FOR EACH ROW WHEN (NEW.state = 'sent') EXECUTE FUNCTION report_crash_once()`.execute(db);
    try {
      await expect(run()).rejects.toThrow('the server died here');
    } finally {
      await sql`DROP TRIGGER report_crash_once ON stripe_usage_reports`.execute(db);
      await sql`DROP FUNCTION report_crash_once()`.execute(db);
      await sql`DROP SEQUENCE report_crash_once`.execute(db);
    }
    const identifier = reportIdentifier(a.owner.id, today, 1);
    expect(await reportsOf(a.owner.id)).toMatchObject([{ identifier, state: 'pending' }]);
    expect(eventsOf(a.customerId)).toHaveLength(1);

    expect(await run()).toMatchObject({ accounts: 1, events: 1 });

    expect(await reportsOf(a.owner.id)).toMatchObject([{ identifier, revision: 1, state: 'sent' }]);
    expect(fake.meterEvents.filter((e) => e.identifier === identifier)).toHaveLength(1);
    expect(
      fake.requests.filter((r) => r.path === METER && r.params.identifier === identifier),
    ).toHaveLength(2);
    expectNoDuplicateIdentifiers();
  });

  it('flags a day older than 35 days that changed after it was reported, once, without sending it', async () => {
    const a = await account();
    const old = addDays(today, -40);
    await ingest([userDay(a.owner.id, old, { cpuHours: '4' })]);
    // Reported back when it was young (Stripe takes nothing that old today).
    const units = (await storedUnits(a.owner.id)).get(old)!;
    await db
      .insertInto('stripeUsageReports')
      .values({
        ownerId: a.owner.id,
        date: old,
        revision: 1,
        units: Number(units),
        identifier: reportIdentifier(a.owner.id, old, 1),
        state: 'sent',
        sentAt: new Date(),
      })
      .execute();
    await db
      .updateTable('usageDaily')
      .set({ reportedToStripe: true })
      .where('accountOwnerId', '=', a.owner.id)
      .execute();
    await ingest([userDay(a.owner.id, old, { cpuHours: '5' })]);
    const stored = (await storedUnits(a.owner.id)).get(old)!;

    for (let i = 0; i < 2; i++) {
      expect(await run()).toEqual({ accounts: 0, events: 0, units: '0', retryAfter: null });
    }

    expect(eventsOf(a.customerId)).toEqual([]);
    expect(await reportsOf(a.owner.id)).toMatchObject([
      { revision: 1, state: 'sent', units },
      { revision: 2, state: 'late', units: stored },
    ]);
    const alerts = await db
      .selectFrom('events')
      .select(['kind', 'payload'])
      .where('kind', '=', 'billing.late_correction')
      .execute();
    expect(alerts).toEqual([
      {
        kind: 'billing.late_correction',
        payload: {
          ownerId: a.owner.id,
          email: a.owner.email,
          date: old,
          revision: 2,
          reported: usdOf(BigInt(units)),
          stored: usdOf(BigInt(stored)),
        },
      },
    ]);
    // It never reached Stripe, so it still counts as unreported.
    expect(await unmarked(a.owner.id)).toBe(1);
  });

  it('reports a member-only day under the owner, and never a prepaid or canceled account', async () => {
    const postpaid = await account({ members: 1 });
    const prepaid = await account({ members: 1, billingMode: 'prepaid' });
    const canceled = await account();
    await db
      .updateTable('billingAccounts')
      .set({ subscriptionStatus: 'canceled' })
      .where('ownerId', '=', canceled.owner.id)
      .execute();
    await ingest([
      userDay(postpaid.members[0]!.id, today, { gpuHours: '1.25' }),
      userDay(prepaid.members[0]!.id, today, { gpuHours: '1.25' }),
      userDay(canceled.owner.id, today, { gpuHours: '1.25' }),
    ]);

    expect(await run()).toMatchObject({ accounts: 1, events: 1 });

    expect(meterOf(postpaid.customerId)).toEqual(await storedUnits(postpaid.owner.id));
    expect(eventsOf(prepaid.customerId)).toEqual([]);
    expect(eventsOf(canceled.customerId)).toEqual([]);
    expect(await reportsOf(prepaid.owner.id)).toEqual([]);
    expect(await reportsOf(canceled.owner.id)).toEqual([]);
  });

  it('lets one run at a time hold the reporter, across connections', async () => {
    await db.connection().execute(async (other) => {
      await sql`SELECT pg_advisory_lock(7060002)`.execute(other);
      try {
        await expect(run()).rejects.toMatchObject({ kind: 'CONFLICT' });
      } finally {
        await sql`SELECT pg_advisory_unlock(7060002)`.execute(other);
      }
    });
    expect(await run()).toMatchObject({ events: 0 });
  });

  it('refuses with one sentence while Stripe is off', async () => {
    await expect(reportUsage(db, { stripe: null })).rejects.toMatchObject({
      kind: 'PRECONDITION_FAILED',
      message: 'Payment is not configured on this server.',
    });
  });
});

describe('after an ownership transfer', () => {
  it('reports the days the former owner had not reported on the customer that moved, as whole days', async () => {
    const a = await account({ members: 1 });
    const [heir] = a.members;
    await usageFor(a, 2);
    await run();
    // Changes Stripe has not heard of yet: today grows, yesterday is corrected.
    await ingest([
      userDay(a.owner.id, today, { cpuHours: '9.5' }),
      userDay(heir!.id, addDays(today, -1), { cpuHours: '3.25' }),
    ]);
    await inTransaction(db, async (trx) =>
      transferOwnership(trx, await userCaller(db, a.owner.id), heir!.id),
    );
    // The days keep their payer (the former owner); a new user-day is the new owner's to pay.
    const newcomer = await makeUser(db, { owner: heir!.id });
    await ingest([userDay(newcomer.id, today, { cpuHours: '1' })]);

    expect(await run()).toMatchObject({ accounts: 1, events: 2 });
    const whole = async (date: string) => {
      const { rows } = await sql<{ units: string }>`
        SELECT (sum(total_cost) * 10000)::bigint::text AS units FROM usage_daily
        WHERE date = ${date}::date AND user_id = ANY(${[a.owner.id, heir!.id, newcomer.id]}::text[])`.execute(
        db,
      );
      return rows[0]!.units;
    };
    expect(meterOf(a.customerId)).toEqual(
      new Map([
        [addDays(today, -1), await whole(addDays(today, -1))],
        [today, await whole(today)],
      ]),
    );
    // Everything is marked reported: the next run has nothing to send.
    expect(await unmarked(a.owner.id)).toBe(0);
    expect(await unmarked(heir!.id)).toBe(0);
    expect(await run()).toMatchObject({ events: 0 });
    expectNoDuplicateIdentifiers();
  });
});
