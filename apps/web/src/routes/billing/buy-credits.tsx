// Buying prepaid credits (prepaid owners): an amount checked with the API's own schema, then
// Stripe Checkout; the credits are added when Stripe says the payment went through.
import { zodResolver } from '@hookform/resolvers/zod';
import { topUpAmount } from '@hops/api/schemas';
import { Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { ActionError } from '../../components/states.tsx';
import { leaveTo } from '../../lib/navigate.ts';
import { useTRPC } from '../../lib/trpc.ts';

const buyForm = z.object({ amount: topUpAmount });
type BuyFormInput = z.input<typeof buyForm>;
type BuyFormOutput = z.output<typeof buyForm>;

export function BuyCredits() {
  const trpc = useTRPC();
  const buy = useMutation(
    trpc.billing.buyCredits.mutationOptions({ onSuccess: ({ url }) => leaveTo(url) }),
  );
  const form = useForm<BuyFormInput, unknown, BuyFormOutput>({
    resolver: zodResolver(buyForm),
    defaultValues: { amount: '' },
  });
  const submit = form.handleSubmit(async (values) => {
    await buy.mutateAsync(values).catch(() => undefined);
  });
  return (
    <Card withBorder data-testid="billing-buy-credits">
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="xs">
          <Title order={2} size="h5">
            Buy credits
          </Title>
          <Text size="sm" c="dimmed">
            From $10 to $10,000 at a time, paid by card on Stripe. Paid credits are used after free
            ones.
          </Text>
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label="Amount (USD)"
              placeholder="25.00"
              inputMode="decimal"
              autoComplete="off"
              style={{ flex: '0 1 180px' }}
              error={form.formState.errors.amount?.message}
              {...form.register('amount')}
            />
          </Group>
          <ActionError error={buy.error} />
          <Group>
            <Button type="submit" loading={buy.isPending || buy.isSuccess}>
              Buy credits
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
