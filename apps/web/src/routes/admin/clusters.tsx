// /admin/clusters: every cluster with its users against capacity and how its usage collection is
// doing, and creating a new one.
import { Anchor, Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { StatusBadge } from '../../components/badges.tsx';
import { CapacityBar } from '../../components/capacity-bar.tsx';
import { ClusterForm, type ClusterFormValues } from '../../components/cluster-form.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Empty, ErrorState, Loading } from '../../components/states.tsx';
import { notifyDone } from '../../lib/notify.ts';
import { useTRPC } from '../../lib/trpc.ts';
import { CollectionBadge } from './cluster-detail/collection.tsx';

function CreateCluster() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const create = useMutation(
    trpc.clusters.create.mutationOptions({
      onSuccess: async (cluster) => {
        notifyDone(`Cluster ${cluster.name} created.`);
        close();
        await queryClient.invalidateQueries({ queryKey: trpc.clusters.list.queryKey() });
        void navigate(`/admin/clusters/${cluster.id}`);
      },
    }),
  );
  const submit = (values: ClusterFormValues) =>
    create.mutate({
      name: values.name,
      apiUrl: values.apiUrl,
      apiKey: values.apiKey,
      kubeconfig: values.kubeconfig || null,
      maxUsers: values.maxUsers,
      status: values.status,
      openCostUrl: values.openCostUrl.trim() || null,
      openCostToken: values.openCostToken || null,
      caCertificate: values.caCertificate.trim() || null,
    });
  return (
    <>
      <Button
        onClick={() => {
          create.reset();
          open();
        }}
      >
        New cluster
      </Button>
      <Modal opened={opened} onClose={close} title="New cluster" centered size="lg">
        <ClusterForm
          submitLabel="Create cluster"
          error={create.error}
          busy={create.isPending}
          onSubmit={submit}
          onCancel={close}
        />
      </Modal>
    </>
  );
}

export default function AdminClustersPage() {
  const trpc = useTRPC();
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  return (
    <>
      <PageHeader
        title="Clusters"
        description="Shared Hopsworks installations; a whole account lives on one."
        actions={<CreateCluster />}
      />
      {clusters.isPending ? (
        <Loading label="Loading clusters…" />
      ) : clusters.isError ? (
        <ErrorState error={clusters.error} onRetry={() => void clusters.refetch()} />
      ) : clusters.data.length === 0 ? (
        <Empty title="No clusters yet">
          Create the first one; accounts are assigned to clusters with room.
        </Empty>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {clusters.data.map((cluster) => (
            <Card key={cluster.id} withBorder data-testid={`cluster-${cluster.name}`}>
              <Stack gap="sm">
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <Anchor component={Link} to={`/admin/clusters/${cluster.id}`} fw={700} truncate>
                    {cluster.name}
                  </Anchor>
                  <StatusBadge status={cluster.status} />
                </Group>
                <Text size="xs" c="dimmed" truncate>
                  {cluster.apiUrl}
                </Text>
                <CapacityBar
                  currentUsers={cluster.currentUsers}
                  maxUsers={cluster.maxUsers}
                  overCapacity={cluster.overCapacity}
                />
                <Group gap="xs">
                  <Badge variant="outline" color="gray">
                    {cluster.accounts} {cluster.accounts === 1 ? 'account' : 'accounts'}
                  </Badge>
                  {!cluster.hasApiKey && (
                    <Badge variant="outline" color="red">
                      no API key
                    </Badge>
                  )}
                  {cluster.collection && <CollectionBadge health={cluster.collection} />}
                  {cluster.hasKubeconfig && (
                    <Badge variant="outline" color="gray">
                      kubeconfig set
                    </Badge>
                  )}
                </Group>
              </Stack>
            </Card>
          ))}
        </SimpleGrid>
      )}
    </>
  );
}
