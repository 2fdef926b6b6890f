// `/hops usage <email> [days]`: usage and cost by resource over the last N days (default 30). For
// an owner that is the whole account (what they pay) with each user's share; for a member, their own.
import { lastDays } from '@hops/api/days';
import { compareDecimals } from '@hops/api/decimal';
import { count } from '../blocks/format.ts';
import { usageTable } from '../blocks/usage-table.ts';
import { noMore, readEmail, readWholeNumber } from './args.ts';
import type { Command } from './command.ts';

export const usage: Command = {
  name: 'usage',
  usage: ['usage <email> [days]'],
  summary: 'usage and cost by resource over the last N days (default 30)',
  example: 'usage alice@acme.test 7',
  async run(ctx, [email, daysWord, ...rest]) {
    const address = readEmail(email);
    const days = readWholeNumber(daysWord, 'The number of days', { min: 1, max: 400, default: 30 });
    noMore(rest);
    const { from, to } = lastDays(days, ctx.today);
    const detail = await ctx.api.admin.users.get.query({ email: address });
    const period = count(days, 'day');
    if (detail.user.role === 'owner') {
      const summary = await ctx.api.usage.summary.query({
        from,
        to,
        accountOwnerId: detail.user.id,
      });
      const users = summary.byMember.filter((m) => compareDecimals(m.totalCost, '0') > 0);
      return usageTable({
        title: `Usage of ${detail.user.email}'s account, last ${period}`,
        from,
        to,
        figures: summary.totals,
        note: `${count(users.length, 'user')} with usage`,
        breakdown: users.map(({ email, totalCost, formerMember }) => ({
          email,
          totalCost,
          formerMember,
        })),
      });
    }
    // A member: their own usage (whoever paid for it).
    const own = await ctx.api.usage.summary.query({ from, to, userId: detail.user.id });
    return usageTable({
      title: `Usage of ${detail.user.email}, last ${period}`,
      from,
      to,
      figures: own.totals,
      note: `a member of ${detail.account.owner.email}'s account, which pays for it`,
    });
  },
};
