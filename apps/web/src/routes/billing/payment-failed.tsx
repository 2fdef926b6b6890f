// The banner while Stripe could not collect an invoice; it goes when an invoice is paid.
import { formatUsd } from '@hops/api/decimal';
import { Alert, Text } from '@mantine/core';
import { DateTime } from '../../components/dates.tsx';
import type { BillingStatus } from './types.ts';

const OWNER_ADVICE =
  'Update your card with Manage billing, then pay the invoice from its link below.';

export function PaymentFailed({
  failed,
  advice = OWNER_ADVICE,
}: {
  failed: NonNullable<BillingStatus['paymentFailed']>;
  /** What to do about it, for whoever reads the banner (the owner by default). */
  advice?: string;
}) {
  return (
    <Alert color="red" title="A payment failed" role="alert" data-testid="billing-payment-failed">
      <Text size="sm">
        Stripe could not collect {formatUsd(failed.amount)} on <DateTime at={failed.at} />. {advice}
      </Text>
    </Alert>
  );
}
