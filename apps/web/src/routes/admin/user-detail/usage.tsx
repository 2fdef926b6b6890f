// The last 30 days of the user's usage, one row per cost column with its quantities under it: for
// an owner the whole account (what they pay), for a member their own.
import { formatQuantity, formatUsd } from '@hops/api/decimal';
import { COSTS, quantitiesOf } from '@hops/api/resources';
import { Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { formatDay } from '../../../lib/dates.ts';
import type { UserDetail } from './types.ts';

export function UsageCard({ detail }: { detail: UserDetail }) {
  const u = detail.usage30d;
  const rows = COSTS.map((cost) => ({
    label: cost.label,
    quantity: quantitiesOf(cost.field)
      .map((q) => `${formatQuantity(u.quantities[q.field])} ${q.suffix}`)
      .join(', '),
    cost: u.byResource[cost.resource],
  }));
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h5">
            Usage, {formatDay(u.from)} – {formatDay(u.to)}
          </Title>
          <Text fw={700}>{formatUsd(u.totalCost)}</Text>
        </Group>
        {/* Two columns, the quantities under their resource: it fits a phone without scrolling. */}
        <Table verticalSpacing={4} aria-label="30-day usage">
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={row.label}>
                <Table.Td>
                  <Text size="sm">{row.label}</Text>
                  <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    {row.quantity}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" style={{ verticalAlign: 'top', whiteSpace: 'nowrap' }}>
                  {formatUsd(row.cost)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="xs" c="dimmed">
          {detail.user.role === 'owner'
            ? 'The whole account (what the owner pays).'
            : 'This member’s own usage.'}
        </Text>
      </Stack>
    </Card>
  );
}
