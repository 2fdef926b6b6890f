// The Billing page's API types, as the router declares them.
import type { RouterOutputs } from '../../lib/trpc.ts';

export type BillingStatus = RouterOutputs['billing']['status'];
export type Invoice = RouterOutputs['billing']['invoices'][number];
