// An account's monthly spending cap (SPEC §11): the cap, the month's spend towards it, the policy,
// the thresholds crossed and whether spending is stopped; and, for whoever may set it (the owner,
// an admin), the form to set, change or remove it. The rules (what a cap may be, what it stops)
// are the API's: the form checks with the API's own schema and shows the API's sentence.
import { zodResolver } from '@hookform/resolvers/zod';
import { formatUsd } from '@hops/api/decimal';
import { spendingCapPolicy, spendingCapUsd } from '@hops/api/schemas';
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Progress,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { ConfirmAction } from '../../components/confirm-action.tsx';
import { ErrorState, Loading } from '../../components/states.tsx';
import { notifyDone } from '../../lib/notify.ts';
import { useRefreshAll } from '../../lib/refresh.ts';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc.ts';

export type SpendingCap = RouterOutputs['account']['spendingCap'];
type Policy = SpendingCap['policy'];

const THRESHOLDS = [50, 80, 100] as const;

const POLICY_LABELS: Record<Policy, string> = {
  notify: 'Warn only',
  suspend: 'Stop at the cap',
};

const POLICY_HINTS: Record<Policy, string> = {
  notify:
    'A mail and an alert at 50\u00a0%, 80\u00a0% and 100\u00a0% of the cap; nothing is stopped.',
  suspend:
    "A mail and an alert at 50\u00a0%, 80\u00a0% and 100\u00a0%; at 100\u00a0% the account's people are deactivated on their cluster until the month turns, the cap rises or is removed.",
};

