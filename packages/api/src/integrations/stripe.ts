// The one client module for Stripe (SPEC §8): the official SDK, built from the configuration,
// with a timeout and no retries of its own (the job queue retries), one small typed function per
// call the billing rules make, and errors that name the call. It knows nothing of our tables.
import { createHash } from 'node:crypto';
import Stripe from 'stripe';

export interface StripeConfig {
  secretKey: string;
  /** Default Stripe's own; e.g. `http://127.0.0.1:54321` for the fake in tests. */
  apiUrl?: string;
  webhookSecret?: string;
  /** The metered price of the usage meter (needed to create subscriptions). */
  priceId?: string;
  meterEventName: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /**
   * Meter events sent per second at most (STRIPE_METER_EVENTS_PER_SECOND; default 25, Stripe's
   * sandbox limit). The client spaces them out rather than running into 429s.
   */
  meterEventsPerSecond?: number;
}

/** A refused or failed Stripe call; `retryable` when trying again later may succeed. */
export class StripeCallError extends Error {
  override name = 'StripeCallError';
  readonly system = 'Stripe';
  constructor(
    readonly call: string,
    message: string,
    /** HTTP status; null when no answer came (timeout, connection). */
    readonly status: number | null,
    readonly code: string | null,
    /** Seconds Stripe asked us to wait (`Retry-After`), or null. */
    readonly retryAfter: number | null,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Card {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface CheckoutSession {
  id: string;
  url: string | null;
  mode: Stripe.Checkout.Session.Mode;
  status: Stripe.Checkout.Session.Status | null;
  /** `paid` once the money is in (a card at once; delayed methods later). */
  paymentStatus: Stripe.Checkout.Session.PaymentStatus;
  customerId: string | null;
  setupIntentId: string | null;
  /** Integer US cents (payment mode), or null. */
  amountTotalCents: number | null;
  metadata: Record<string, string>;
}

export interface Subscription {
  id: string;
  status: Stripe.Subscription.Status;
  customerId: string;
}

export interface Invoice {
  id: string;
  number: string | null;
  status: Stripe.Invoice.Status | null;
  /** Unix seconds. */
  periodStart: number;
  periodEnd: number;
  /** Integer cents, in `currency`. */
  totalCents: number;
  amountDueCents: number;
  currency: string;
  hostedInvoiceUrl: string | null;
  pdfUrl: string | null;
}

const MAX_KEY = 255;
const TOLERANCE_SECONDS = 300;

/**
 * An idempotency key from what causes a call, e.g. `idempotencyKey('setup', ownerId)`: the same
 * cause gives the same key, so a retried job cannot create a second object. Long keys are hashed
 * to fit Stripe's 255 characters.
 */
export function idempotencyKey(...parts: (string | number)[]): string {
  const key = ['hops', ...parts].join(':');
  if (key.length <= MAX_KEY) return key;
  return `hops:${String(parts[0])}:${createHash('sha256').update(key).digest('hex')}`;
}

/** The SDK's host/port/protocol options from a base URL; a custom host serves every API base. */
function addressOf(apiUrl: string | undefined): Stripe.StripeConfig {
  if (!apiUrl) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
    protocol,
  };
}

function retryAfterOf(headers: Record<string, string> | undefined): number | null {
  const value = headers?.['retry-after'];
  if (value === undefined) return null;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function callError(call: string, error: unknown): StripeCallError {
  if (!(error instanceof Stripe.errors.StripeError)) {
    const text = error instanceof Error ? error.message : String(error);
    return new StripeCallError(call, `Stripe ${call} failed: ${text}`, null, null, null, false, {
      cause: error,
    });
  }
  const status = error.statusCode ?? null;
  const retryable =
    status === null ||
    status === 409 ||
    status === 429 ||
    status >= 500 ||
    error.type === 'StripeConnectionError';
  const answer = status === null ? 'got no answer' : `was refused (HTTP ${status})`;
  return new StripeCallError(
    call,
    `Stripe ${call} ${answer}: ${error.message}`,
    status,
    error.code ?? null,
    retryAfterOf(error.headers),
    retryable,
    { cause: error },
  );
}

const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === 'string' ? value : (value?.id ?? null);

function sessionOf(session: Stripe.Checkout.Session): CheckoutSession {
  return {
    id: session.id,
    url: session.url,
    mode: session.mode,
    status: session.status,
    paymentStatus: session.payment_status,
    customerId: idOf(session.customer),
    setupIntentId: idOf(session.setup_intent),
    amountTotalCents: session.amount_total,
    metadata: session.metadata ?? {},
  };
}

const subscriptionOf = (s: Stripe.Subscription): Subscription => ({
  id: s.id,
  status: s.status,
  customerId: idOf(s.customer)!,
});

/** Stripe's limit in sandboxes; live accounts take more (raise STRIPE_METER_EVENTS_PER_SECOND). */
export const METER_EVENTS_PER_SECOND = 25;

/**
 * At most `perSecond` calls in any one second, as the server counts them: a call starts only when
 * fewer than `perSecond` others are in flight or ended less than a second ago. Counting from each
 * call's end (after the server saw it) rather than its start makes network jitter harmless; calls
 * that come slower than the limit never wait. `run` wraps one call.
 */
export function rateLimiter(perSecond: number) {
  const ended: number[] = [];
  let inFlight = 0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  return async function run<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      const now = performance.now();
      while (ended.length > 0 && ended[0]! <= now - 1000) ended.shift();
      if (inFlight + ended.length < perSecond) break;
      await sleep(ended.length > 0 ? Math.max(1, ended[0]! + 1000 - now) : 5);
    }
    inFlight += 1;
    try {
      return await call();
    } finally {
      inFlight -= 1;
      ended.push(performance.now());
    }
  };
}

/** Stripe's calls for SPEC §8; build it once from the configuration. */
export function createStripe(config: StripeConfig) {
  const sdk = new Stripe(config.secretKey, {
    ...addressOf(config.apiUrl),
    timeout: config.timeoutMs ?? 10_000,
    maxNetworkRetries: 0,
    telemetry: false,
    appInfo: { name: 'hops' },
  });

  const meterEventLimit = rateLimiter(config.meterEventsPerSecond ?? METER_EVENTS_PER_SECOND);

  async function call<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw callError(name, error);
    }
  }

  return {
    createCustomer: (input: { ownerId: string; email?: string; name?: string }, key: string) =>
      call('createCustomer', async () => {
        const customer = await sdk.customers.create(
          { email: input.email, name: input.name, metadata: { hops_user_id: input.ownerId } },
          { idempotencyKey: key },
        );
        return { id: customer.id };
      }),

    /** The customer, its default payment method and owner; `deleted` when removed in Stripe. */
    retrieveCustomer: (customerId: string) =>
      call('retrieveCustomer', async () => {
        const customer = await sdk.customers.retrieve(customerId);
        if (customer.deleted) return { id: customer.id, deleted: true as const };
        return {
          id: customer.id,
          deleted: false as const,
          defaultPaymentMethodId: idOf(customer.invoice_settings.default_payment_method),
          ownerId: customer.metadata.hops_user_id ?? null,
        };
      }),

    /** Moves the customer to another owner (ownership transfer, SPEC §11). */
    setCustomerOwner: (customerId: string, ownerId: string, key: string) =>
      call('setCustomerOwner', async () => {
        await sdk.customers.update(
          customerId,
          { metadata: { hops_user_id: ownerId } },
          { idempotencyKey: key },
        );
      }),

    setDefaultPaymentMethod: (customerId: string, paymentMethodId: string, key: string) =>
      call('setDefaultPaymentMethod', async () => {
        await sdk.customers.update(
          customerId,
          { invoice_settings: { default_payment_method: paymentMethodId } },
          { idempotencyKey: key },
        );
      }),

    /** A Checkout Session in setup mode: the person enters a card on Stripe's page. */
    createSetupSession: (
      input: { customerId: string; successUrl: string; cancelUrl: string },
      key: string,
    ) =>
      call('createSetupSession', async () =>
        sessionOf(
          await sdk.checkout.sessions.create(
            {
              mode: 'setup',
              customer: input.customerId,
              currency: 'usd',
              success_url: input.successUrl,
              cancel_url: input.cancelUrl,
            },
            { idempotencyKey: key },
          ),
        ),
      ),

    /** A Checkout Session in payment mode for a prepaid top-up of `amountCents` (integer). */
    createTopUpSession: (
      input: {
        ownerId: string;
        customerId?: string;
        amountCents: number;
        successUrl: string;
        cancelUrl: string;
      },
      key: string,
    ) =>
      call('createTopUpSession', async () => {
        if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) {
          throw new Error(`the amount must be a positive whole number of cents`);
        }
        const session = await sdk.checkout.sessions.create(
          {
            mode: 'payment',
            customer: input.customerId,
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
            metadata: { hops_user_id: input.ownerId },
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: 'usd',
                  unit_amount: input.amountCents,
                  product_data: { name: 'hops credits' },
                },
              },
            ],
          },
          { idempotencyKey: key },
        );
        return sessionOf(session);
      }),

    retrieveCheckoutSession: (sessionId: string) =>
      call('retrieveCheckoutSession', async () =>
        sessionOf(await sdk.checkout.sessions.retrieve(sessionId)),
      ),

    /** A SetupIntent with the card it collected (brand, last 4, expiry), if any. */
    retrieveSetupIntent: (setupIntentId: string) =>
      call('retrieveSetupIntent', async () => {
        const intent = await sdk.setupIntents.retrieve(setupIntentId, {
          expand: ['payment_method'],
        });
        const method = intent.payment_method;
        const card = typeof method === 'object' && method?.card ? method.card : null;
        return {
          id: intent.id,
          status: intent.status,
          customerId: idOf(intent.customer),
          paymentMethodId: idOf(method),
          card: card
            ? {
                brand: card.brand,
                last4: card.last4,
                expMonth: card.exp_month,
                expYear: card.exp_year,
              }
            : null,
        };
      }),

    /** The metered subscription on the configured price. */
    createSubscription: (input: { customerId: string; ownerId: string }, key: string) =>
      call('createSubscription', async () => {
        if (!config.priceId) throw new Error('STRIPE_PRICE_ID is not configured');
        const subscription = await sdk.subscriptions.create(
          {
            customer: input.customerId,
            items: [{ price: config.priceId }],
            metadata: { hops_user_id: input.ownerId },
          },
          { idempotencyKey: key },
        );
        return subscriptionOf(subscription);
      }),

    retrieveSubscription: (subscriptionId: string) =>
      call('retrieveSubscription', async () =>
        subscriptionOf(await sdk.subscriptions.retrieve(subscriptionId)),
      ),

    /** Cancels now, with a final invoice of the usage to date (account deletion, SPEC §11). */
    cancelSubscription: (subscriptionId: string) =>
      call('cancelSubscription', async () =>
        subscriptionOf(await sdk.subscriptions.cancel(subscriptionId, { invoice_now: true })),
      ),

    createPortalSession: (input: { customerId: string; returnUrl: string }, key: string) =>
      call('createPortalSession', async () => {
        const session = await sdk.billingPortal.sessions.create(
          { customer: input.customerId, return_url: input.returnUrl },
          { idempotencyKey: key },
        );
        return { url: session.url };
      }),

    /** The newest invoices of one customer (never another's). */
    listInvoices: (customerId: string, limit = 24) =>
      call('listInvoices', async () => {
        const list = await sdk.invoices.list({ customer: customerId, limit });
        return list.data
          .filter((invoice) => idOf(invoice.customer) === customerId)
          .map((invoice): Invoice => ({
            id: invoice.id,
            number: invoice.number,
            status: invoice.status,
            periodStart: invoice.period_start,
            periodEnd: invoice.period_end,
            totalCents: invoice.total,
            amountDueCents: invoice.amount_due,
            currency: invoice.currency,
            hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
            pdfUrl: invoice.invoice_pdf ?? null,
          }));
      }),

    /**
     * One meter event: `units` (a whole number, ten-thousandths of a USD) for the customer at
     * `timestamp`. The identifier is deterministic, so it also serves as the idempotency key.
     */
    sendMeterEvent: (input: {
      customerId: string;
      units: bigint | number;
      timestamp: Date;
      identifier: string;
    }) =>
      call('sendMeterEvent', async () => {
        const units = BigInt(input.units);
        await meterEventLimit(() =>
          sdk.billing.meterEvents.create(
            {
              event_name: config.meterEventName,
              identifier: input.identifier,
              timestamp: Math.floor(input.timestamp.getTime() / 1000),
              payload: { stripe_customer_id: input.customerId, value: units.toString() },
            },
            { idempotencyKey: idempotencyKey('meter', input.identifier) },
          ),
        );
        return { identifier: input.identifier };
      }),

    /**
     * The event in a webhook's raw body, verified with `Stripe-Signature` (300 s tolerance).
     * Throws a StripeCallError (status 400, not retryable) for a bad, stale or missing signature.
     */
    verifyWebhook(rawBody: string | Buffer, signature: string | undefined): Stripe.Event {
      if (!config.webhookSecret) {
        throw new StripeCallError(
          'verifyWebhook',
          'STRIPE_WEBHOOK_SECRET is not configured.',
          400,
          null,
          null,
          false,
        );
      }
      if (!signature) {
        throw new StripeCallError(
          'verifyWebhook',
          'The Stripe-Signature header is missing.',
          400,
          null,
          null,
          false,
        );
      }
      try {
        return sdk.webhooks.constructEvent(
          rawBody,
          signature,
          config.webhookSecret,
          TOLERANCE_SECONDS,
        );
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        throw new StripeCallError(
          'verifyWebhook',
          `The Stripe webhook signature was refused: ${text}`,
          400,
          null,
          null,
          false,
          {
            cause: error,
          },
        );
      }
    },
  };
}

export type StripeApi = ReturnType<typeof createStripe>;
export type { Stripe };
