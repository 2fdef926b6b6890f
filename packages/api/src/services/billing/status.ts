// billing.status (SPEC §8): whether Stripe is on, the card on file, the subscription, a failed
// payment, and how far usage has been reported to Stripe. Read from our tables only (the webhook
// keeps them), so the Billing page never waits for Stripe.
import { sql } from 'kysely';
import type { UserCaller } from '../../actor.ts';
import type { Executor } from '../../db.ts';
import type { Card } from '../../integrations/stripe.ts';
import { round4 } from '../../money.ts';
import type { BillingMode } from '../../schemas.ts';
import { billingOwner, readBillingAccount, type BillingDeps } from './account.ts';

export interface BillingStatus {
  userId: string;
  billingMode: BillingMode;
  /** False when the server has no Stripe configuration; the rest then says what is stored. */
  stripe: boolean;
  card: Card | null;
  subscriptionStatus: string | null;
  /** The invoice Stripe could not collect (amount in USD, 2 decimals), until one is paid. */
  paymentFailed: { invoiceId: string; amount: string; at: string } | null;
  /** The last UTC day whose usage Stripe was told about, or null. */
  lastReportedDay: string | null;
  /** Cost (USD, 4 decimals) of the account's postpaid usage not yet reported to Stripe. */
  unreportedCost: string;
}

export async function getBillingStatus(
  db: Executor,
  actor: UserCaller,
  deps: BillingDeps,
  input: { userId?: string | undefined } = {},
): Promise<BillingStatus> {
  const owner = await billingOwner(db, actor, input.userId);
  const billing = await readBillingAccount(db, owner.id);
  const reported = await db
    .selectFrom('stripeUsageReports')
    .select(sql<string | null>`max(date)::text`.as('day'))
    .where('ownerId', '=', owner.id)
    .where('state', '=', 'sent')
    .executeTakeFirstOrThrow();
  const unreported = await db
    .selectFrom('usageDaily')
    .select(sql<string>`coalesce(sum(total_cost), 0)`.as('cost'))
    .where('accountOwnerId', '=', owner.id)
    .where('reportedToStripe', '=', false)
    .executeTakeFirstOrThrow();
  const card =
    billing?.defaultPaymentMethodId && billing.cardBrand && billing.cardLast4
      ? {
          brand: billing.cardBrand,
          last4: billing.cardLast4,
          expMonth: billing.cardExpMonth ?? 0,
          expYear: billing.cardExpYear ?? 0,
        }
      : null;
  const failed =
    billing?.paymentFailedInvoiceId && billing.paymentFailedAt
      ? {
          invoiceId: billing.paymentFailedInvoiceId,
          amount: billing.paymentFailedAmount ?? '0.00',
          at: billing.paymentFailedAt.toISOString(),
        }
      : null;
  return {
    userId: owner.id,
    billingMode: owner.billingMode,
    stripe: Boolean(deps.stripe),
    card,
    subscriptionStatus: billing?.subscriptionStatus ?? null,
    paymentFailed: failed,
    lastReportedDay: reported.day,
    unreportedCost: owner.billingMode === 'postpaid' ? round4(unreported.cost) : '0.0000',
  };
}
