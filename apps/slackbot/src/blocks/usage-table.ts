// Usage and cost by resource over a period, as a table; optionally who in the account used what.
import { formatDecimal, formatUsd } from '@hops/api/decimal';
import { COSTS, quantitiesOf, type UsageAmounts } from '@hops/api/resources';
import { context, esc, header, table, type Block, type Reply } from './kit.ts';

interface UsageBreakdownLine {
  email: string;
  totalCost: string;
  /** No longer in the account (removed, or left); their usage while in it is still the account's. */
  formerMember: boolean;
}

export const FORMER_MEMBER = '(no longer a member)';

/**
 * One line per quantity with its cost beside it; a cost priced from several quantities (storage:
 * online and offline) gets a line of its own under them.
 */
function resourceRows(f: UsageAmounts): string[][] {
  const rows = COSTS.flatMap((cost) => {
    const quantities = quantitiesOf(cost.field);
    const single = quantities.length === 1;
    const lines = quantities.map((q) => [
      q.label,
      formatDecimal(f[q.field], 2),
      q.unit,
      single ? formatUsd(f[cost.field]) : '',
    ]);
    return single ? lines : [...lines, [`${cost.label} (both)`, '', '', formatUsd(f[cost.field])]];
  });
  return [...rows, ['Total', '', '', formatUsd(f.totalCost)]];
}

export function usageTable(options: {
  title: string;
  from: string;
  to: string;
  figures: UsageAmounts;
  note?: string;
  breakdown?: UsageBreakdownLine[];
}): Reply {
  const { figures, from, to } = options;
  const blocks: Block[] = [
    header(options.title),
    table(['resource', '>quantity', 'unit', '>cost'], resourceRows(figures)),
    context(
      `${from} to ${to} (UTC days, inclusive)${options.note ? `  ·  ${esc(options.note)}` : ''}`,
    ),
  ];
  if (options.breakdown && options.breakdown.length > 0) {
    blocks.push(
      table(
        ['user', '>cost'],
        options.breakdown.map((line) => [
          line.formerMember ? `${line.email} ${FORMER_MEMBER}` : line.email,
          formatUsd(line.totalCost),
        ]),
      ),
    );
    if (options.breakdown.some((line) => line.formerMember)) {
      blocks.push(
        context(
          `${FORMER_MEMBER}: removed from the account or left it; what they used while in it is billed to the account.`,
        ),
      );
    }
  }
  return {
    text: `${options.title}: ${formatUsd(figures.totalCost)} from ${from} to ${to}`,
    blocks,
  };
}
