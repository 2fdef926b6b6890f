// The prices usage is charged at: the rate card in force today, from usage.rateCard. Each price is
// per unit (named under its resource), so the table stays three columns wide, phone included.
import { multiplyDecimals } from '@hops/api/decimal';
import { QUANTITIES } from '@hops/api/resources';
import { Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { formatDay } from '../lib/dates.ts';
import { useTRPC } from '../lib/trpc.ts';
import { CardTable } from './data-table.tsx';
import { ErrorState, Loading } from './states.tsx';

export function RateCard() {
  const trpc = useTRPC();
  const card = useQuery(trpc.usage.rateCard.queryOptions());
  if (card.isPending) return <Loading label="Loading the rate card…" />;
  if (card.isError) return <ErrorState error={card.error} onRetry={() => void card.refetch()} />;
  const { id, effectiveFrom, usdPerCredit, creditsPerUnit } = card.data;
  return (
    <>
      <Text size="sm" c="dimmed" mb="xs">
        Rate card {id}, in force since {formatDay(effectiveFrom)}. One credit is ${usdPerCredit}.
        Storage is charged per day as GB held × the monthly price ÷ the days of that month. Costs
        are exact to 4 decimals and shown rounded to cents.
      </Text>
      <CardTable label="Rate card" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Resource</Table.Th>
            <Table.Th ta="right">Credits</Table.Th>
            <Table.Th ta="right">USD</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {QUANTITIES.map((q) => (
            <Table.Tr key={q.rate}>
              <Table.Td>
                {q.label}
                <Text size="xs" c="dimmed">
                  per {q.rateUnit}
                </Text>
              </Table.Td>
              <Table.Td ta="right" data-label="Credits">
                {creditsPerUnit[q.rate]}
              </Table.Td>
              <Table.Td ta="right" data-label="USD">
                ${multiplyDecimals(creditsPerUnit[q.rate], usdPerCredit)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </CardTable>
    </>
  );
}
