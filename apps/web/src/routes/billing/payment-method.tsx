// The card on file (brand, last 4, expiry) with a way to Stripe's Billing Portal, or a button to
// Stripe Checkout to add one. Both answer a URL that the browser is sent to.
import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { ActionError } from '../../components/states.tsx';
import { leaveTo } from '../../lib/navigate.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { BillingStatus } from './types.ts';

const BRANDS: Record<string, string> = {
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

export function cardBrand(brand: string): string {
  return BRANDS[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

export function cardExpiry(month: number, year: number): string {
  return `${String(month).padStart(2, '0')}/${year}`;
}

const goThere = { onSuccess: ({ url }: { url: string }) => leaveTo(url) };

export function PaymentMethod({ status }: { status: BillingStatus }) {
  const trpc = useTRPC();
  const setup = useMutation(trpc.billing.setupPayment.mutationOptions(goThere));
  const portal = useMutation(trpc.billing.portal.mutationOptions(goThere));
  const card = status.card;
  return (
    <Card withBorder data-testid="billing-payment-method">
      <Stack gap="xs">
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Title order={2} size="h5">
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
          <Text size="lg" fw={600} style={{ overflowWrap: 'anywhere' }}>
            {cardBrand(card.brand)} •••• {card.last4}
            <Text span size="sm" c="dimmed" fw={400} ml="xs">
              expires {cardExpiry(card.expMonth, card.expYear)}
            </Text>
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            No card on file. Your usage is billed monthly to a card; you get a cluster once one is
            on file.
          </Text>
        )}
        <ActionError error={setup.error ?? portal.error} />
        <Group gap="xs">
          {card ? (
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
      </Stack>
    </Card>
  );
}
