// "People on Hopsworks" of the admin cluster page (SPEC §9): each person's account on this cluster
// as their newest provisioning job left it, failed ones first to be seen, with Retry.
import { SegmentedControl, Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ProvisioningTable } from '../../../components/provisioning.tsx';
import { ErrorState, Loading } from '../../../components/states.tsx';
import { useTRPC } from '../../../lib/trpc.ts';

/** The API's most per page; a cluster holds at most a few hundred people. */
const LIMIT = 500;

export function PeopleOnHopsworks({ clusterId }: { clusterId: string }) {
  const trpc = useTRPC();
  const [only, setOnly] = useState<'all' | 'failed'>('all');
  const people = useQuery(
    trpc.clusters.provisioning.queryOptions({ clusterId, view: 'latest', limit: LIMIT }),
  );
  let body;
  if (people.isPending) body = <Loading label="Loading the people on Hopsworks…" />;
  else if (people.isError) {
    body = (
      <ErrorState
        error={people.error}
        title="The Hopsworks state could not be loaded"
        onRetry={() => void people.refetch()}
      />
    );
  } else {
    const failed = people.data.filter((p) => p.state === 'failed');
    body = (
      <Stack gap="xs">
        {people.data.length > 0 && (
          <SegmentedControl
            aria-label="Show"
            size="xs"
            value={only}
            onChange={(value) => setOnly(value as 'all' | 'failed')}
            data={[
              { value: 'all', label: `Everyone (${people.data.length})` },
              { value: 'failed', label: `Failed (${failed.length})` },
            ]}
            style={{ alignSelf: 'flex-start' }}
          />
        )}
        <ProvisioningTable
          rows={only === 'failed' ? failed : people.data}
          by="person"
          label="People on Hopsworks"
          empty={
            only === 'failed'
              ? { title: 'No failed changes', text: 'Every person’s account here is in line.' }
              : {
                  title: 'Nobody on this cluster on Hopsworks yet',
                  text: 'A job appears here for each person when an account is assigned here.',
                }
          }
        />
      </Stack>
    );
  }
  return (
    <Stack gap="xs" data-testid="cluster-people">
      <Title order={2} size="h4">
        People on Hopsworks
      </Title>
      {body}
    </Stack>
  );
}
