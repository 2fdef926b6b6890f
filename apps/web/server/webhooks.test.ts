// POST /webhooks/stripe on the wire: the real server and SDK, the fake Stripe on loopback, and a
// real PostgreSQL. Deliveries are signed as Stripe signs them and sent with plain fetch.
import { createDb, freePort } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { DATABASE_DOWN } from '@hops/api';
import { auditRows, clusterOf, makeCluster, makeUser } from '@hops/api/testing';
import { PRICE_ID, WEBHOOK_SECRET, sessionIdOf } from '@hops/api/testing/stripe';
import { signedWebhook, startFakeStripe } from '@hops/fakes/stripe';
import { afterAll, describe, expect, it } from 'vitest';
import type { WebStripeConfig } from './env.ts';
import {
  bearer,
  memoryLogger,
  sessionCookie,
  startServer,
  trpcPost,
  useServer,
  type TestServer,
} from './test/helpers.ts';
import { STRIPE_OFF } from './webhooks.ts';

const { db } = await useTestDatabase({ max: 8 });
const fake = await startFakeStripe();
afterAll(() => fake.close());
const stripe: WebStripeConfig = {
  secretKey: 'sk_test_hops',
  apiUrl: fake.url,
  webhookSecret: WEBHOOK_SECRET,
  priceId: PRICE_ID,
  meterEventName: 'hops_usage',
  timeoutMs: 5_000,
  reportIntervalMs: 3_600_000,
};
const log = memoryLogger('debug');
const server = await useServer({ db, logger: log.logger, env: { stripe } });
const other = await useServer({ db, env: { stripe } });
await makeCluster(db, { maxUsers: 1_000 });

type User = Awaited<ReturnType<typeof makeUser>>;

interface Delivery {
  body: string;
  signature?: string | undefined;
}

