// /: my cluster, the month's cost so far (owner: the account; member: their own) and, while the
// month has only just begun, last month's; credits for prepaid accounts, and the last 30 days as a
// chart. Months are made of UTC days, as usage is.
import { formatUsd } from '@hops/api/decimal';
import { utcToday, type DayRange } from '@hops/api/days';
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { UsageChart } from '../components/lazy-charts.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Stat } from '../components/stat.tsx';
import { ErrorState, Loading } from '../components/states.tsx';
import { StatusBadge } from '../components/badges.tsx';
import { formatDayRange } from '../lib/dates.ts';
import { overviewRanges } from '../lib/first-load.ts';
import { useMe } from '../lib/me-context.ts';
import { useTRPC } from '../lib/trpc.ts';

function ClusterCard() {
  const me = useMe();
  const cluster = me.cluster;
  return (
    <Card withBorder data-testid="overview-cluster">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        My cluster
      </Text>
      {cluster ? (
        <Stack gap={6} mt={4}>
          <Group gap="xs" wrap="wrap">
            <Text size="xl" fw={700} style={{ overflowWrap: 'anywhere' }}>
              {cluster.name}
            </Text>
            <StatusBadge status={cluster.status} />
          </Group>
          <Button
            component="a"
            href={cluster.apiUrl}
            target="_blank"
            rel="noreferrer"
            size="xs"
            variant="light"
            w="fit-content"
          >
            Open Hopsworks
          </Button>
        </Stack>
      ) : (
        <Stack gap={4} mt={4}>
          <Text size="xl" fw={700}>
            None yet
          </Text>
          <Text size="xs" c="dimmed">
            {me.role === 'member' ? (
              'Your owner’s account has no cluster yet.'
            ) : me.billingMode === 'prepaid' ? (
              <>
                You get a cluster once your account has credits.{' '}
                <Anchor component={Link} to="/billing" size="xs">
                  Buy credits
                </Anchor>
              </>
            ) : (
              <>
                You get a cluster once a payment method is on file.{' '}
                <Anchor component={Link} to="/billing" size="xs">
                  Add a payment method
                </Anchor>
              </>
            )}
          </Text>
        </Stack>
      )}
    </Card>
  );
}

function MonthCost({ range, which, testId }: { range: DayRange; which: string; testId: string }) {
  const me = useMe();
  const trpc = useTRPC();
  const summary = useQuery(trpc.usage.summary.queryOptions(range));
  const label = `${me.role === 'owner' ? 'Account cost' : 'My cost'}, ${which}`;
  if (summary.isError) return <ErrorState error={summary.error} title={label} />;
  return (
    <Stat
      label={label}
      value={summary.data ? formatUsd(summary.data.totalCost) : '…'}
      hint={`${formatDayRange(range.from, range.to)} (UTC days)`}
      testId={testId}
    />
  );
}

function Credits() {
  const trpc = useTRPC();
  const balance = useQuery(trpc.credits.balance.queryOptions({}));
  if (balance.isError) return <ErrorState error={balance.error} title="Credits" />;
  const data = balance.data;
  return (
    <Stat
      label="Credits available"
      value={data ? formatUsd(data.available) : '…'}
      hint={
        data ? (
          <>
            paid {formatUsd(data.paid)} · free {formatUsd(data.free)}
            {data.creditsExhausted && (
              <Badge color="red" size="xs" ml={6}>
                exhausted
              </Badge>
            )}
          </>
        ) : undefined
      }
      testId="overview-credits"
    />
  );
}

function Last30Days({ range }: { range: DayRange }) {
  const trpc = useTRPC();
  const daily = useQuery(trpc.usage.daily.queryOptions(range));
  const summary = useQuery(trpc.usage.summary.queryOptions(range));
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Title order={2} size="h5">
          Last 30 days
        </Title>
        {summary.data && (
          <Text size="sm" fw={600}>
            {formatUsd(summary.data.totalCost)}
          </Text>
        )}
      </Group>
      {daily.isPending ? (
        <Loading label="Loading usage…" />
      ) : daily.isError ? (
        <ErrorState error={daily.error} onRetry={() => void daily.refetch()} />
      ) : (
        <UsageChart rows={daily.data} height={240} />
      )}
      <Anchor component={Link} to="/usage" size="sm" mt="xs" display="inline-block">
        See usage in detail
      </Anchor>
    </Card>
  );
}

export default function OverviewPage() {
  const me = useMe();
  const { thisMonth, lastMonth, last30 } = overviewRanges(utcToday());
  const showCredits = me.role === 'owner' && me.billingMode === 'prepaid';
  const cards = 2 + (lastMonth ? 1 : 0) + (showCredits ? 1 : 0);
  return (
    <>
      <PageHeader
        title={`Hello, ${me.name ?? me.email}`}
        description={
          me.role === 'member' && me.owner
            ? `You are on ${me.owner.name ?? me.owner.email}'s team.`
            : 'Your hops account at a glance.'
        }
      />
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: Math.min(cards, 2), md: cards }}>
          <ClusterCard />
          <MonthCost range={thisMonth} which="this month" testId="overview-month" />
          {lastMonth && (
            <MonthCost range={lastMonth} which="last month" testId="overview-last-month" />
          )}
          {showCredits && <Credits />}
        </SimpleGrid>
        <Last30Days range={last30} />
      </Stack>
    </>
  );
}
