// The banner while Stripe could not collect an invoice; it goes when an invoice is paid.
import { formatUsd } from '@hops/api/decimal';
import { Alert, Text } from '@mantine/core';
import { formatDateTime } from '../../lib/dates.ts';
import type { BillingStatus } from './types.ts';

export function PaymentFailed({ failed }: { failed: NonNullable<BillingStatus['paymentFailed']> }) {
  return (
    <Alert color="red" title="A payment failed" role="alert" data-testid="billing-payment-failed">
      <Text size="sm">
        Stripe could not collect {formatUsd(failed.amount)} on {formatDateTime(failed.at)}. Update
        your card with Manage billing, then pay the invoice from its link below.
      </Text>
    </Alert>
  );
}
