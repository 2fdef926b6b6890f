// Granting the account free or paid credits, with a reason for the audit log; confirmed first. The
// form names who receives them (the account owner: credits belong to the payer, on a member's page
// too), and a large grant asks a second time, with the amount typed again.
import { zodResolver } from '@hookform/resolvers/zod';
import { compareDecimals, creditsOf, formatUsd } from '@hops/api/decimal';
import { creditPool, money, reason as reasonSchema } from '@hops/api/schemas';
import {
  Alert,
  Anchor,
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
import { Link } from 'react-router';
import { z } from 'zod';
import { ActionButton } from '../../../components/action-button.tsx';
import { ActionError } from '../../../components/states.tsx';
import { notifyDone } from '../../../lib/notify.ts';
import { useRefreshAll } from '../../../lib/refresh.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import type { UserDetail } from './types.ts';

/**
 * From this amount (USD) a grant asks a second time, with the amount typed again. The largest
 * prepaid top-up an owner can buy is $10,000, and everyday grants (goodwill, trials, refunds of a
 * bad day) are tens to a few hundred dollars; $1,000 (4,000 credits) is above those and catches a
 * slipped zero or two (25 → 2500, 100 → 10000) before it becomes money in someone's account. It is
 * a confirmation step only: any admin may grant more, the API decides what a grant may be.
 */
const LARGE_GRANT_USD = '1000';

const grantForm = z.object({ amount: money, pool: creditPool, reason: reasonSchema });
type Grant = z.output<typeof grantForm>;

type Owner = UserDetail['account']['owner'];
const personOf = (owner: Owner) => (owner.name ? `${owner.name} (${owner.email})` : owner.email);

/** Who the credits go to, said before anything is typed. */
function Recipient({ detail }: { detail: UserDetail }) {
  const owner = detail.account.owner;
  if (detail.user.role === 'owner') {
    return (
      <Text size="sm" data-testid="grant-recipient" style={{ overflowWrap: 'anywhere' }}>
        Credits go to <b>{personOf(owner)}</b>, the owner of this account, who pays for everyone in
        it.
      </Text>
    );
  }
  return (
    <Text size="sm" data-testid="grant-recipient">
      {detail.user.name ?? detail.user.email} is a member and pays through their owner: credits go
      to the account owner,{' '}
      <Anchor component={Link} to={`/admin/users/${encodeURIComponent(owner.id)}`} fw={700}>
        {personOf(owner)}
      </Anchor>
      .
    </Text>
  );
}

/** The second confirmation of a large grant: the amount typed again, equal to the first. */
function SecondConfirmation({
  amount,
  typed,
  onType,
}: {
  amount: string;
  typed: string;
  onType: (value: string) => void;
}) {
  return (
    <Alert color="orange" title="This is a large grant" data-testid="grant-large">
      <Stack gap="xs">
        <Text size="sm">
          {formatUsd(amount)} is {creditsOf(amount)} credits, at or above the{' '}
          {formatUsd(LARGE_GRANT_USD)} that asks twice. Check the amount, then type it again.
        </Text>
        <TextInput
          label="Type the amount again (USD)"
          inputMode="decimal"
          value={typed}
          onChange={(event) => onType(event.currentTarget.value)}
          w={200}
          data-autofocus
        />
      </Stack>
    </Alert>
  );
}

export function GrantCredits({ detail }: { detail: UserDetail }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const grant = useMutation(trpc.credits.grant.mutationOptions({ onSuccess: refresh }));
  const [opened, { open, close }] = useDisclosure(false);
  const [pending, setPending] = useState<Grant | null>(null);
  const [typed, setTyped] = useState('');
  const form = useForm<z.input<typeof grantForm>, unknown, Grant>({
    resolver: zodResolver(grantForm),
    defaultValues: { amount: '', pool: 'free', reason: '' },
  });
  const owner = detail.account.owner;
  const large = pending !== null && compareDecimals(pending.amount, LARGE_GRANT_USD) >= 0;
  const retyped = money.safeParse(typed);
  const confirmed =
    !large ||
    (pending !== null && retyped.success && compareDecimals(retyped.data, pending.amount) === 0);

  const submit = form.handleSubmit((values) => {
    grant.reset();
    setTyped('');
    setPending(values);
    open();
  });
  const confirm = async () => {
    if (!pending || !confirmed) return;
    await grant
      .mutateAsync({ userId: owner.id, ...pending })
      .then(() => {
        notifyDone(
          `Granted ${formatUsd(pending.amount)} of ${pending.pool} credits to ${owner.email}.`,
        );
        form.reset({ amount: '', pool: pending.pool, reason: '' });
        close();
      })
      // The refusal is shown in the dialog (grant.error); nothing else to do here.
      .catch(() => undefined);
  };
  return (
    <Card withBorder>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="xs">
          <Title order={3} size="h5">
            Grant credits
          </Title>
          <Recipient detail={detail} />
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
              <b>{personOf(owner)}</b>, the account owner? Reason: “{pending.reason}”.
            </Text>
            {large && (
              <SecondConfirmation amount={pending.amount} typed={typed} onType={setTyped} />
            )}
            <ActionError error={grant.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <ActionButton
                onClick={() => void confirm()}
                loading={grant.isPending}
                disabledReason={!confirmed && `Type ${pending.amount} above to grant it.`}
              >
                Grant credits
              </ActionButton>
            </Group>
            {!confirmed && (
              <Text size="xs" c="dimmed" ta="right" data-testid="grant-disabled-why">
                Type {pending.amount} above to grant it.
              </Text>
            )}
          </Stack>
        )}
      </Modal>
    </Card>
  );
}
