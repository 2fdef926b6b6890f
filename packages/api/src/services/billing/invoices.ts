// billing.invoices (SPEC §8): the account's invoices as Stripe has them, amounts as exact decimal
// USD strings (integer cents ÷ 100, never through a float). Only the account's own customer.
import type { UserCaller } from '../../actor.ts';
import type { Executor } from '../../db.ts';
import { centsToUsd } from '../../decimal.ts';
import { billingOwner, callStripe, requireStripe, type BillingDeps } from './account.ts';

export interface InvoiceView {
  id: string;
  number: string | null;
  status: string | null;
  /** ISO timestamps. */
  periodStart: string;
  periodEnd: string;
  /** USD, 2 decimals. */
  total: string;
  amountDue: string;
  currency: string;
  hostedInvoiceUrl: string | null;
  pdfUrl: string | null;
}

const isoOf = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

export async function listAccountInvoices(
  db: Executor,
  actor: UserCaller,
  deps: BillingDeps,
  input: { userId?: string | undefined } = {},
): Promise<InvoiceView[]> {
  const stripe = requireStripe(deps);
  const owner = await billingOwner(db, actor, input.userId);
  const customerId = owner.stripeCustomerId;
  if (!customerId) return [];
  const invoices = await callStripe(() => stripe.listInvoices(customerId));
  return invoices.map((invoice) => ({
    id: invoice.id,
    number: invoice.number,
    status: invoice.status,
    periodStart: isoOf(invoice.periodStart),
    periodEnd: isoOf(invoice.periodEnd),
    total: centsToUsd(invoice.totalCents),
    amountDue: centsToUsd(invoice.amountDueCents),
    currency: invoice.currency,
    hostedInvoiceUrl: invoice.hostedInvoiceUrl,
    pdfUrl: invoice.pdfUrl,
  }));
}