/** "2026-12-01" → "December 2026". */
const monthName = (month: string) =>
  new Date(`${month.slice(0, 10)}T00:00:00Z`).toLocaleString('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

function progressColor(percent: number): string {
  if (percent >= 100) return 'red';
  if (percent >= 80) return 'orange';
  return 'teal';
}

/** The month's spend against the cap; over the cap is said, never hidden by the bar's end. */
function CapProgress({ cap }: { cap: SpendingCap & { capUsd: string } }) {
  const percent = cap.percent ?? 0;
  return (
    <Stack gap={4} data-testid="spending-cap-progress">
      <Group justify="space-between" align="flex-start" gap="xs" wrap="nowrap">
        <Text size="sm" style={{ minWidth: 0 }}>
          <b>{formatUsd(cap.monthToDateUsd)}</b> of {formatUsd(cap.capUsd)} spent in{' '}
          {monthName(cap.month)}
        </Text>
        <Text
          size="sm"
          c={percent >= 100 ? 'red' : 'dimmed'}
          fw={percent >= 100 ? 700 : 400}
          style={{ whiteSpace: 'nowrap' }}
        >
          {percent}&nbsp;%
        </Text>
      </Group>
      <Progress
        value={Math.min(100, percent)}
        color={progressColor(percent)}
        striped={percent >= 100}
        aria-label={`${formatUsd(cap.monthToDateUsd)} of ${formatUsd(cap.capUsd)} spent, ${percent}\u00a0%`}
      />
    </Stack>
  );
}

function Thresholds({ crossed }: { crossed: readonly number[] }) {
  return (
    <Group gap={6} wrap="wrap" data-testid="spending-cap-thresholds">
      <Text size="xs" c="dimmed">
        Warnings this month:
      </Text>
      {THRESHOLDS.map((t) => {
        const done = crossed.includes(t);
        return (
          <Badge
            key={t}
            size="sm"
            variant={done ? 'filled' : 'outline'}
            color={done ? progressColor(t) : 'gray'}
            title={
              done ? `${t}\u00a0% reached; its warning was sent` : `${t}\u00a0% not reached yet`
            }
          >
            {t}&nbsp;%{done ? ' crossed' : ''}
          </Badge>
        );
      })}
    </Group>
  );
}

/** What the cap is now, read-only. */
export function SpendingCapSummary({ cap }: { cap: SpendingCap }) {
  if (cap.capUsd === null) {
    return (
      <Stack gap={4} data-testid="spending-cap-none">
        <Text size="sm">
          No spending cap: this month&apos;s spend is neither warned about nor stopped.
        </Text>
        <Text size="sm" c="dimmed">
          Spent in {monthName(cap.month)} so far: {formatUsd(cap.monthToDateUsd)}.
        </Text>
      </Stack>
    );
  }
  return (
    <Stack gap="xs">
      <CapProgress cap={{ ...cap, capUsd: cap.capUsd }} />
      <Group gap="xs" wrap="wrap">
        <Badge variant="light" color={cap.policy === 'suspend' ? 'orange' : 'blue'}>
          {POLICY_LABELS[cap.policy]}
        </Badge>
        {cap.stopped && (
          <Badge variant="filled" color="red" data-testid="spending-cap-stopped">
            spending stopped
          </Badge>
        )}
      </Group>
      <Text size="xs" c="dimmed">
        {POLICY_HINTS[cap.policy]}
      </Text>
      <Thresholds crossed={cap.crossed} />
      {cap.stopped && (
        <Alert color="red" title="Spending is stopped this month" p="xs">
          <Text size="sm">
            The account reached its cap of {formatUsd(cap.capUsd)} in {monthName(cap.month)}: its
            people are deactivated on their cluster (the assignment stays). They are activated again
            when the month turns, or as soon as the cap is raised above{' '}
            {formatUsd(cap.monthToDateUsd)}, removed, or set to warn only.
          </Text>
        </Alert>
      )}
    </Stack>
  );
}

const capForm = z.object({ monthlyCapUsd: spendingCapUsd, policy: spendingCapPolicy });
type CapValues = z.output<typeof capForm>;

/** Setting, changing or removing the cap of the account owned by `userId` (the caller's: none). */
function SpendingCapForm({ cap, userId }: { cap: SpendingCap; userId?: string | undefined }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const set = useMutation(trpc.account.setSpendingCap.mutationOptions({ onSuccess: refresh }));
  const form = useForm<z.input<typeof capForm>, unknown, CapValues>({
    resolver: zodResolver(capForm),
    defaultValues: { monthlyCapUsd: cap.capUsd ?? '', policy: cap.policy },
  });
  // What was saved becomes what the form starts from.
  const { reset } = form;
  useEffect(() => {
    reset({ monthlyCapUsd: cap.capUsd ?? '', policy: cap.policy });
  }, [reset, cap.capUsd, cap.policy]);
  const who = userId === undefined ? {} : { userId };

  const save = form.handleSubmit(async (values) => {
    await set
      .mutateAsync({ ...who, monthlyCapUsd: values.monthlyCapUsd, policy: values.policy })
      .then((saved) => {
        notifyDone(
          `Spending cap set to ${formatUsd(saved.capUsd ?? values.monthlyCapUsd)} a month (${POLICY_LABELS[saved.policy].toLowerCase()}).`,
        );
      })
      // The API's sentence goes next to the field; nothing was changed.
      .catch((error: unknown) => {
        form.setError('monthlyCapUsd', { message: errorMessage(error) });
      });
  });
  return (
    <form onSubmit={(event) => void save(event)} noValidate aria-label="Spending cap">
      <Stack gap="xs">
        <Group align="flex-start" gap="sm" wrap="wrap">
          <TextInput
            label="Monthly cap (USD)"
            placeholder="500"
            inputMode="decimal"
            w={180}
            error={form.formState.errors.monthlyCapUsd?.message}
            {...form.register('monthlyCapUsd')}
          />
          <Controller
            control={form.control}
            name="policy"
            render={({ field }) => (
              <Stack gap={4}>
                <Text size="sm" fw={500}>
                  At 100&nbsp;%
                </Text>
                <SegmentedControl
                  aria-label="Cap policy"
                  value={field.value}
                  onChange={field.onChange}
                  data={[
                    { value: 'notify', label: POLICY_LABELS.notify },
                    { value: 'suspend', label: POLICY_LABELS.suspend },
                  ]}
                />
              </Stack>
            )}
          />
        </Group>
        <Group gap="sm">
          <Button type="submit" variant="light" loading={set.isPending}>
            {cap.capUsd === null ? 'Set cap' : 'Save cap'}
          </Button>
          {cap.capUsd !== null && (
            <ConfirmAction
              label="Remove cap"
              title="Remove the spending cap?"
              color="gray"
              buttonProps={{ size: 'sm' }}
              onConfirm={() =>
                set
                  .mutateAsync({ ...who, monthlyCapUsd: null, policy: cap.policy })
                  .then(() => notifyDone('Spending cap removed.'))
              }
            >
              This month&apos;s spend is no longer warned about
              {cap.stopped ? ", and the account's people are activated again on their cluster" : ''}
              .
            </ConfirmAction>
          )}
        </Group>
      </Stack>
    </form>
  );
}

/**
 * The spending cap card: the account of the caller (no `userId`) or, for admins, the account
 * `userId` belongs to. `editable`: the form is shown (the owner, or an admin on an owner's page).
 */
export function SpendingCapCard({
  userId,
  editable,
  note,
  headingOrder = 2,
}: {
  userId?: string;
  editable: boolean;
  note?: string | undefined;
  headingOrder?: 2 | 3;
}) {
  const trpc = useTRPC();
  const cap = useQuery(
    trpc.account.spendingCap.queryOptions(userId === undefined ? {} : { userId }),
  );
  let body;
  if (cap.isPending) body = <Loading label="Loading the spending cap…" />;
  else if (cap.isError) {
    body = (
      <ErrorState
        error={cap.error}
        title="The spending cap could not be loaded"
        onRetry={() => void cap.refetch()}
      />
    );
  } else {
    body = (
      <Stack gap="sm">
        <SpendingCapSummary cap={cap.data} />
        {editable ? (
          <SpendingCapForm cap={cap.data} userId={userId} />
        ) : (
          note && (
            <Text size="xs" c="dimmed">
              {note}
            </Text>
          )
        )}
      </Stack>
    );
  }
  return (
    <Card withBorder data-testid="spending-cap">
      <Stack gap="xs">
        <Title order={headingOrder} size="h5">
          Spending cap
        </Title>
        {body}
      </Stack>
    </Card>
  );
}