async function post(target: TestServer, delivery: Delivery) {
  const response = await fetch(`${target.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(delivery.signature ? { 'stripe-signature': delivery.signature } : {}),
    },
    body: delivery.body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The owner asks for a card page through the API; the fake completes it; answers the event. */
async function completeSetup(owner: User) {
  const answer = await trpcPost<{ url: string }>(server, 'billing.setupPayment', undefined, {
    cookie: sessionCookie(server.env, owner.id),
  });
  expect(answer.status).toBe(200);
  return fake.completeSetup(sessionIdOf(answer.body.result!.data.url));
}

const storedEvents = async () =>
  Number(
    (
      await db
        .selectFrom('stripeEvents')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const billingOf = (ownerId: string) =>
  db.selectFrom('billingAccounts').selectAll().where('ownerId', '=', ownerId).executeTakeFirst();
/** Subscriptions the server asked the fake to create for one customer (replays included). */
const subscriptionCalls = (customerId: string) =>
  fake.requests.filter(
    (r) =>
      r.method === 'POST' && r.path === '/v1/subscriptions' && r.params.customer === customerId,
  );

describe('POST /webhooks/stripe', () => {
  it('answers 400 to a missing or bad signature, and writes nothing', async () => {
    const owner = await makeUser(db);
    const event = await completeSetup(owner);
    const before = await storedEvents();
    const body = JSON.stringify(event);
    const refusals = [
      await post(server, { body }),
      await post(server, { body, signature: signedWebhook(body, 'whsec_someone_else').signature }),
      await post(server, { body, signature: 't=1,v1=00' }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(400);
      expect(refusal.body).toEqual({
        error: { message: expect.stringMatching(/signature/i), code: 'BAD_REQUEST' },
      });
      expect(JSON.stringify(refusal.body)).not.toMatch(/ at .*\.ts/);
    }
    expect(refusals[0]!.body).toMatchObject({
      error: { message: 'The Stripe-Signature header is missing.' },
    });
    expect(await storedEvents()).toBe(before);
    expect((await billingOf(owner.id))?.defaultPaymentMethodId ?? null).toBeNull();
  });

  it('applies a completed card setup once, and answers a repeat with 200 and no change', async () => {
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    const event = await completeSetup(owner);
    expect(await clusterOf(db, owner.id)).toBeNull();
    const before = await storedEvents();
    // Indented JSON: the signature holds only if the server verifies the bytes it was sent.
    const delivery = signedWebhook(JSON.stringify(event, null, 2), WEBHOOK_SECRET);

    expect(await post(server, delivery)).toEqual({
      status: 200,
      body: { received: true, outcome: 'applied' },
    });
    const billing = (await billingOf(owner.id))!;
    expect(billing).toMatchObject({ subscriptionStatus: 'active' });
    expect(billing.cardLast4).toMatch(/^\d{4}$/);
    expect(billing.defaultPaymentMethodId).not.toBeNull();
    expect(await clusterOf(db, owner.id)).not.toBeNull();
    expect(await storedEvents()).toBe(before + 1);
    const handled = log.lines.filter((line) => line.msg === 'Stripe event handled');
    expect(handled).toEqual([
      expect.objectContaining({ eventId: event.id, type: 'checkout.session.completed' }),
    ]);

    expect(await post(server, delivery)).toEqual({
      status: 200,
      body: { received: true, outcome: 'duplicate' },
    });
    expect(await billingOf(owner.id)).toEqual(billing);
    expect(await storedEvents()).toBe(before + 1);
    expect(subscriptionCalls(billing.stripeCustomerId)).toHaveLength(1);
    expect(await auditRows(db, 'billing.payment_method_added', owner.id)).toHaveLength(1);
  });

  it('applies one delivery sent to two servers at once exactly once', async () => {
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    const event = await completeSetup(owner);
    const delivery = signedWebhook(event, WEBHOOK_SECRET);

    const answers = await Promise.all([post(server, delivery), post(other, delivery)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body.outcome).sort()).toEqual(['applied', 'duplicate']);

    const rows = await db
      .selectFrom('stripeEvents')
      .selectAll()
      .where('id', '=', event.id)
      .execute();
    expect(rows).toHaveLength(1);
    const billing = (await billingOf(owner.id))!;
    expect(subscriptionCalls(billing.stripeCustomerId)).toHaveLength(1);
    expect(
      fake.all('subscription').filter((s) => s.customer === billing.stripeCustomerId),
    ).toHaveLength(1);
    expect(await auditRows(db, 'billing.payment_method_added', owner.id)).toHaveLength(1);
  });

  it('answers 400 to a body changed after it was signed', async () => {
    const owner = await makeUser(db);
    const event = await completeSetup(owner);
    const before = await storedEvents();
    const signed = signedWebhook(event, WEBHOOK_SECRET);
    const changed = signed.body.replace(event.id, `${event.id}x`);
    expect(changed).not.toBe(signed.body);

    const answer = await post(server, { body: changed, signature: signed.signature });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(await storedEvents()).toBe(before);
    expect((await billingOf(owner.id))?.defaultPaymentMethodId ?? null).toBeNull();
  });

  it('answers 200 to an event type it does not act on, and stores it', async () => {
    const delivery = signedWebhook(
      { id: 'evt_wire_other', object: 'event', type: 'customer.created', data: { object: {} } },
      WEBHOOK_SECRET,
    );
    expect(await post(server, delivery)).toEqual({
      status: 200,
      body: { received: true, outcome: 'ignored' },
    });
    expect(
      await db
        .selectFrom('stripeEvents')
        .select('outcome')
        .where('id', '=', 'evt_wire_other')
        .execute(),
    ).toEqual([{ outcome: 'ignored' }]);
  });

  it('leaves JSON bodies of /trpc parsed as before', async () => {
    const owner = await makeUser(db);
    const ingest = await trpcPost(
      server,
      'usage.ingest',
      {
        records: [
          {
            userId: owner.id,
            date: '2026-10-02',
            cpuHours: '1',
            gpuHours: '0',
            ramGbHours: '0',
            onlineStorageGb: '0',
            offlineStorageGb: '0',
            networkEgressGb: '0',
          },
        ],
      },
      bearer(),
    );
    expect(ingest.status).toBe(200);
    expect(ingest.body.result?.data).toMatchObject({ inserted: 1 });
  });

  it('answers 404 with a sentence when Stripe is off on the server', async () => {
    const off = await startServer({ db });
    try {
      const answer = await post(off, signedWebhook({ id: 'evt_off' }, WEBHOOK_SECRET));
      expect(answer).toEqual({
        status: 404,
        body: { error: { message: STRIPE_OFF, code: 'NOT_FOUND' } },
      });
    } finally {
      await off.close();
    }
  });

  it('answers 503 with a sentence when the database is not reachable, so Stripe retries', async () => {
    const down = createDb({
      connectionString: `postgres://hops@127.0.0.1:${await freePort()}/hops`,
      max: 1,
      connectionTimeoutMillis: 1_000,
    });
    const unreachable = await startServer({ db: down, env: { stripe } });
    try {
      const delivery = signedWebhook(
        { id: 'evt_db_down', object: 'event', type: 'customer.created', data: { object: {} } },
        WEBHOOK_SECRET,
      );
      expect(await post(unreachable, delivery)).toEqual({
        status: 503,
        body: { error: { message: DATABASE_DOWN, code: 'SERVICE_UNAVAILABLE' } },
      });
    } finally {
      await unreachable.close();
      await down.destroy();
    }
  });
});
