// The account's invoices as Stripe has them: number, status, period, amounts and Stripe's links.
import { formatUsd } from '@hops/api/decimal';
import { Anchor, Badge, Group } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { DataTable, useDataTable, type Column } from '../../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../../components/states.tsx';
import { formatDayRange, formatUtcDateTime } from '../../lib/dates.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { Invoice } from './types.ts';

const STATUS_COLORS: Record<string, string> = {
  paid: 'teal',
  open: 'blue',
  draft: 'gray',
  uncollectible: 'red',
  void: 'gray',
};

const columns: Column<Invoice>[] = [
  { id: 'number', header: 'Invoice', text: (i) => i.number ?? '(draft)' },
  {
    id: 'status',
    header: 'Status',
    text: (i) => i.status ?? 'unknown',
    render: (i) => (
      <Badge variant="light" color={STATUS_COLORS[i.status ?? ''] ?? 'gray'}>
        {i.status ?? 'unknown'}
      </Badge>
    ),
  },
  {
    id: 'period',
    header: 'Period',
    text: (i) => formatDayRange(i.periodStart, i.periodEnd),
    render: (i) => (
      <span title={`${formatUtcDateTime(i.periodStart)} to ${formatUtcDateTime(i.periodEnd)}`}>
        {formatDayRange(i.periodStart, i.periodEnd)}
      </span>
    ),
  },
  { id: 'total', header: 'Total', text: (i) => formatUsd(i.total), align: 'right' },
  { id: 'due', header: 'Amount due', text: (i) => formatUsd(i.amountDue), align: 'right' },
  {
    id: 'links',
    header: 'Links',
    text: (i) => i.hostedInvoiceUrl ?? '',
    render: (i) => (
      <Group gap="sm" wrap="nowrap">
        {i.hostedInvoiceUrl && (
          <Anchor href={i.hostedInvoiceUrl} target="_blank" rel="noreferrer" size="sm">
            View
          </Anchor>
        )}
        {i.pdfUrl && (
          <Anchor href={i.pdfUrl} target="_blank" rel="noreferrer" size="sm">
            PDF
          </Anchor>
        )}
      </Group>
    ),
  },
];

/** The signed-in owner's invoices, or (admins) those of the account of `userId`. */
export function Invoices({ userId }: { userId?: string }) {
  const trpc = useTRPC();
  const invoices = useQuery(trpc.billing.invoices.queryOptions(userId ? { userId } : {}));
  const rows = useMemo(() => invoices.data ?? [], [invoices.data]);
  const table = useDataTable({ columns, rows, getRowId: (i) => i.id });
  if (invoices.isPending) return <Loading label="Loading invoices…" />;
  if (invoices.isError) {
    return <ErrorState error={invoices.error} onRetry={() => void invoices.refetch()} />;
  }
  if (rows.length === 0) {
    return (
      <Empty title="No invoices yet">
        Stripe invoices your usage at the end of each billing period; they appear here.
      </Empty>
    );
  }
  return <DataTable table={table} label="Invoices" />;
}
