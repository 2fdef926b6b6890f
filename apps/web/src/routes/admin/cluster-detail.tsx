// /admin/clusters/:id: one cluster, editing it (secrets write-only), the accounts on it with
// moving, unassigning and assigning another account here — each move checked before its Confirm —
// how its usage collection is going, and each person's account on its Hopsworks (cluster-detail/).
import { describeInputError, email as emailSchema } from '@hops/api/schemas';
import {
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  AssignConfirmation,
  CheckedAssignButton,
  planSentence,
  useAssignPreview,
  type AssignPlan,
} from '../../components/assign-check.tsx';
import { ActionButton } from '../../components/action-button.tsx';
import { StatusBadge } from '../../components/badges.tsx';
import { CapacityBar } from '../../components/capacity-bar.tsx';
import { ClusterForm, type ClusterFormValues } from '../../components/cluster-form.tsx';
import { ConfirmAction } from '../../components/confirm-action.tsx';
import { DataTable, useDataTable, type Column } from '../../components/data-table.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Person } from '../../components/person.tsx';
import { Empty, ErrorState, Loading } from '../../components/states.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { notifyDone } from '../../lib/notify.ts';
import { useRefreshAll } from '../../lib/refresh.ts';
import { errorMessage, useTRPC, type RouterInputs, type RouterOutputs } from '../../lib/trpc.ts';
import { UsageCollection } from './cluster-detail/collection.tsx';
import { PeopleOnHopsworks } from './cluster-detail/people.tsx';

type ClusterDetail = RouterOutputs['clusters']['get'];
type Cluster = ClusterDetail['cluster'];
type ClusterAccount = ClusterDetail['accounts'][number];
type UpdateInput = RouterInputs['clusters']['update'];

function EditCluster({ cluster }: { cluster: Cluster }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const [opened, { open, close }] = useDisclosure(false);
  const update = useMutation(
    trpc.clusters.update.mutationOptions({
      onSuccess: async () => {
        notifyDone('Cluster saved.');
        close();
        await refresh();
      },
    }),
  );
  const submit = (values: ClusterFormValues) => {
    const input: UpdateInput = {
      id: cluster.id,
      name: values.name,
      apiUrl: values.apiUrl,
      maxUsers: values.maxUsers,
      status: values.status,
      // Empty clears: no collection, or the usual roots only.
      openCostUrl: values.openCostUrl.trim() || null,
      caCertificate: values.caCertificate.trim() || null,
    };
    // Secrets are write-only: only what was typed is sent.
    if (values.apiKey) input.apiKey = values.apiKey;
    if (values.clearKubeconfig) input.kubeconfig = null;
    else if (values.kubeconfig) input.kubeconfig = values.kubeconfig;
    if (values.clearOpenCostToken) input.openCostToken = null;
    else if (values.openCostToken) input.openCostToken = values.openCostToken;
    update.mutate(input);
  };
  return (
    <>
      <Button
        variant="default"
        onClick={() => {
          update.reset();
          open();
        }}
      >
        Edit cluster
      </Button>
      <Modal opened={opened} onClose={close} title={`Edit ${cluster.name}`} centered size="lg">
        <ClusterForm
          initial={{
            name: cluster.name,
            apiUrl: cluster.apiUrl,
            maxUsers: cluster.maxUsers,
            status: cluster.status,
            openCostUrl: cluster.openCostUrl ?? '',
            caCertificate: cluster.caCertificate ?? '',
          }}
          secrets={{
            hasApiKey: cluster.hasApiKey,
            hasKubeconfig: cluster.hasKubeconfig,
            hasOpenCostToken: cluster.hasOpenCostToken,
          }}
          submitLabel="Save"
          error={update.error}
          busy={update.isPending}
          onSubmit={submit}
          onCancel={close}
        />
      </Modal>
    </>
  );
}

function MoveAccount({ account, cluster }: { account: ClusterAccount; cluster: Cluster }) {
  const trpc = useTRPC();
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const [target, setTarget] = useState<string | null>(null);
  return (
    <Group gap={6} wrap="nowrap" justify="flex-end">
      <Select
        size="xs"
        w={170}
        placeholder="Move to…"
        aria-label={`Move ${account.owner.email} to`}
        data={(clusters.data ?? [])
          .filter((c) => c.id !== cluster.id)
          .map((c) => ({
            value: c.id,
            label: `${c.name} (${c.currentUsers}/${c.maxUsers}${c.status === 'active' ? '' : `, ${c.status}`})`,
          }))}
        value={target}
        onChange={setTarget}
      />
      <CheckedAssignButton
        label="Move"
        input={target ? { userId: account.owner.id, clusterId: target } : null}
        onDone={() => setTarget(null)}
      />
    </Group>
  );
}

