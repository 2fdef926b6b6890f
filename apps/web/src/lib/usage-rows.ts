// The usage table's columns: the one definition the table renders and the CSV download reuses,
// so a download holds exactly the cells on screen. One column per resource of @hops/api/resources.
import { compareDecimals, formatQuantity, formatUsd } from '@hops/api/decimal';
import { COSTS, QUANTITIES, type AmountField, type UsageAmounts } from '@hops/api/resources';
import { dayColumn, type Column } from '../components/data-table.tsx';
import type { RouterOutputs } from './trpc.ts';

export type DailyUsageRow = RouterOutputs['usage']['daily'][number];

const show = {
  quantity: (value: string) => formatQuantity(value, 4),
  cost: formatUsd,
};

/** One figure of a day or a period: a quantity as recorded (4 decimals), or a cost in cents. */
export function amountColumn<Row extends UsageAmounts>(
  field: AmountField,
  header: string,
  kind: keyof typeof show,
): Column<Row> {
  return {
    id: field,
    header,
    text: (row) => show[kind](row[field]),
    compare: (a, b) => compareDecimals(a[field], b[field]),
    align: 'right',
  };
}

export const usageColumns: Column<DailyUsageRow>[] = [
  // Usage is counted in UTC days (SPEC §3.4); each day's hover says which hours of your clock.
  dayColumn<DailyUsageRow>('date', 'Day (UTC)', (row) => row.date),
  ...QUANTITIES.map((q) => amountColumn<DailyUsageRow>(q.field, q.heading, 'quantity')),
  ...COSTS.map((c) => amountColumn<DailyUsageRow>(c.field, `${c.label} cost`, 'cost')),
  amountColumn<DailyUsageRow>('totalCost', 'Total cost', 'cost'),
];
