// Charts load with their own chunk (recharts), behind a placeholder of the same height.
import { Skeleton } from '@mantine/core';
import { lazy, Suspense, type ComponentProps } from 'react';
import { UsageChartImpl } from '../lib/first-load.ts';

const TopAccountsChartImpl = lazy(() => import('../charts/top-accounts-chart.tsx'));

export function UsageChart(props: ComponentProps<typeof UsageChartImpl>) {
  return (
    <Suspense fallback={<Skeleton height={props.height ?? 280} />}>
      <UsageChartImpl {...props} />
    </Suspense>
  );
}

export function TopAccountsChart(props: ComponentProps<typeof TopAccountsChartImpl>) {
  return (
    <Suspense fallback={<Skeleton height={200} />}>
      <TopAccountsChartImpl {...props} />
    </Suspense>
  );
}
