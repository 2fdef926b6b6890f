// Accounts ranked by cost, as horizontal bars. Loaded on demand with recharts.
import { formatUsd, toChartNumber } from '@hops/api/decimal';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

interface TopAccountBar {
  label: string;
  totalCost: string;
}

export default function TopAccountsChart({ accounts }: { accounts: readonly TopAccountBar[] }) {
  const data = accounts.map((account) => ({ ...account, value: toChartNumber(account.totalCost) }));
  const height = Math.max(160, data.length * 32 + 40);
  return (
    <div style={{ width: '100%', height }} role="img" aria-label="Accounts by cost">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" fontSize={11} tickFormatter={(value: number) => `$${value}`} />
          <YAxis
            type="category"
            dataKey="label"
            width={140}
            fontSize={11}
            tickFormatter={(label: string) =>
              label.length > 20 ? `${label.slice(0, 19)}…` : label
            }
          />
          <Tooltip
            formatter={(_value, _name, item) =>
              formatUsd((item.payload as TopAccountBar).totalCost)
            }
          />
          <Bar dataKey="value" name="Cost" fill="#12b886" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
