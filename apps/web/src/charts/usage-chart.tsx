// The daily cost chart, stacked by resource. Loaded on demand: recharts is the heaviest library
// here and the first page load does not need it.
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
import { formatUsd, toChartNumber } from '../lib/money.ts';
import { COST_PARTS, type DailyUsageRow } from '../lib/usage-rows.ts';

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
    ...Object.fromEntries(COST_PARTS.map((part) => [part.label, toChartNumber(row[part.key])])),
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
            tickFormatter={(day: string) => day.slice(5)}
            fontSize={11}
            minTickGap={16}
          />
          <YAxis fontSize={11} width={56} tickFormatter={(value: number) => `$${value}`} />
          <Tooltip
            formatter={(_value, name, item) => {
              const part = COST_PARTS.find((p) => p.label === name);
              const row = (item.payload as { row: DailyUsageRow }).row;
              return part ? formatUsd(row[part.key]) : String(_value);
            }}
            labelFormatter={(label, payload) => {
              const row = (payload[0]?.payload as { row?: DailyUsageRow } | undefined)?.row;
              return row ? `${String(label)} · total ${formatUsd(row.totalCost)}` : String(label);
            }}
          />
          {/* In stacking order, bottom first, rather than alphabetical. */}
          <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
          {COST_PARTS.map((part) => (
            <Bar
              key={part.key}
              dataKey={part.label}
              stackId="cost"
              fill={part.color}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
