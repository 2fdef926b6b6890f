// `/hops whois <email>`: the user card, with an owner's card and payment state, and the account's
// spending cap.
import { billingLine } from '../blocks/billing-line.ts';
import type { SpendingCap } from '../blocks/spending-cap.ts';
import { userCard } from '../blocks/user-card.ts';
import { noMore, readEmail } from './args.ts';
import type { Command, CommandContext } from './command.ts';

/** The owner's billing line; null without Stripe, or when billing.status fails (logged). */
async function ownerBilling(ctx: CommandContext, userId: string): Promise<string | null> {
  try {
    return billingLine(await ctx.api.billing.status.query({ userId }));
  } catch (error) {
    // The card is worth showing without its billing line; whois never fails because of billing.
    ctx.log.warn({ err: error, userId }, 'whois: billing.status failed');
    return null;
  }
}

/** The account's spending cap (an owner's, or a member's owner's); null when it fails (logged). */
async function accountCap(ctx: CommandContext, userId: string): Promise<SpendingCap | null> {
  try {
    return await ctx.api.account.spendingCap.query({ userId });
  } catch (error) {
    // Like billing: the card is worth showing without its cap line.
    ctx.log.warn({ err: error, userId }, 'whois: account.spendingCap failed');
    return null;
  }
}

export const whois: Command = {
  name: 'whois',
  usage: ['whois <email>'],
  summary: 'who someone is: role, account, cluster, billing, credits, 30-day cost, spending cap',
  example: 'whois alice@acme.test',
  async run(ctx, [email, ...rest]) {
    const address = readEmail(email);
    noMore(rest);
    const detail = await ctx.api.admin.users.get.query({ email: address });
    const [billing, cap] = await Promise.all([
      detail.user.role === 'owner' ? ownerBilling(ctx, detail.user.id) : null,
      accountCap(ctx, detail.user.id),
    ]);
    return userCard(detail, { billing, cap });
  },
};
