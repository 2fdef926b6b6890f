// The billing line of the `whois` card: an owner's card and payment state, from billing.status.
import { cardBrand } from '@hops/api/cards';
import { formatUsd } from '@hops/api/decimal';
import type { ApiOutputs } from '../api.ts';

type BillingStatus = ApiOutputs['billing']['status'];

/**
 * "Card: Visa •••• 4242 (04/2027) · subscription active", then "⚠️ Payment failed: $12.34 on
 * 2026-11-30" on its own line while an invoice is unpaid; null when the server has no Stripe.
 */
export function billingLine(status: BillingStatus): string | null {
  if (!status.stripe) return null;
  const { card, subscriptionStatus, paymentFailed } = status;
  const cardText = card
    ? `${cardBrand(card.brand)} •••• ${card.last4} (${String(card.expMonth).padStart(2, '0')}/${card.expYear})`
    : 'none on file';
  const lines = [
    `Card: ${cardText}${subscriptionStatus ? ` · subscription ${subscriptionStatus}` : ''}`,
  ];
  if (paymentFailed) {
    lines.push(
      `⚠️ Payment failed: ${formatUsd(paymentFailed.amount)} on ${paymentFailed.at.slice(0, 10)}`,
    );
  }
  return lines.join('\n');
}
