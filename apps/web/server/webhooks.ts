// POST /webhooks/stripe (SPEC §8): Stripe's deliveries, verified on the exact bytes Stripe signed
// and applied once by `applyStripeEvent`. Stripe is the caller, so no session or origin rules
// apply; the signature is the only credential. Any answer but 2xx makes Stripe retry the delivery.
import {
  AppError,
  applyStripeEvent,
  DATABASE_DOWN,
  isDatabaseUnavailable,
  type Db,
  type Mailer,
  type SecretBox,
  type StripeApi,
} from '@hops/api';
import type { FastifyInstance } from 'fastify';

export interface WebhookRoutesOptions {
  db: Db;
  /** Null when STRIPE_SECRET_KEY is unset: Stripe is off on this server. */
  stripe: StripeApi | null;
  /** The mailer (null: mail is off) and the secrets' box, for the payment-failed mail. */
  mail?: Mailer | null;
  secrets?: SecretBox;
}

export const STRIPE_OFF =
  'Payment through Stripe is not configured on this server (STRIPE_SECRET_KEY is not set).';

/** Stripe's events are a few kilobytes; this is room and then some. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

const errorBody = (message: string, code: string) => ({ error: { message, code } });

/** Registered without fastify-plugin: the raw-body parser below stays inside this plugin. */
export async function webhookRoutes(
  app: FastifyInstance,
  options: WebhookRoutesOptions,
): Promise<void> {
  const { db, stripe, mail, secrets } = options;

  // The signature covers the bytes as sent, so the body is kept as a Buffer, never parsed here.
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.post('/webhooks/stripe', async (request, reply) => {
    // 404, not 503: a server without Stripe has no such endpoint, and that is not an outage.
    if (!stripe) return reply.code(404).send(errorBody(STRIPE_OFF, 'NOT_FOUND'));
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const given = request.headers['stripe-signature'];
    const signature = Array.isArray(given) ? given[0] : given;
    try {
      const result = await applyStripeEvent(
        db,
        { stripe, log: request.log, mail, ...(secrets ? { secrets } : {}) },
        { rawBody, signature },
      );
      request.log.info(
        { eventId: result.eventId, type: result.type, outcome: result.outcome },
        'Stripe event handled',
      );
      return { received: true, outcome: result.outcome };
    } catch (error) {
      if (error instanceof AppError && error.kind === 'BAD_REQUEST') {
        request.log.warn({ reason: error.message }, 'Stripe webhook refused');
        return reply.code(400).send(errorBody(error.message, 'BAD_REQUEST'));
      }
      // A Stripe call that could not connect reads like an outage too; it is not the database's.
      if (!isStripeError(error) && isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'Stripe webhook: database not reachable');
        return reply.code(503).send(errorBody(DATABASE_DOWN, 'SERVICE_UNAVAILABLE'));
      }
      // Nothing was kept (the claim rolled back with the effects): Stripe's retry applies it.
      request.log.error({ err: error }, 'Stripe webhook failed');
      return reply
        .code(500)
        .send(
          errorBody(
            `Something went wrong on our side (request ${request.id}). Please try again.`,
            'INTERNAL_SERVER_ERROR',
          ),
        );
    }
  });
}

function isStripeError(error: unknown): boolean {
  return (error as { system?: unknown } | null)?.system === 'Stripe';
}
