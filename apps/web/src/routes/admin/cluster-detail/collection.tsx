// "Usage collection" of the admin cluster page (SPEC §9): how the hourly OpenCost collection of
// this cluster is doing — the last hour collected, how far behind it is, partial and failed hours
// with the newest failure's sentence, the last 48 hours one by one, the namespaces billed to
// nobody — and "Collect now".
import { formatQuantity } from '@hops/api/decimal';
import {
  Alert,
  Badge,
  Box,
  Card,
  Group,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ActionButton } from '../../../components/action-button.tsx';
import { DataTable, useDataTable, type Column } from '../../../components/data-table.tsx';
import { DateTime } from '../../../components/dates.tsx';
import { Stat } from '../../../components/stat.tsx';
import { ActionError, Empty, ErrorState, Loading } from '../../../components/states.tsx';
import { formatDateTime, formatUtcDateTime } from '../../../lib/dates.ts';
import { useRefreshAll } from '../../../lib/refresh.ts';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc.ts';

export type Collection = RouterOutputs['clusters']['collection'];
export type CollectionHealth = NonNullable<Collection['health']>;
type CollectedHour = Collection['hours'][number];
type Unmapped = Collection['unmapped'][number];
type HourState = CollectedHour['state'];
type CollectOutcome = RouterOutputs['clusters']['collectNow']['clusters'][number];

const HOUR_COLORS: Record<HourState, string> = {
  complete: 'teal',
  partial: 'orange',
  failed: 'red',
};

