// Granting the account free or paid credits, with a reason for the audit log; confirmed first.
import { zodResolver } from '@hookform/resolvers/zod';
import { formatUsd } from '@hops/api/decimal';
import { creditPool, money, reason as reasonSchema } from '@hops/api/schemas';
import {
  Button,
  Card,
  Group,
  Modal,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { ActionError } from '../../../components/states.tsx';
import { notifyDone } from '../../../lib/notify.ts';
import { useRefreshAll } from '../../../lib/refresh.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import type { UserDetail } from './types.ts';

const grantForm = z.object({ amount: money, pool: creditPool, reason: reasonSchema });

export function GrantCredits({ detail }: { detail: UserDetail }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const grant = useMutation(trpc.credits.grant.mutationOptions({ onSuccess: refresh }));
  const [opened, { open, close }] = useDisclosure(false);
  const [pending, setPending] = useState<z.output<typeof grantForm> | null>(null);
  const form = useForm<z.input<typeof grantForm>, unknown, z.output<typeof grantForm>>({
    resolver: zodResolver(grantForm),
    defaultValues: { amount: '', pool: 'free', reason: '' },
  });
  const submit = form.handleSubmit((values) => {
    grant.reset();
    setPending(values);
    open();
  });
  const confirm = async () => {
    if (!pending) return;
    await grant
      .mutateAsync({ userId: detail.account.owner.id, ...pending })
      .then(() => {
        notifyDone(`Granted ${formatUsd(pending.amount)} of ${pending.pool} credits.`);
        form.reset({ amount: '', pool: pending.pool, reason: '' });
        close();
      })
      .catch(() => undefined);
  };
  return (
    <Card withBorder>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="xs">
          <Title order={3} size="h5">
            Grant credits
          </Title>
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label="Amount (USD)"
              placeholder="25"
              inputMode="decimal"
              w={140}
              error={form.formState.errors.amount?.message}
              {...form.register('amount')}
            />
            <Controller
              control={form.control}
              name="pool"
              render={({ field }) => (
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    Pool
                  </Text>
                  <SegmentedControl
                    aria-label="Credit pool"
                    value={field.value}
                    onChange={field.onChange}
                    data={[
                      { value: 'free', label: 'Free' },
                      { value: 'paid', label: 'Paid' },
                    ]}
                  />
                </Stack>
              )}
            />
            <TextInput
              label="Reason"
              placeholder="Why, for the audit log"
              style={{ flex: '1 1 220px' }}
              error={form.formState.errors.reason?.message}
              {...form.register('reason')}
            />
          </Group>
          <Group>
            <Button type="submit" variant="light">
              Grant…
            </Button>
          </Group>
        </Stack>
      </form>
      <Modal opened={opened} onClose={close} title="Grant credits?" centered>
        {pending && (
          <Stack>
            <Text size="sm">
              Grant <b>{formatUsd(pending.amount)}</b> of {pending.pool} credits to{' '}
              {detail.account.owner.email}? Reason: “{pending.reason}”.
            </Text>
            <ActionError error={grant.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button onClick={() => void confirm()} loading={grant.isPending}>
                Grant credits
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}
