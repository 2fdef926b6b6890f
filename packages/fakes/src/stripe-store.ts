// The fake Stripe's objects: an in-memory store and one handler per resource the SDK calls for
// SPEC §8, each answering (method, id, params) with a Stripe-shaped object or throwing a
// StripeFailure (the wire, in stripe.ts, turns that into Stripe's error JSON).
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Form, FormValue } from './form.ts';

export interface Card {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
}

/** A Stripe-shaped object of the store; fields as Stripe names them. */
export type StripeObject = { id: string; object: string; [field: string]: unknown };

export interface FakeStripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  livemode: false;
  api_version: string;
  data: { object: StripeObject };
}

export class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const now = () => Math.floor(Date.now() / 1000);
const missing = (kind: string, id: string) =>
  new StripeFailure(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing');
const required = (param: string) =>
  new StripeFailure(
    400,
    'invalid_request_error',
    `Missing required param: ${param}.`,
    'parameter_missing',
  );

function text(form: Form, key: string): string | undefined {
  const value = form[key];
  return typeof value === 'string' ? value : undefined;
}

function record(value: FormValue | undefined): Record<string, string> {
  return typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, string>)
    : {};
}

export type StripeStore = ReturnType<typeof createStripeStore>;

/** The store; `baseUrl` gives the fake's address for the URLs of sessions and invoices. */
export function createStripeStore(baseUrl: () => string) {
  const store = new Map<string, StripeObject>();
  const meterEvents: StripeObject[] = [];
  let counter = 0;

  const newId = (prefix: string) => `${prefix}_fake${(++counter).toString().padStart(6, '0')}`;
  const put = (fields: StripeObject) => (store.set(fields.id, fields), fields);
  const find = (kind: string, object: string, id: string) => {
    const found = store.get(id);
    if (!found || found.object !== object) throw missing(kind, id);
    return found;
  };
  const customerOf = (id: string | undefined) => (id ? find('customer', 'customer', id) : null);

  function eventOf(type: string, objectId: string): FakeStripeEvent {
    const object = store.get(objectId);
    if (!object) throw new Error(`The fake Stripe has no object ${objectId}.`);
    return {
      id: newId('evt'),
      object: 'event',
      type,
      created: now(),
      livemode: false,
      api_version: Stripe.API_VERSION,
      data: { object: structuredClone(object) },
    };
  }

  // ---- resources: each answers (method, path segments, params) or throws a StripeFailure ----

  function customers(method: string, id: string | undefined, params: Form): StripeObject {
    if (method === 'POST' && !id) {
      return put({
        id: newId('cus'),
        object: 'customer',
        created: now(),
        livemode: false,
        email: text(params, 'email') ?? null,
        name: text(params, 'name') ?? null,
        metadata: record(params.metadata),
        invoice_settings: { default_payment_method: null },
      });
    }
    const customer = find('customer', 'customer', id ?? '');
    if (method === 'POST') {
      const settings = record(params.invoice_settings);
      if (settings.default_payment_method !== undefined) {
        find('payment method', 'payment_method', settings.default_payment_method);
      }
      Object.assign(customer, {
        email: text(params, 'email') ?? customer.email,
        name: text(params, 'name') ?? customer.name,
        metadata: { ...(customer.metadata as object), ...record(params.metadata) },
        invoice_settings: { ...(customer.invoice_settings as object), ...settings },
      });
    }
    return customer;
  }

  function checkoutSessions(method: string, id: string | undefined, params: Form): StripeObject {
    if (method === 'GET') return find('checkout session', 'checkout.session', id ?? '');
    const mode = text(params, 'mode');
    if (!mode) throw required('mode');
    if (!text(params, 'success_url')) throw required('success_url');
    const customer = customerOf(text(params, 'customer'));
    const sessionId = newId('cs_test');
    let amountTotal: number | null = null;
    let setupIntent: string | null = null;
    if (mode === 'payment') {
      const items = params.line_items;
      if (!Array.isArray(items) || items.length === 0) throw required('line_items');
      amountTotal = items.reduce<number>((sum, item) => {
        const line = item as Form;
        const unit = Number(text(record(line.price_data) as Form, 'unit_amount'));
        if (!Number.isSafeInteger(unit) || unit < 0) throw required('line_items[price_data]');
        return sum + unit * Number(text(line, 'quantity') ?? '1');
      }, 0);
    } else if (mode === 'setup') {
      setupIntent = put({
        id: newId('seti'),
        object: 'setup_intent',
        created: now(),
        customer: customer?.id ?? null,
        status: 'requires_payment_method',
        payment_method: null,
        usage: 'off_session',
      }).id;
    }
    return put({
      id: sessionId,
      object: 'checkout.session',
      created: now(),
      livemode: false,
      mode,
      status: 'open',
      payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid',
      customer: customer?.id ?? null,
      currency: text(params, 'currency') ?? (mode === 'payment' ? 'usd' : null),
      amount_total: amountTotal,
      setup_intent: setupIntent,
      metadata: record(params.metadata),
      success_url: text(params, 'success_url'),
      cancel_url: text(params, 'cancel_url') ?? null,
      url: `${baseUrl()}/pay/${sessionId}`,
    });
  }

  function setupIntents(id: string, params: Form): StripeObject {
    const intent = find('setupintent', 'setup_intent', id);
    const expand = Array.isArray(params.expand) ? params.expand : [];
    if (!expand.includes('payment_method') || !intent.payment_method) return intent;
    return { ...intent, payment_method: store.get(intent.payment_method as string) };
  }

  function subscriptions(method: string, id: string | undefined, params: Form): StripeObject {
    if (method === 'POST' && !id) {
      const customer = customerOf(text(params, 'customer'));
      if (!customer) throw required('customer');
      const items = Array.isArray(params.items) ? (params.items as Form[]) : [];
      const prices = items.map((item) => text(item, 'price'));
      if (prices.length === 0 || prices.some((price) => !price)) throw required('items[0][price]');
      return put({
        id: newId('sub'),
        object: 'subscription',
        created: now(),
        livemode: false,
        customer: customer.id,
        status: 'active',
        metadata: record(params.metadata),
        canceled_at: null,
        items: {
          object: 'list',
          data: prices.map((price) => ({
            id: newId('si'),
            object: 'subscription_item',
            price: { id: price, object: 'price' },
          })),
        },
      });
    }
    const subscription = find('subscription', 'subscription', id ?? '');
    if (method === 'POST') {
      const metadata = { ...(subscription.metadata as object), ...record(params.metadata) };
      Object.assign(subscription, { metadata });
    }
    if (method === 'DELETE') {
      if (subscription.status === 'canceled') {
        throw new StripeFailure(400, 'invalid_request_error', 'This subscription is canceled.');
      }
      Object.assign(subscription, { status: 'canceled', canceled_at: now() });
      if (text(params, 'invoice_now') === 'true') {
        const customer = subscription.customer as string;
        const cents = Math.floor((meterTotal(customer) + 50) / 100);
        addInvoice(customer, { total: cents, amount_due: cents, subscription: subscription.id });
      }
    }
    return subscription;
  }

  // The meter is pre-aggregated by UTC day: the newest event of a day replaces the earlier ones.
  function meterTotal(customerId: string): number {
    const days = new Map<number, number>();
    for (const event of meterEvents) {
      const payload = event.payload as Record<string, string>;
      if (payload.stripe_customer_id !== customerId) continue;
      days.set(Math.floor((event.timestamp as number) / 86_400), Number(payload.value));
    }
    return [...days.values()].reduce((sum, units) => sum + units, 0);
  }

  function meterEvent(params: Form): StripeObject {
    const eventName = text(params, 'event_name');
    if (!eventName) throw required('event_name');
    const payload = record(params.payload);
    if (!payload.stripe_customer_id) throw required('payload[stripe_customer_id]');
    if (!/^-?\d+(\.\d+)?$/.test(payload.value ?? '')) throw required('payload[value]');
    const timestamp = Number(text(params, 'timestamp') ?? now());
    if (timestamp < now() - 35 * 86_400 || timestamp > now() + 300) {
      throw new StripeFailure(
        400,
        'invalid_request_error',
        'Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.',
        'timestamp_out_of_range',
      );
    }
    const identifier = text(params, 'identifier') ?? randomBytes(8).toString('hex');
    // Stripe enforces an identifier's uniqueness: a repeat is accepted and not counted again.
    const earlier = meterEvents.find((event) => event.identifier === identifier);
    if (earlier) return earlier;
    const event = {
      id: identifier,
      object: 'billing.meter_event',
      created: now(),
      livemode: false,
      event_name: eventName,
      identifier,
      payload,
      timestamp,
    };
    meterEvents.push(event);
    return event;
  }

  function addInvoice(customerId: string, fields: Record<string, unknown> = {}): StripeObject {
    find('customer', 'customer', customerId);
    const id = newId('in');
    return put({
      id,
      object: 'invoice',
      created: now(),
      livemode: false,
      customer: customerId,
      number: `FAKE-${id.slice(-4)}`,
      status: 'open',
      currency: 'usd',
      period_start: now() - 30 * 86_400,
      period_end: now(),
      total: 0,
      amount_due: 0,
      amount_paid: 0,
      hosted_invoice_url: `${baseUrl()}/invoices/${id}`,
      invoice_pdf: `${baseUrl()}/invoices/${id}.pdf`,
      ...fields,
    });
  }

  function route(method: string, path: string, params: Form): unknown {
    const [, version, resource, id, extra] = path.split('/');
    const at = `${resource ?? ''}${id && resource === 'checkout' ? `/${id}` : ''}`;
    if (version === 'v1') {
      if (at === 'customers' && method !== 'DELETE' && !extra) return customers(method, id, params);
      if (at === 'checkout/sessions' && method !== 'DELETE') {
        return checkoutSessions(method, extra, params);
      }
      if (at === 'setup_intents' && method === 'GET' && id) return setupIntents(id, params);
      if (at === 'payment_methods' && method === 'GET' && id) {
        return find('payment method', 'payment_method', id);
      }
      if (at === 'subscriptions' && !extra) return subscriptions(method, id, params);
      if (resource === 'billing_portal' && id === 'sessions' && method === 'POST') {
        const customer = customerOf(text(params, 'customer'));
        if (!customer) throw required('customer');
        const portalId = newId('bps');
        return put({
          id: portalId,
          object: 'billing_portal.session',
          created: now(),
          customer: customer.id,
          return_url: text(params, 'return_url') ?? null,
          url: `${baseUrl()}/portal/${portalId}`,
        });
      }
      if (resource === 'invoices' && method === 'GET' && !id) {
        const customer = text(params, 'customer');
        const data = [...store.values()]
          .filter((o) => o.object === 'invoice' && (!customer || o.customer === customer))
          .reverse()
          .slice(0, Number(text(params, 'limit') ?? 10));
        return { object: 'list', url: '/v1/invoices', has_more: false, data };
      }
      if (resource === 'billing' && id === 'meter_events' && method === 'POST') {
        return meterEvent(params);
      }
    }
    throw new StripeFailure(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${method}: ${path}).`,
    );
  }

  function complete(sessionId: string, mode: string): StripeObject {
    const session = find('checkout session', 'checkout.session', sessionId);
    if (session.mode !== mode) {
      throw new Error(`${sessionId} is a ${String(session.mode)} session.`);
    }
    return Object.assign(session, { status: 'complete' });
  }

  return {
    meterEvents,
    newId,
    route,
    eventOf,
    addInvoice,
    get: (id: string) => (store.has(id) ? structuredClone(store.get(id)) : undefined),
    all: (object: string) =>
      structuredClone([...store.values()].filter((o) => o.object === object)),
    completeSetup(sessionId: string, card: Partial<Card> = {}) {
      const session = complete(sessionId, 'setup');
      const intent = find('setupintent', 'setup_intent', session.setup_intent as string);
      const method = put({
        id: newId('pm'),
        object: 'payment_method',
        created: now(),
        type: 'card',
        customer: session.customer,
        card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034, ...card },
      });
      Object.assign(intent, { status: 'succeeded', payment_method: method.id });
      return eventOf('checkout.session.completed', sessionId);
    },
    completePayment(sessionId: string) {
      Object.assign(complete(sessionId, 'payment'), { payment_status: 'paid' });
      return eventOf('checkout.session.completed', sessionId);
    },
  };
}
