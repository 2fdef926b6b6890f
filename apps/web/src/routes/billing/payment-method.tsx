// The card on file (brand, last 4, expiry) with a way to Stripe's Billing Portal, or a button to
// Stripe Checkout to add one. Both answer a URL that the browser is sent to.
import { cardBrand } from '@hops/api/cards';
import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { ActionError } from '../../components/states.tsx';
import { leaveTo } from '../../lib/navigate.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { BillingStatus } from './types.ts';

export function cardExpiry(month: number, year: number): string {
  return `${String(month).padStart(2, '0')}/${year}`;
}

const goThere = { onSuccess: ({ url }: { url: string }) => leaveTo(url) };

/** The owner's way to Stripe: the Billing Portal with a card on file, else Checkout to add one. */
function PaymentActions({ hasCard }: { hasCard: boolean }) {
  const trpc = useTRPC();
  const setup = useMutation(trpc.billing.setupPayment.mutationOptions(goThere));
  const portal = useMutation(trpc.billing.portal.mutationOptions(goThere));
  return (
    <>
      <ActionError error={setup.error ?? portal.error} />
      <Group gap="xs">
        {hasCard ? (
          <Button
            variant="light"
            loading={portal.isPending || portal.isSuccess}
            onClick={() => {
              setup.reset();
              portal.mutate();
            }}
          >
            Manage billing
          </Button>
        ) : (
          <Button
            loading={setup.isPending || setup.isSuccess}
            onClick={() => {
              portal.reset();
              setup.mutate();
            }}
          >
            Add a payment method
          </Button>
        )}
      </Group>
    </>
  );
}

/**
 * The card on file and the subscription. The owner's page (default) adds the buttons to Stripe;
 * `readOnly` (an admin's look at someone else's account) shows the facts only.
 */
export function PaymentMethod({
  status,
  readOnly = false,
}: {
  status: BillingStatus;
  readOnly?: boolean;
}) {
  const card = status.card;
  return (
    <Card withBorder data-testid="billing-payment-method">
      <Stack gap="xs">
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Title order={readOnly ? 3 : 2} size="h5">
            Payment method
          </Title>
          {status.subscriptionStatus && (
            <Badge
              variant="light"
              color={status.subscriptionStatus === 'active' ? 'teal' : 'orange'}
            >
              subscription {status.subscriptionStatus}
            </Badge>
          )}
        </Group>
        {card ? (
          <Text size="lg" fw={600}>
            {/* Each half wraps as a whole: never "expires" on one line and its date on the next. */}
            <span style={{ whiteSpace: 'nowrap' }}>
              {cardBrand(card.brand)} •••• {card.last4}
            </span>{' '}
            <Text span size="sm" c="dimmed" fw={400} style={{ whiteSpace: 'nowrap' }}>
              expires {cardExpiry(card.expMonth, card.expYear)}
            </Text>
          </Text>
        ) : readOnly ? (
          <Text size="sm" c="dimmed">
            No payment method on file.
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            No card on file. Your usage is billed monthly to a card; you get a cluster once one is
            on file.
          </Text>
        )}
        {!readOnly && <PaymentActions hasCard={card !== null} />}
      </Stack>
    </Card>
  );
}