function Accounts({ detail }: { detail: ClusterDetail }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const unassign = useMutation(trpc.clusters.unassign.mutationOptions({ onSuccess: refresh }));
  const columns: Column<ClusterAccount>[] = [
    {
      id: 'owner',
      header: 'Account owner',
      text: (a) => a.owner.email,
      render: (a) => (
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(a.owner.id)}`}>
          <Person name={a.owner.name} email={a.owner.email} />
        </Anchor>
      ),
      compare: (a, b) => a.owner.email.localeCompare(b.owner.email),
    },
    {
      id: 'people',
      header: 'People',
      text: (a) => String(a.members + 1),
      align: 'right',
      compare: (a, b) => a.members - b.members,
    },
    { id: 'billing', header: 'Billing', text: (a) => a.billingMode },
    {
      id: 'assigned',
      header: 'Assigned',
      text: (a) => `${formatDateTime(a.assignedAt)} by ${a.assignedBy}`,
      compare: (a, b) => a.assignedAt.localeCompare(b.assignedAt),
    },
    {
      id: 'actions',
      header: 'Actions',
      text: () => '',
      align: 'right',
      render: (a) => (
        <Group gap={6} wrap="nowrap" justify="flex-end">
          <MoveAccount account={a} cluster={detail.cluster} />
          <ConfirmAction
            label="Unassign"
            title="Take this account off the cluster?"
            onConfirm={() => unassign.mutateAsync({ userId: a.owner.id })}
          >
            {a.owner.email} and their {a.members} {a.members === 1 ? 'member' : 'members'} lose
            access to {detail.cluster.name}.
          </ConfirmAction>
        </Group>
      ),
    },
  ];
  const table = useDataTable({ columns, rows: detail.accounts, getRowId: (a) => a.owner.id });
  if (detail.accounts.length === 0) {
    return <Empty title="No accounts on this cluster">Assign one below.</Empty>;
  }
  return <DataTable table={table} label="Accounts" />;
}

function AssignHere({ cluster }: { cluster: Cluster }) {
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [plan, setPlan] = useState<AssignPlan | null>(null);
  const preview = useAssignPreview();
  // Check first: the e-mail's form here, then the API says whose account would move, or why not.
  const check = async () => {
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) {
      setProblem(describeInputError(parsed.error));
      return;
    }
    setProblem(null);
    const answer = await preview
      .mutateAsync({ email: parsed.data, clusterId: cluster.id })
      .catch((error: unknown) => {
        setProblem(errorMessage(error));
        return null;
      });
    if (!answer) return;
    if (!answer.ok) setProblem(answer.message);
    else if (answer.change === 'unchanged') setProblem(planSentence(answer));
    else setPlan(answer);
  };
  return (
    <Card withBorder>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void check();
        }}
      >
        <Stack gap="xs">
          <Title order={2} size="h5">
            Assign an account here
          </Title>
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              placeholder="Account owner's e-mail"
              aria-label="Account owner's e-mail"
              type="email"
              value={email}
              onChange={(event) => {
                setEmail(event.currentTarget.value);
                setProblem(null);
              }}
              error={problem}
              style={{ flex: '1 1 240px' }}
            />
            <ActionButton
              type="submit"
              color="blue"
              variant="light"
              loading={preview.isPending}
              disabledReason={!email.trim() && "Type the account owner's e-mail first."}
            >
              Assign
            </ActionButton>
          </Group>
        </Stack>
      </form>
      <AssignConfirmation plan={plan} onClose={() => setPlan(null)} onDone={() => setEmail('')} />
    </Card>
  );
}

export default function AdminClusterPage() {
  const { id = '' } = useParams();
  const trpc = useTRPC();
  const detail = useQuery(trpc.clusters.get.queryOptions({ id }));
  if (detail.isPending) return <Loading label="Loading the cluster…" />;
  if (detail.isError)
    return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  const { cluster } = detail.data;
  return (
    <>
      <PageHeader
        title={cluster.name}
        description={
          <Group gap={6} wrap="wrap">
            <StatusBadge status={cluster.status} />
            <span style={{ overflowWrap: 'anywhere' }}>{cluster.apiUrl}</span>
          </Group>
        }
        actions={<EditCluster cluster={cluster} />}
      />
      <Stack gap="md">
        <Card withBorder>
          <Stack gap="xs">
            <CapacityBar
              currentUsers={cluster.currentUsers}
              maxUsers={cluster.maxUsers}
              overCapacity={cluster.overCapacity}
            />
            <Text size="xs" c="dimmed">
              API key {cluster.hasApiKey ? 'set' : 'missing'} · kubeconfig{' '}
              {cluster.hasKubeconfig ? 'set' : 'not set'} · OpenCost{' '}
              {cluster.openCostUrl
                ? cluster.hasOpenCostToken
                  ? 'set, with a token'
                  : 'set'
                : 'not set'}{' '}
              · CA certificate {cluster.caCertificate ? 'set' : 'not set'} · updated{' '}
              {formatDateTime(cluster.updatedAt)}
            </Text>
          </Stack>
        </Card>
        <UsageCollection clusterId={cluster.id} openCostUrl={cluster.openCostUrl} />
        <Stack gap="xs">
          <Title order={2} size="h4">
            Accounts
          </Title>
          <Accounts detail={detail.data} />
        </Stack>
        <AssignHere cluster={cluster} />
        <PeopleOnHopsworks clusterId={cluster.id} />
      </Stack>
    </>
  );
}
