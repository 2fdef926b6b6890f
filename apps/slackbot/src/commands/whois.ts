// `/hops whois <email>`: the user card, with an owner's card and payment state.
import { billingLine } from '../blocks/billing-line.ts';
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

export const whois: Command = {
  name: 'whois',
  usage: ['whois <email>'],
  summary: 'who someone is: role, account, cluster, billing, credits, 30-day cost',
  example: 'whois alice@acme.test',
  async run(ctx, [email, ...rest]) {
    const address = readEmail(email);
    noMore(rest);
    const detail = await ctx.api.admin.users.get.query({ email: address });
    const billing = detail.user.role === 'owner' ? await ownerBilling(ctx, detail.user.id) : null;
    return userCard(detail, billing);
  },
};
