// A payment card as people read it, on the Billing page and in Slack alike (Stripe sends brands
// in lower case: "visa", "amex"). Client-safe.

const BRANDS: Record<string, string> = {
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

/** "visa" → "Visa"; an unknown brand capitalised as Stripe named it. */
export function cardBrand(brand: string): string {
  return BRANDS[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}
