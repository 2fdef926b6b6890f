// The daily cost chart, stacked by resource. Loaded on demand: recharts is the heaviest library
// here and the first page load does not need it.
import { formatUsd, toChartNumber } from '@hops/api/decimal';
import { COSTS, type CostField } from '@hops/api/resources';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatDay, formatShortDay } from '../lib/dates.ts';
import type { DailyUsageRow } from '../lib/usage-rows.ts';

/** Each cost column's colour; the bars stack in the order of COSTS, bottom first. */
const COLORS: Record<CostField, string> = {
  cpuCost: '#12b886',
  gpuCost: '#7950f2',
  ramCost: '#228be6',
  storageCost: '#fab005',
  networkCost: '#fa5252',
};

export default function UsageChart({
  rows,
  height = 280,
}: {
  rows: readonly DailyUsageRow[];
  height?: number;
}) {
  const data = rows.map((row) => ({
    date: row.date,
    row,
    ...Object.fromEntries(COSTS.map((cost) => [cost.label, toChartNumber(row[cost.field])])),
  }));
  return (
    <div
      style={{ width: '100%', height }}
      data-testid="usage-chart"
      role="img"
      aria-label="Daily cost by resource"
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="date"
            tickFormatter={(day: string) => formatShortDay(day)}
            fontSize={11}
            minTickGap={16}
          />
          <YAxis fontSize={11} width={56} tickFormatter={(value: number) => `$${value}`} />
          <Tooltip
            formatter={(_value, name, item) => {
              const cost = COSTS.find((c) => c.label === name);
              const row = (item.payload as { row: DailyUsageRow }).row;
              return cost ? formatUsd(row[cost.field]) : String(_value);
            }}
            labelFormatter={(label, payload) => {
              const row = (payload[0]?.payload as { row?: DailyUsageRow } | undefined)?.row;
              const day = formatDay(String(label));
              return row ? `${day} (UTC) · total ${formatUsd(row.totalCost)}` : day;
            }}
          />
          {/* In stacking order, bottom first, rather than alphabetical. */}
          <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
          {COSTS.map((cost) => (
            <Bar
              key={cost.field}
              dataKey={cost.label}
              stackId="cost"
              fill={COLORS[cost.field]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