const UNMAPPED_REASONS: Record<Unmapped['reason'], string> = {
  system: 'system namespace',
  no_project: 'no Hopsworks project of that name',
  no_person: 'project creator is not a hops user',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** How far behind the collection is, as words. */
function behindText(health: CollectionHealth): string {
  if (health.lastHour === null) return 'Never collected yet.';
  if (health.hoursBehind === null) return 'Not known how far behind.';
  if (health.hoursBehind === 0) return 'Up to date.';
  return `${plural(health.hoursBehind, 'completed hour')} not collected yet.`;
}

/** The collection's state in a word or two, for the clusters list (its title says more). */
export function CollectionBadge({ health }: { health: CollectionHealth }) {
  const title = `Last hour collected: ${health.lastHour ? formatUtcDateTime(health.lastHour) : 'none'}. ${behindText(health)}`;
  let color = 'teal';
  let text = 'usage up to date';
  if (health.lastHour === null) {
    color = health.gap ? 'red' : 'gray';
    text = 'usage never collected';
  } else if (health.gap) {
    color = 'red';
    text = `usage ${health.hoursBehind ?? '?'} h behind`;
  } else if (health.failedHours > 0) {
    color = 'orange';
    text = plural(health.failedHours, 'failed hour');
  } else if ((health.hoursBehind ?? 0) > 0) {
    color = 'yellow';
    text = `usage ${health.hoursBehind} h behind`;
  }
  return (
    <Badge variant="outline" color={color} title={title} data-testid="collection-badge">
      {text}
    </Badge>
  );
}

/** The health figures, and what needs an admin's eye. */
export function CollectionHealthView({ health }: { health: CollectionHealth }) {
  return (
    <Stack gap="sm" data-testid="collection-health">
      {health.gap && (
        <Alert color="red" title="Collection is behind" data-testid="collection-gap">
          {health.lastHour === null
            ? 'No hour of this cluster has been collected yet.'
            : `Nothing after ${formatUtcDateTime(health.lastHour)} has been collected: ${behindText(health)}`}{' '}
          An alert was raised; usage of these hours is missing from the accounts until it is
          collected.
        </Alert>
      )}
      {health.lastError && (
        <Alert color="orange" title="Last failure" data-testid="collection-last-error">
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {health.lastError}
          </Text>
          {health.lastErrorAt && (
            <Text size="xs" c="dimmed" mt={4}>
              <DateTime at={health.lastErrorAt} />
            </Text>
          )}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Stat
          label="Last hour collected"
          value={health.lastHour ? formatUtcDateTime(health.lastHour) : 'none'}
          hint={behindText(health)}
          testId="collection-last-hour"
        />
        <Stat
          label="Partial hours"
          value={health.partialHours}
          hint="Last 48 h: under 60 minutes covered; collected again."
          testId="collection-partial"
        />
        <Stat
          label="Failed hours"
          value={health.failedHours}
          hint="Last 48 h: the latest try failed; retried."
          testId="collection-failed"
        />
        <Stat
          label="Unmapped namespaces"
          value={health.unmappedNamespaces}
          hint="Last 48 h: billed to nobody."
          testId="collection-unmapped"
        />
      </SimpleGrid>
    </Stack>
  );
}

/** The last 48 hours as a strip, oldest on the left; each hour says its state on hover. */
function HourStrip({ hours }: { hours: readonly CollectedHour[] }) {
  const oldestFirst = [...hours].reverse();
  return (
    <Group gap={2} wrap="wrap" aria-label="The last 48 hours" role="list" data-testid="hour-strip">
      {oldestFirst.map((h) => {
        const label = `${formatUtcDateTime(h.hour)}: ${h.state}${h.state === 'partial' ? `, ${formatQuantity(h.minutes, 0)} minutes` : ''}`;
        return (
          <Tooltip key={h.hour} label={label} withArrow>
            <Box
              role="listitem"
              aria-label={label}
              w={12}
              h={20}
              style={{
                borderRadius: 2,
                background: `var(--mantine-color-${HOUR_COLORS[h.state]}-filled)`,
              }}
            />
          </Tooltip>
        );
      })}
    </Group>
  );
}

const hourColumns: Column<CollectedHour>[] = [
  {
    id: 'hour',
    header: 'Hour (UTC)',
    text: (h) => formatUtcDateTime(h.hour),
    compare: (a, b) => a.hour.localeCompare(b.hour),
    sortAs: 'date',
  },
  {
    id: 'state',
    header: 'State',
    text: (h) => h.state,
    render: (h) => (
      <Badge variant="light" color={HOUR_COLORS[h.state]}>
        {h.state}
      </Badge>
    ),
  },
  {
    id: 'minutes',
    header: 'Minutes covered',
    text: (h) => formatQuantity(h.minutes, 0),
    align: 'right',
  },
  { id: 'namespaces', header: 'Namespaces', text: (h) => String(h.namespaces), align: 'right' },
  { id: 'unmapped', header: 'Unmapped', text: (h) => String(h.unmapped), align: 'right' },
  { id: 'attempts', header: 'Tries', text: (h) => String(h.attempts), align: 'right' },
  {
    id: 'error',
    header: 'Error',
    text: (h) => h.error ?? '—',
    render: (h) =>
      h.error ? (
        <Text size="sm" c="red" className="cell-note">
          {h.error}
        </Text>
      ) : (
        '—'
      ),
  },
  {
    id: 'collected',
    header: 'Collected',
    text: (h) => formatDateTime(h.collectedAt),
    render: (h) => <DateTime at={h.collectedAt} />,
  },
];

function Hours({ hours }: { hours: readonly CollectedHour[] }) {
  const [only, setOnly] = useState<'attention' | 'all'>('attention');
  const attention = hours.filter((h) => h.state !== 'complete');
  const rows = only === 'all' ? hours : attention;
  const table = useDataTable({ columns: hourColumns, rows, getRowId: (h) => h.hour });
  if (hours.length === 0) {
    return <Empty title="No hours collected in the last 48 hours" />;
  }
  return (
    <Stack gap="xs">
      <HourStrip hours={hours} />
      <SegmentedControl
        aria-label="Hours shown"
        size="xs"
        value={only}
        onChange={(value) => setOnly(value as 'attention' | 'all')}
        data={[
          { value: 'attention', label: `Partial or failed (${attention.length})` },
          { value: 'all', label: `All hours (${hours.length})` },
        ]}
        style={{ alignSelf: 'flex-start' }}
      />
      {rows.length === 0 ? (
        <Empty title="Every hour is complete">
          All {plural(hours.length, 'hour')} of the last 48 hours covered their 60 minutes.
        </Empty>
      ) : (
        <DataTable table={table} label="Collected hours" />
      )}
    </Stack>
  );
}

const unmappedColumns: Column<Unmapped>[] = [
  {
    id: 'namespace',
    header: 'Namespace',
    text: (u) => u.namespace,
    render: (u) => (
      <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
        {u.namespace}
      </Text>
    ),
    compare: (a, b) => a.namespace.localeCompare(b.namespace),
  },
  { id: 'reason', header: 'Why unmapped', text: (u) => UNMAPPED_REASONS[u.reason] },
  {
    id: 'hours',
    header: 'Hours',
    text: (u) => String(u.hours),
    align: 'right',
    compare: (a, b) => a.hours - b.hours,
  },
  {
    id: 'cpu',
    header: 'CPU core-hours',
    text: (u) => formatQuantity(u.cpuCoreHours),
    align: 'right',
    compare: (a, b) => Number(a.cpuCoreHours) - Number(b.cpuCoreHours),
  },
  {
    id: 'last',
    header: 'Last hour (UTC)',
    text: (u) => formatUtcDateTime(u.lastHour),
    compare: (a, b) => a.lastHour.localeCompare(b.lastHour),
    sortAs: 'date',
  },
];

function UnmappedNamespaces({ rows }: { rows: readonly Unmapped[] }) {
  const table = useDataTable({
    columns: unmappedColumns,
    rows,
    getRowId: (u) => u.namespace,
  });
  if (rows.length === 0) {
    return (
      <Empty title="No unmapped namespaces">
        Every namespace of the last 48 hours belongs to a person&apos;s Hopsworks project.
      </Empty>
    );
  }
  return <DataTable table={table} label="Unmapped namespaces" />;
}

/** What one "Collect now" did, per cluster: a sentence. */
function outcomeSentence(o: CollectOutcome): string {
  if (o.error) return `${o.name}: ${o.error}`;
  if (o.hours === 0) return `${o.name}: nothing new to collect.`;
  return `${o.name}: ${plural(o.hours, 'hour')} collected — ${plural(o.namespaces, 'namespace')}, ${o.unmapped} unmapped, ${plural(o.users, 'person', 'people')}${o.partial > 0 ? `, ${o.partial} partial` : ''}.`;
}

/** What the last "Collect now" did, or why it could not, across the card's width. */
function CollectOutcomes({ collect }: { collect: ReturnType<typeof useCollectNow> }) {
  return (
    <>
      {collect.data?.clusters.map((o) => (
        <Text
          key={o.clusterId}
          size="sm"
          c={o.error ? 'red' : undefined}
          data-testid="collect-outcome"
          role={o.error ? 'alert' : 'status'}
          style={{ overflowWrap: 'anywhere' }}
        >
          {outcomeSentence(o)}
        </Text>
      ))}
      <ActionError error={collect.error} />
    </>
  );
}

function useCollectNow() {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  return useMutation(trpc.clusters.collectNow.mutationOptions({ onSuccess: refresh }));
}

export function UsageCollection({
  clusterId,
  openCostUrl,
}: {
  clusterId: string;
  openCostUrl: string | null;
}) {
  const trpc = useTRPC();
  const collect = useCollectNow();
  const collection = useQuery({
    ...trpc.clusters.collection.queryOptions({ clusterId }),
    enabled: Boolean(openCostUrl),
  });
  let body;
  if (!openCostUrl) {
    body = (
      <Empty title="Usage of this cluster is not collected">
        It has no OpenCost URL. Set one with Edit cluster to collect its usage every hour.
      </Empty>
    );
  } else if (collection.isPending) body = <Loading label="Loading the collection health…" />;
  else if (collection.isError) {
    body = (
      <ErrorState
        error={collection.error}
        title="The collection health could not be loaded"
        onRetry={() => void collection.refetch()}
      />
    );
  } else {
    const { health, hours, unmapped } = collection.data;
    body = (
      <Stack gap="md">
        {health ? (
          <CollectionHealthView health={health} />
        ) : (
          <Text size="sm" c="dimmed">
            Nothing collected yet.
          </Text>
        )}
        <Stack gap="xs">
          <Title order={3} size="h5">
            The last 48 hours
          </Title>
          <Hours hours={hours} />
        </Stack>
        <Stack gap="xs">
          <Title order={3} size="h5">
            Unmapped namespaces
          </Title>
          <Text size="sm" c="dimmed">
            Usage in these namespaces is recorded but billed to nobody: system namespaces, and
            namespaces no person&apos;s Hopsworks project maps to.
          </Text>
          <UnmappedNamespaces rows={unmapped} />
        </Stack>
      </Stack>
    );
  }
  return (
    <Card withBorder data-testid="cluster-collection">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <Stack gap={2} style={{ flex: '1 1 260px', minWidth: 0 }}>
            <Title order={2} size="h4">
              Usage collection
            </Title>
            <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {openCostUrl
                ? `Hourly from OpenCost at ${openCostUrl}.`
                : 'No OpenCost URL: nothing is collected.'}
            </Text>
          </Stack>
          {openCostUrl && (
            <ActionButton
              variant="light"
              loading={collect.isPending}
              onClick={() => collect.mutate({ clusterId })}
            >
              Collect now
            </ActionButton>
          )}
        </Group>
        <CollectOutcomes collect={collect} />
        {body}
      </Stack>
    </Card>
  );
}
