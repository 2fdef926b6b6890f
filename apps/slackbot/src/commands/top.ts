// `/hops top [days] [n]`: the N accounts that cost most over the last days.
import { formatUsd } from '@hops/api/decimal';
import { lastDays } from '@hops/api/days';
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
    const title = `Top ${n} accounts by cost, last ${days} day${days === 1 ? '' : 's'}`;
    if (ranking.length === 0) {
      return {
        text: `${title}: no usage.`,
        blocks: [header(title), context('No usage in this period.')],
      };
    }
    return {
      text: `${title}: ${ranking.map((r) => `${r.ownerEmail} ${formatUsd(r.totalCost)}`).join(', ')}`,
      blocks: [
        header(title),
        rankingTable(ranking),
        context(`${from} to ${to} (UTC days, inclusive)`),
      ],
    };
  },
};
