// The last 30 days of the user's usage, one line per cost column: for an owner the whole account
// (what they pay), for a member their own.
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
        <div className="table-scroll">
          <Table verticalSpacing={4} aria-label="30-day usage">
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.label}>
                  <Table.Td>{row.label}</Table.Td>
                  <Table.Td c="dimmed">{row.quantity}</Table.Td>
                  <Table.Td ta="right">{formatUsd(row.cost)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
        <Text size="xs" c="dimmed">
          {detail.user.role === 'owner'
            ? 'The whole account (what the owner pays).'
            : 'This member’s own usage.'}
        </Text>
      </Stack>
    </Card>
  );
}
