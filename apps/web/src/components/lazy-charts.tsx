// The charts. The daily usage chart (hand-drawn SVG, ~2 KB) comes with the pages that show it: as a
// chunk of its own it arrived after the overview's data and drew in a render of its own, ~65 ms
// after the month's cost (bench:web's first load). The top-accounts chart brings recharts, so it
// loads on demand behind a placeholder of the same height.
import { Skeleton } from '@mantine/core';
import { lazy, Suspense, type ComponentProps } from 'react';

export { default as UsageChart } from '../charts/usage-chart.tsx';

const TopAccountsChartImpl = lazy(() => import('../charts/top-accounts-chart.tsx'));

export function TopAccountsChart(props: ComponentProps<typeof TopAccountsChartImpl>) {
  return (
    <Suspense fallback={<Skeleton height={200} />}>
      <TopAccountsChartImpl {...props} />
    </Suspense>
  );
}
