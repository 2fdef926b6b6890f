// `/hops whois <email>`: the user card.
import { userCard } from '../blocks/user-card.ts';
import { noMore, readEmail } from './args.ts';
import type { Command } from './command.ts';

export const whois: Command = {
  name: 'whois',
  usage: ['whois <email>'],
  summary: 'who someone is: role, account, cluster, billing, credits, 30-day cost',
  example: 'whois alice@acme.test',
  async run(ctx, [email, ...rest]) {
    const address = readEmail(email);
    noMore(rest);
    return userCard(await ctx.api.admin.users.get.query({ email: address }));
  },
};
