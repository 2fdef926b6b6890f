// `/hops top [days] [n]`: the N accounts that cost most over the last days. The title counts the
// accounts listed: when fewer than N had usage, it says so rather than promising N.
import { formatUsd } from '@hops/api/decimal';
import { lastDays } from '@hops/api/days';
import { count } from '../blocks/format.ts';
import { context, header, type Reply } from '../blocks/kit.ts';
import { rankingTable } from '../blocks/ranking.ts';
import { noMore, readWholeNumber } from './args.ts';
import type { Command } from './command.ts';

export const top: Command = {
  name: 'top',
  usage: ['top [days] [n]'],
  summary: 'the N accounts (default 10) that cost most over the last days (default 30)',
  example: 'top 7 5',
  async run(ctx, [daysWord, nWord, ...rest]): Promise<Reply> {
    const days = readWholeNumber(daysWord, 'The number of days', { min: 1, max: 400, default: 30 });
    const n = readWholeNumber(nWord, 'The number of accounts', { min: 1, max: 50, default: 10 });
    noMore(rest);
    const { from, to } = lastDays(days, ctx.today);
    const ranking = await ctx.api.usage.top.query({ from, to, limit: n });
    const period = `last ${count(days, 'day')}`;
    if (ranking.length === 0) {
      const title = `Top accounts by cost, ${period}`;
      return {
        text: `${title}: no usage.`,
        blocks: [header(title), context(`No account had usage from ${from} to ${to}.`)],
      };
    }
    const title = `Top ${count(ranking.length, 'account')} by cost, ${period}`;
    const fewer =
      ranking.length < n
        ? `  ·  only ${count(ranking.length, 'account')} had usage, so ${ranking.length === 1 ? 'it is' : 'all are'} listed (of the ${n} asked for)`
        : '';
    return {
      text: `${title}: ${ranking.map((r) => `${r.ownerEmail} ${formatUsd(r.totalCost)}`).join(', ')}`,
      blocks: [
        header(title),
        rankingTable(ranking),
        context(`${from} to ${to} (UTC days, inclusive)${fewer}`),
      ],
    };
  },
};
