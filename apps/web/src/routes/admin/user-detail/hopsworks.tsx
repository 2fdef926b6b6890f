// The person's account on Hopsworks (SPEC §9): their state on each cluster they were ever on (the
// newest provisioning job there), and every change made for them, with Retry on a failed one.
import { Card, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ProvisioningTable } from '../../../components/provisioning.tsx';
import { ErrorState, Loading } from '../../../components/states.tsx';
import { useTRPC } from '../../../lib/trpc.ts';

/** How many of the person's changes the history shows. */
const HISTORY_LIMIT = 50;

export function HopsworksCard({ userId }: { userId: string }) {
  const trpc = useTRPC();
  const latest = useQuery(trpc.clusters.provisioning.queryOptions({ userId, view: 'latest' }));
  const history = useQuery(
    trpc.clusters.provisioning.queryOptions({ userId, view: 'history', limit: HISTORY_LIMIT }),
  );
  let state;
  if (latest.isPending) state = <Loading label="Loading the Hopsworks state…" />;
  else if (latest.isError) {
    state = (
      <ErrorState
        error={latest.error}
        title="The Hopsworks state could not be loaded"
        onRetry={() => void latest.refetch()}
      />
    );
  } else {
    state = (
      <ProvisioningTable
        rows={latest.data}
        by="cluster"
        label="Hopsworks state by cluster"
        empty={{
          title: 'Not on any Hopsworks cluster yet',
          text: 'A job appears here when the account is assigned to a cluster.',
        }}
      />
    );
  }
  let past;
  if (history.isPending) past = <Loading label="Loading the history…" />;
  else if (history.isError) {
    past = (
      <ErrorState
        error={history.error}
        title="The provisioning history could not be loaded"
        onRetry={() => void history.refetch()}
      />
    );
  } else {
    past = (
      <ProvisioningTable
        rows={history.data}
        by="cluster"
        label="Provisioning history"
        empty={{ title: 'No changes on Hopsworks yet' }}
      />
    );
  }
  return (
    <Card withBorder data-testid="user-hopsworks">
      <Stack gap="xs">
        <Title order={3} size="h5">
          Hopsworks
        </Title>
        <Text size="sm" c="dimmed">
          This person&apos;s account on each cluster, as the newest change there left it. A failed
          change was retried with backoff until it gave up; retry it once the cause is fixed.
        </Text>
        {state}
        <Title order={4} size="h6" mt="xs">
          History
        </Title>
        {past}
      </Stack>
    </Card>
  );
}
