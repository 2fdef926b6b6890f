// A fake Stripe on loopback for tests: answers the paths the official `stripe` SDK calls for
// SPEC §8 from a small in-memory store (stripe-store.ts), honours Idempotency-Key like Stripe,
// and lets a test inject failures, delays and a rate limit. This file is the wire.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { parseForm, type Form } from './form.ts';
import {
  createStripeStore,
  now,
  StripeFailure,
  type Card,
  type FakeStripeEvent,
  type StripeObject,
} from './stripe-store.ts';

export type { Card, FakeStripeEvent, StripeObject };

export interface FakeStripeOptions {
  /** Answer 429 (Retry-After: 1) to requests beyond this many in any one second. */
  requestsPerSecond?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The parsed form: the body of a POST, the query of a GET or DELETE. */
  params: Form;
  idempotencyKey: string | undefined;
  status: number;
}

export interface Failure {
  /** Only requests whose path starts with this (e.g. `/v1/billing/meter_events`); default all. */
  path?: string;
  status: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** How many matching requests fail; default 1. */
  times?: number;
}

export interface FakeStripe {
  /** Base URL, e.g. `http://127.0.0.1:54321`: the value for STRIPE_API_URL. */
  url: string;
  /** Every request in arrival order, failed ones included. */
  requests: RecordedRequest[];
  /** Meter events Stripe accepted (one per identifier). */
  meterEvents: StripeObject[];
  /** Any object of the store by id (a copy), or undefined. */
  get(id: string): StripeObject | undefined;
  /** Every stored object of one kind (`customer`, `subscription`, …), oldest first (copies). */
  all(object: string): StripeObject[];
  /** Attaches a card to a setup session's SetupIntent, completes the session, returns the event. */
  completeSetup(sessionId: string, card?: Partial<Card>): FakeStripeEvent;
  /** Marks a payment session paid and complete, returns the event. */
  completePayment(sessionId: string): FakeStripeEvent;
  /** Adds an invoice for a customer (amounts in integer cents). */
  addInvoice(customerId: string, fields?: Record<string, unknown>): StripeObject;
  /** Wraps any stored object in an event of `type` (e.g. `invoice.payment_failed`). */
  eventOf(type: string, objectId: string): FakeStripeEvent;
  failNext(failure: Failure): void;
  /** Holds the next request `ms` before answering it (it is still carried out). */
  delayNext(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const objects = createStripeStore(() => url);
  const idempotent = new Map<string, { request: string; status: number; body: unknown }>();
  const requests: RecordedRequest[] = [];
  const failures: (Failure & { times: number })[] = [];
  const delays: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const recent: number[] = [];
  let url = '';

  // ---- the wire: rate limit, injected failures, delays, idempotency, then the resource ----

  async function answer(req: IncomingMessage, body: string): Promise<[number, unknown, number?]> {
    const target = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const params = parseForm(method === 'POST' ? body : target.search.slice(1));
    const key = req.headers['idempotency-key'] as string | undefined;
    const entry: RecordedRequest = {
      method,
      path: target.pathname,
      params,
      idempotencyKey: key,
      status: 0,
    };
    requests.push(entry);
    const settle = (status: number, value: unknown, retryAfter?: number) => {
      entry.status = status;
      return [status, value, retryAfter] as [number, unknown, number?];
    };
    const refuse = (error: StripeFailure, retryAfter?: number) =>
      settle(
        error.status,
        { error: { type: error.type, code: error.code, message: error.message } },
        retryAfter,
      );

    if (options.requestsPerSecond !== undefined) {
      while (recent.length > 0 && recent[0]! <= Date.now() - 1000) recent.shift();
      if (recent.length >= options.requestsPerSecond) {
        return refuse(
          new StripeFailure(
            429,
            'invalid_request_error',
            'Too many requests hit the API too quickly.',
            'rate_limit',
          ),
          1,
        );
      }
      recent.push(Date.now());
    }
    const failure = failures.find((f) => !f.path || target.pathname.startsWith(f.path));
    if (failure) {
      if (--failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
      const [type, message] =
        failure.status === 429
          ? ['invalid_request_error', 'Too many requests hit the API too quickly.']
          : failure.status >= 500
            ? ['api_error', 'Something went wrong on Stripe’s end (injected by the test).']
            : ['invalid_request_error', 'The request was refused (injected by the test).'];
      const code = failure.status === 429 ? 'rate_limit' : undefined;
      return refuse(new StripeFailure(failure.status, type, message, code), failure.retryAfter);
    }
    const delay = delays.shift();
    if (delay) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (timers.delete(timer), resolve()), delay);
        timers.add(timer);
      });
    }
    if (!/^Bearer (sk|rk)_/.test(req.headers.authorization ?? '')) {
      return refuse(new StripeFailure(401, 'invalid_request_error', 'Invalid API Key provided.'));
    }
    const fingerprint = `${method} ${target.pathname} ${body}`;
    const earlier = key === undefined ? undefined : idempotent.get(key);
    if (earlier && earlier.request !== fingerprint) {
      return refuse(
        new StripeFailure(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        ),
      );
    }
    if (earlier) return settle(earlier.status, earlier.body);
    try {
      const value = structuredClone(objects.route(method, target.pathname, params));
      // Like Stripe, only a request that was carried out is saved under its key.
      if (key !== undefined && method === 'POST')
        idempotent.set(key, { request: fingerprint, status: 200, body: value });
      return settle(200, value);
    } catch (error) {
      if (error instanceof StripeFailure) return refuse(error);
      throw error;
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void answer(req, Buffer.concat(chunks).toString('utf8')).then(
        ([status, value, retryAfter]) => {
          if (res.destroyed) return;
          const headers: Record<string, string> = {
            'content-type': 'application/json',
            'request-id': objects.newId('req'),
          };
          if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
          res.writeHead(status, headers).end(JSON.stringify(value));
        },
        (error: unknown) => {
          res
            .writeHead(500)
            .end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    meterEvents: objects.meterEvents,
    get: objects.get,
    all: objects.all,
    completeSetup: objects.completeSetup,
    completePayment: objects.completePayment,
    addInvoice: (customerId, fields) => structuredClone(objects.addInvoice(customerId, fields)),
    eventOf: objects.eventOf,
    failNext: (failure) => void failures.push({ times: 1, ...failure }),
    delayNext: (ms) => void delays.push(ms),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Stripe-Signature header for `payload`, made by the SDK's own test helper. */
export function signedWebhook(
  payload: string | object,
  secret: string,
  options: { timestamp?: number } = {},
): { body: string; signature: string } {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    timestamp: options.timestamp ?? now(),
  });
  return { body, signature };
}
