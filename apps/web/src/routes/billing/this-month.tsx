// What the account used this month (UTC) and, for postpaid accounts with Stripe, how far that
// usage has reached Stripe: it is invoiced at the end of the billing period.
import { formatUsd } from '@hops/api/decimal';
import { monthStart, utcToday } from '@hops/api/days';
import { useQuery } from '@tanstack/react-query';
import { Stat } from '../../components/stat.tsx';
import { ErrorState } from '../../components/states.tsx';
import { formatDay, formatDayRange } from '../../lib/dates.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { BillingStatus } from './types.ts';

function reportingHint(status: BillingStatus): string {
  if (status.billingMode === 'prepaid') return 'Paid from your credits as it is used.';
  if (!status.stripe) return 'Not invoiced yet.';
  const reported = status.lastReportedDay
    ? `reported to Stripe through ${formatDay(status.lastReportedDay)}`
    : 'not reported to Stripe yet';
  return `Not invoiced yet; ${reported}, ${formatUsd(status.unreportedCost)} still to report.`;
}

export function ThisMonth({ status }: { status: BillingStatus | undefined }) {
  const trpc = useTRPC();
  const today = utcToday();
  const summary = useQuery(trpc.usage.summary.queryOptions({ from: monthStart(today), to: today }));
  const label = 'Used this month';
  if (summary.isError) return <ErrorState error={summary.error} title={label} />;
  return (
    <Stat
      label={label}
      value={summary.data ? formatUsd(summary.data.totalCost) : '…'}
      hint={
        <>
          {formatDayRange(monthStart(today), today)} (UTC days).
          {status && <> {reportingHint(status)}</>}
        </>
      }
      testId="billing-this-month"
    />
  );
}
