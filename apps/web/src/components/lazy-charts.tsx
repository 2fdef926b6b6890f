// Charts load with their own chunk, behind a placeholder of the same height: the daily usage chart
// (hand-drawn SVG, small) is fetched with the overview; the top-accounts chart brings recharts.
import { Skeleton } from '@mantine/core';
import { lazy, Suspense, type ComponentProps } from 'react';
import { UsageChartImpl } from '../lib/first-load.ts';
import { usePreloaded } from '../lib/preloadable.ts';

const TopAccountsChartImpl = lazy(() => import('../charts/top-accounts-chart.tsx'));

/** Without Suspense: the overview's chart shows the moment its chunk and data are in. */
export function UsageChart(props: ComponentProps<typeof UsageChartImpl>) {
  const Chart = usePreloaded(UsageChartImpl);
  return Chart ? <Chart {...props} /> : <Skeleton height={props.height ?? 280} />;
}

export function TopAccountsChart(props: ComponentProps<typeof TopAccountsChartImpl>) {
  return (
    <Suspense fallback={<Skeleton height={200} />}>
      <TopAccountsChartImpl {...props} />
    </Suspense>
  );
}
