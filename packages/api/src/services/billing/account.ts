// What the billing services share (SPEC §8): whether Stripe is on, the owner whose billing a caller
// asks about, the account's billing_accounts row, and a refused Stripe call as a sentence.
import type { UserCaller } from '../../actor.ts';
import type { Executor } from '../../db.ts';
import { AppError, forbidden, preconditionFailed } from '../../errors.ts';
import { StripeCallError, type StripeApi } from '../../integrations/stripe.ts';
import { loadUser, requireOwner, type UserRow } from '../users.ts';

/** The billing services' dependencies (ApiDeps has both). */
export interface BillingDeps {
  /** Null or absent: Stripe is off. */
  stripe?: StripeApi | null | undefined;
  /** Base URL of the dashboard, for Checkout's return URLs. */
  publicUrl: string;
}

export const STRIPE_OFF = 'Payment is not configured on this server.';

export function requireStripe(deps: Pick<BillingDeps, 'stripe'>): StripeApi {
  if (!deps.stripe) throw preconditionFailed(STRIPE_OFF);
  return deps.stripe;
}

/** `${publicUrl}/billing?…`: where Stripe's pages send the person back. */
export function billingUrl(deps: BillingDeps, query = ''): string {
  return `${deps.publicUrl.replace(/\/+$/, '')}/billing${query}`;
}

/** The account owner whose billing the caller asks about: their own, or (admins) anyone's. */
export async function billingOwner(
  db: Executor,
  actor: UserCaller,
  userId?: string | undefined,
): Promise<UserRow> {
  const target = userId ?? actor.user.id;
  if (target !== actor.user.id && !actor.user.isAdmin) {
    throw forbidden('You can only see the billing of your own account.');
  }
  return requireOwner(
    await loadUser(db, target),
    (ownerId) => `; billing belongs to the account owner (${ownerId}).`,
  );
}

export async function readBillingAccount(db: Executor, ownerId: string) {
  return db
    .selectFrom('billingAccounts')
    .selectAll()
    .where('ownerId', '=', ownerId)
    .executeTakeFirst();
}

/**
 * Runs one Stripe call for a procedure; a refusal becomes an AppError that names the call, and
 * says whether trying again later may help. Callers write nothing before the calls succeed.
 */
export async function callStripe<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof StripeCallError)) throw error;
    if (error.retryable) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `Stripe is not answering right now (${error.call}${error.status ? `, HTTP ${error.status}` : ''}). Nothing was changed; please try again in a moment.`,
        { cause: error },
      );
    }
    throw new AppError(
      'PRECONDITION_FAILED',
      `Stripe refused the request (${error.call}): ${error.message}`,
      { cause: error },
    );
  }
}
