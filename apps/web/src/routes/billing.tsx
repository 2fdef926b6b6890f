// /billing (owners): how the account pays, its credit balance and ledger, and the prices.
import { compareDecimals, formatUsd } from '@hops/api/decimal';
import { Alert, Badge, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { DataTable, useDataTable, type Column } from '../components/data-table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager, useCursorPager } from '../components/pager.tsx';
import { Stat } from '../components/stat.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { formatDateTime } from '../lib/dates.ts';
import { useMe } from '../lib/me-context.ts';
import { RateCard } from '../components/rate-card.tsx';
import { useTRPC, type RouterOutputs } from '../lib/trpc.ts';

type LedgerLine = RouterOutputs['credits']['transactions']['items'][number];

const ledgerColumns: Column<LedgerLine>[] = [
  { id: 'at', header: 'When', text: (l) => formatDateTime(l.createdAt) },
  {
    id: 'kind',
    header: 'Kind',
    text: (l) => l.kind,
    render: (l) => <Badge variant="light">{l.kind}</Badge>,
  },
  { id: 'pool', header: 'Pool', text: (l) => l.pool },
  {
    id: 'amount',
    header: 'Amount',
    text: (l) => formatUsd(l.amount),
    render: (l) => (
      <Text size="sm" c={compareDecimals(l.amount, '0') < 0 ? 'red.7' : 'teal.7'} fw={500}>
        {compareDecimals(l.amount, '0') > 0 ? '+' : ''}
        {formatUsd(l.amount)}
      </Text>
    ),
    align: 'right',
  },
  {
    id: 'balance',
    header: 'Balance after',
    text: (l) => formatUsd(l.balanceAfter),
    align: 'right',
  },
  { id: 'description', header: 'Description', text: (l) => l.description },
];

function Ledger() {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(25);
  const pager = useCursorPager(String(limit));
  const ledger = useQuery({
    ...trpc.credits.transactions.queryOptions({
      limit,
      ...(pager.cursor ? { cursor: pager.cursor } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => ledger.data?.items ?? [], [ledger.data]);
  const table = useDataTable({ columns: ledgerColumns, rows, getRowId: (l) => l.id });
  if (ledger.isPending) return <Loading label="Loading the ledger…" />;
  if (ledger.isError)
    return <ErrorState error={ledger.error} onRetry={() => void ledger.refetch()} />;
  if (rows.length === 0) {
    return (
      <Empty title="No credit transactions">
        Purchases, grants and usage paid from credits appear here.
      </Empty>
    );
  }
  return (
    <Stack gap="xs">
      <DataTable table={table} label="Credits ledger" />
      <Pager
        page={pager.page}
        nextCursor={ledger.data.nextCursor}
        onNext={pager.next}
        onPrevious={pager.previous}
        limit={limit}
        onLimit={setLimit}
        shown={rows.length}
      />
    </Stack>
  );
}

export default function BillingPage() {
  const me = useMe();
  const trpc = useTRPC();
  const balance = useQuery(trpc.credits.balance.queryOptions({}));
  const mode = balance.data?.billingMode ?? me.billingMode;
  return (
    <>
      <PageHeader title="Billing" description="How your account pays for what it uses." />
      <Stack gap="md">
        {balance.isError && (
          <ErrorState error={balance.error} onRetry={() => void balance.refetch()} />
        )}
        {balance.data?.creditsExhausted && (
          <Alert color="red" title="Your credits are used up">
            Usage beyond your credits is recorded as unpaid ({formatUsd(balance.data.unpaidUsage)}).
            Contact us to buy more credits.
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <Stat
            label="Billing mode"
            value={mode}
            hint={
              mode === 'prepaid'
                ? 'Usage is paid from credits, free credits first.'
                : 'Usage is billed afterwards to your payment method.'
            }
            testId="billing-mode"
          />
          <Stat
            label="Credits available"
            value={balance.data ? formatUsd(balance.data.available) : '…'}
            testId="billing-available"
          />
          <Stat label="Paid credits" value={balance.data ? formatUsd(balance.data.paid) : '…'} />
          <Stat label="Free credits" value={balance.data ? formatUsd(balance.data.free) : '…'} />
        </SimpleGrid>
        <Stack gap="xs">
          <Title order={2} size="h5">
            Credits ledger
          </Title>
          <Ledger />
        </Stack>
        <Card withBorder>
          <Title order={2} size="h5" mb="xs">
            Rate card
          </Title>
          <RateCard />
        </Card>
      </Stack>
    </>
  );
}
