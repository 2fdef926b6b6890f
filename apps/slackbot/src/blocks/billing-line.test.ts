// The billing line of `whois`, from billing.status answers.
import { describe, expect, test } from 'vitest';
import { billingLine } from './billing-line.ts';

const stripeOn = {
  userId: 'dev|alice',
  billingMode: 'postpaid' as const,
  stripe: true,
  card: null,
  subscriptionStatus: null,
  paymentFailed: null,
  lastReportedDay: null,
  unreportedCost: '0.0000',
};
const visa = { brand: 'visa', last4: '4242', expMonth: 4, expYear: 2027 };

describe('billing line', () => {
  test('the card on file, its expiry and the subscription', () => {
    expect(billingLine({ ...stripeOn, card: visa, subscriptionStatus: 'active' })).toBe(
      'Card: Visa •••• 4242 (04/2027) · subscription active',
    );
    expect(billingLine({ ...stripeOn, card: { ...visa, brand: 'amex', expMonth: 12 } })).toBe(
      'Card: American Express •••• 4242 (12/2027)',
    );
  });

  test('no card', () => {
    expect(billingLine(stripeOn)).toBe('Card: none on file');
  });

  test('a failed payment, with its amount and UTC day, on a line of its own', () => {
    expect(
      billingLine({
        ...stripeOn,
        card: visa,
        subscriptionStatus: 'past_due',
        paymentFailed: { invoiceId: 'in_1', amount: '12.34', at: '2026-11-30T23:59:00.000Z' },
      }),
    ).toBe(
      'Card: Visa •••• 4242 (04/2027) · subscription past_due\n⚠️ Payment failed: $12.34 on 2026-11-30',
    );
  });

  test('nothing when the server has no Stripe', () => {
    expect(billingLine({ ...stripeOn, stripe: false, card: visa })).toBeNull();
  });
});
