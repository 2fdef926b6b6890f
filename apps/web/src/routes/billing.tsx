// /billing (owners): how the account pays (card on file or prepaid credits bought through Stripe),
// its monthly spending cap, its invoices, its credit balance and ledger, and the prices. The
// sections are in billing/.
import { compareDecimals, formatUsd } from '@hops/api/decimal';
import { Alert, Badge, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { DataTable, dateTimeColumn, useDataTable, type Column } from '../components/data-table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager, useCursorPager } from '../components/pager.tsx';
import { Stat } from '../components/stat.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { useMe } from '../lib/me-context.ts';
import { RateCard } from '../components/rate-card.tsx';
import { useTRPC, type RouterOutputs } from '../lib/trpc.ts';
import { BuyCredits } from './billing/buy-credits.tsx';
import { Invoices } from './billing/invoices.tsx';
import { PaymentFailed } from './billing/payment-failed.tsx';
import { PaymentMethod } from './billing/payment-method.tsx';
import { ReturnNotice, useStripeReturn } from './billing/return-notice.tsx';
import { SpendingCapCard } from './billing/spending-cap.tsx';
import { ThisMonth } from './billing/this-month.tsx';
import type { BillingStatus } from './billing/types.ts';

type LedgerLine = RouterOutputs['credits']['transactions']['items'][number];

const ledgerColumns: Column<LedgerLine>[] = [
  dateTimeColumn('at', 'When', (l) => l.createdAt),
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
      <Text size="sm" c={compareDecimals(l.amount, '0') < 0 ? 'red' : 'teal'} fw={500}>
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

/** How the account pays: its card, or buying credits; or that this server takes no payments. */
function Payment({ status }: { status: UseQueryResult<BillingStatus, unknown> }) {
  if (status.isPending) return <Loading label="Loading payment details…" />;
  if (status.isError) return null; // said once, above
  if (!status.data.stripe) {
    return (
      <Card withBorder data-testid="billing-not-configured">
        <Title order={2} size="h5" mb="xs">
          Payment is not configured
        </Title>
        <Text size="sm" c="dimmed">
          Payment is not configured on this server: cards, invoices and buying credits are not
          available here. Ask your hops administrator.
        </Text>
      </Card>
    );
  }
  return status.data.billingMode === 'prepaid' ? (
    <BuyCredits />
  ) : (
    <PaymentMethod status={status.data} />
  );
}

/** After Stripe's Checkout, the card arrives by webhook: look again for a minute. */
const AWAIT_CARD_TRIES = 12;

export default function BillingPage() {
  const me = useMe();
  const trpc = useTRPC();
  const returned = useStripeReturn();
  const balance = useQuery(trpc.credits.balance.queryOptions({}));
  const status = useQuery({
    ...trpc.billing.status.queryOptions({}),
    refetchInterval: (query) =>
      returned === 'setup=done' &&
      !query.state.data?.card &&
      query.state.dataUpdateCount < AWAIT_CARD_TRIES
        ? 5_000
        : false,
  });
  const mode = balance.data?.billingMode ?? me.billingMode;
  const stripe = status.data?.stripe === true;
  return (
    <>
      <PageHeader title="Billing" description="How your account pays for what it uses." />
      <Stack gap="md">
        <ReturnNotice />
        {balance.isError && (
          <ErrorState error={balance.error} onRetry={() => void balance.refetch()} />
        )}
        {status.isError && (
          <ErrorState
            error={status.error}
            title="The payment details could not be loaded"
            onRetry={() => void status.refetch()}
          />
        )}
        {status.data?.paymentFailed && <PaymentFailed failed={status.data.paymentFailed} />}
        {balance.data?.creditsExhausted && (
          <Alert color="red" title="Your credits are used up">
            Usage beyond your credits is recorded as unpaid ({formatUsd(balance.data.unpaidUsage)}).
            {stripe ? ' Buy more credits below.' : ' Contact us to buy more credits.'}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 2, md: 4 }}>
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
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Payment status={status} />
          <ThisMonth status={status.data} />
        </SimpleGrid>
        <SpendingCapCard editable={me.role === 'owner'} />
        {stripe && (
          <Stack gap="xs">
            <Title order={2} size="h5">
              Invoices
            </Title>
            <Invoices />
          </Stack>
        )}
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
