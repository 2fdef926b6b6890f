// Usage and cost by resource over a period, as a table; optionally who in the account used what.
import { context, esc, header, table, type Block, type Reply } from './kit.ts';
import type { ApiOutputs } from '../api.ts';
import { quantity, sumDecimals, usd } from './format.ts';

/** Quantities and costs by resource, as usage.summary totals them (decimal strings). */
export type UsageFigures = ApiOutputs['usage']['summary']['totals'];

/** The exact sum of usage.daily rows, in the same shape. */
export function sumDays(rows: UsageFigures[]): UsageFigures {
  const keys = [
    'cpuHours',
    'gpuHours',
    'ramGbHours',
    'onlineStorageGb',
    'offlineStorageGb',
    'networkEgressGb',
    'cpuCost',
    'gpuCost',
    'ramCost',
    'storageCost',
    'networkCost',
    'totalCost',
  ] as const;
  const total = {} as UsageFigures;
  for (const key of keys) total[key] = sumDecimals(rows.map((r) => r[key]));
  return total;
}

export interface UsageBreakdownLine {
  email: string;
  totalCost: string;
}

export function usageTable(options: {
  title: string;
  from: string;
  to: string;
  figures: UsageFigures;
  note?: string;
  breakdown?: UsageBreakdownLine[];
}): Reply {
  const { figures: f, from, to } = options;
  const rows = [
    ['CPU', quantity(f.cpuHours), 'hours', usd(f.cpuCost)],
    ['GPU', quantity(f.gpuHours), 'hours', usd(f.gpuCost)],
    ['RAM', quantity(f.ramGbHours), 'GB-hours', usd(f.ramCost)],
    ['Online storage', quantity(f.onlineStorageGb), 'GB-days', ''],
    ['Offline storage', quantity(f.offlineStorageGb), 'GB-days', ''],
    ['Storage (both)', '', '', usd(f.storageCost)],
    ['Network egress', quantity(f.networkEgressGb), 'GB', usd(f.networkCost)],
    ['Total', '', '', usd(f.totalCost)],
  ];
  const blocks: Block[] = [
    header(options.title),
    table(['resource', '>quantity', 'unit', '>cost'], rows),
    context(
      `${from} to ${to} (UTC days, inclusive)${options.note ? `  ·  ${esc(options.note)}` : ''}`,
    ),
  ];
  if (options.breakdown && options.breakdown.length > 0) {
    blocks.push(
      table(
        ['user', '>cost'],
        options.breakdown.map((line) => [line.email, usd(line.totalCost)]),
      ),
    );
  }
  return { text: `${options.title}: ${usd(f.totalCost)} from ${from} to ${to}`, blocks };
}
