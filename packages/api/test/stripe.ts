// Stripe in the API's tests: the fake on loopback, the real client pointed at it, ApiDeps that
// carry it, and deliveries of the fake's events through the webhook's own entry point.
import type { Db } from '@hops/db';
import { signedWebhook, startFakeStripe, type FakeStripe } from '@hops/fakes/stripe';
import type { ApiDeps } from '../src/context.ts';
import { createStripe, type StripeApi } from '../src/integrations/stripe.ts';
import { applyStripeEvent } from '../src/services/billing/webhook.ts';
import { recordingLogger, testDeps, type RecordingLogger } from './helpers.ts';

export const WEBHOOK_SECRET = 'whsec_hops_tests';
export const PRICE_ID = 'price_hops_usage';

export interface StripeWorld {
  fake: FakeStripe;
  stripe: StripeApi;
  deps: ApiDeps;
  log: RecordingLogger;
  /** Signs `event` as Stripe would and hands it to the webhook's effects. */
  deliver: (db: Db, event: object) => ReturnType<typeof applyStripeEvent>;
  close: () => Promise<void>;
}

export async function startStripeWorld(): Promise<StripeWorld> {
  const fake = await startFakeStripe();
  const stripe = createStripe({
    secretKey: 'sk_test_hops',
    apiUrl: fake.url,
    webhookSecret: WEBHOOK_SECRET,
    priceId: PRICE_ID,
    meterEventName: 'hops_usage',
    timeoutMs: 5_000,
    // This fake has no rate limit; the pacing itself is tested against one in stripe.test.ts.
    meterEventsPerSecond: 1_000,
  });
  const log = recordingLogger();
  return {
    fake,
    stripe,
    log,
    deps: testDeps({ stripe, log }),
    deliver: (db, event) => {
      const { body, signature } = signedWebhook(event, WEBHOOK_SECRET);
      return applyStripeEvent(db, { stripe, log }, { rawBody: body, signature });
    },
    close: () => fake.close(),
  };
}

/** The Checkout Session id in a URL the fake made (`…/pay/<id>`). */
export const sessionIdOf = (url: string) => url.split('/').pop()!;
