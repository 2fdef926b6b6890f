// An owner's payment state as their Billing page shows it (card, subscription, a failed payment,
// what has reached Stripe, the invoices), read-only: the owner's own page has the buttons.
import { formatUsd } from '@hops/api/decimal';
import { Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Stat } from '../../../components/stat.tsx';
import { ErrorState, Loading } from '../../../components/states.tsx';
import { formatDay } from '../../../lib/dates.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { Invoices } from '../../billing/invoices.tsx';
import { PaymentFailed } from '../../billing/payment-failed.tsx';
import { PaymentMethod } from '../../billing/payment-method.tsx';
import type { BillingStatus } from '../../billing/types.ts';

function Reporting({ status }: { status: BillingStatus }) {
  if (status.billingMode === 'prepaid') {
    return (
      <Stat
        label="Reported to Stripe"
        value="—"
        hint="Prepaid: usage is paid from credits as it is used."
        testId="user-billing-reporting"
      />
    );
  }
  return (
    <Stat
      label="Not yet reported to Stripe"
      value={formatUsd(status.unreportedCost)}
      hint={
        status.lastReportedDay
          ? `Reported through ${formatDay(status.lastReportedDay)}.`
          : 'Nothing reported to Stripe yet.'
      }
      testId="user-billing-reporting"
    />
  );
}

/** The billing of the account owned by `userId` (owners only; the API refuses a member). */
export function BillingCard({ userId }: { userId: string }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.billing.status.queryOptions({ userId }));
  let body;
  if (status.isPending) body = <Loading label="Loading payment details…" />;
  else if (status.isError) {
    body = (
      <ErrorState
        error={status.error}
        title="The payment details could not be loaded"
        onRetry={() => void status.refetch()}
      />
    );
  } else if (!status.data.stripe) {
    body = (
      <Text size="sm" c="dimmed" data-testid="user-billing-not-configured">
        Payment is not configured on this server.
      </Text>
    );
  } else {
    const s = status.data;
    body = (
      <Stack gap="sm">
        {s.paymentFailed && (
          <PaymentFailed
            failed={s.paymentFailed}
            advice="The owner updates their card on their Billing page; the invoice stays open until it is paid."
          />
        )}
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <PaymentMethod status={s} readOnly />
          <Reporting status={s} />
        </SimpleGrid>
        <Title order={4} size="h6">
          Invoices
        </Title>
        <Invoices userId={userId} />
      </Stack>
    );
  }
  return (
    <Card withBorder data-testid="user-billing">
      <Stack gap="xs">
        <Title order={3} size="h5">
          Billing
        </Title>
        {body}
      </Stack>
    </Card>
  );
}
