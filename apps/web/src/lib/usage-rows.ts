// The usage table's columns: the one definition the table renders and the CSV download reuses,
// so a download holds exactly the cells on screen.
import type { Column } from '../components/data-table.tsx';
import { compareDecimals, formatQuantity, formatUsd } from './money.ts';
import type { RouterOutputs } from './trpc.ts';

export type DailyUsageRow = RouterOutputs['usage']['daily'][number];

type AmountKey = Exclude<keyof DailyUsageRow, 'date'>;

function quantity(id: AmountKey, header: string): Column<DailyUsageRow> {
  return {
    id,
    header,
    text: (row) => formatQuantity(row[id], 4),
    compare: (a, b) => compareDecimals(a[id], b[id]),
    align: 'right',
  };
}

function cost(id: AmountKey, header: string): Column<DailyUsageRow> {
  return {
    id,
    header,
    text: (row) => formatUsd(row[id]),
    compare: (a, b) => compareDecimals(a[id], b[id]),
    align: 'right',
  };
}

export const usageColumns: Column<DailyUsageRow>[] = [
  {
    id: 'date',
    header: 'Date',
    text: (row) => row.date,
    compare: (a, b) => a.date.localeCompare(b.date),
  },
  quantity('cpuHours', 'CPU h'),
  quantity('gpuHours', 'GPU h'),
  quantity('ramGbHours', 'RAM GB·h'),
  quantity('onlineStorageGb', 'Online GB'),
  quantity('offlineStorageGb', 'Offline GB'),
  quantity('networkEgressGb', 'Egress GB'),
  cost('cpuCost', 'CPU cost'),
  cost('gpuCost', 'GPU cost'),
  cost('ramCost', 'RAM cost'),
  cost('storageCost', 'Storage cost'),
  cost('networkCost', 'Network cost'),
  cost('totalCost', 'Total cost'),
];

/** The resources a day's cost is stacked by, in chart order. */
export const COST_PARTS = [
  { key: 'cpuCost', label: 'CPU', color: '#12b886' },
  { key: 'gpuCost', label: 'GPU', color: '#7950f2' },
  { key: 'ramCost', label: 'RAM', color: '#228be6' },
  { key: 'storageCost', label: 'Storage', color: '#fab005' },
  { key: 'networkCost', label: 'Network', color: '#fa5252' },
] as const satisfies readonly { key: AmountKey; label: string; color: string }[];
