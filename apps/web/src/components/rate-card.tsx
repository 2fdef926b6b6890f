// The prices usage is charged at: the rate card in force today, from usage.rateCard.
import { multiplyDecimals } from '@hops/api/decimal';
import { QUANTITIES } from '@hops/api/resources';
import { Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc.ts';
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
        Rate card {id}, in force since {effectiveFrom}. One credit is ${usdPerCredit}. Storage is
        charged per day as GB held × the monthly price ÷ the days of that month. Costs are exact to
        4 decimals and shown rounded to cents.
      </Text>
      <Table.ScrollContainer minWidth={360}>
        <Table striped aria-label="Rate card">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Resource</Table.Th>
              <Table.Th>Unit</Table.Th>
              <Table.Th ta="right">Credits</Table.Th>
              <Table.Th ta="right">USD</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {QUANTITIES.map((q) => (
              <Table.Tr key={q.rate}>
                <Table.Td>{q.label}</Table.Td>
                <Table.Td>{q.rateUnit}</Table.Td>
                <Table.Td ta="right">{creditsPerUnit[q.rate]}</Table.Td>
                <Table.Td ta="right">
                  ${multiplyDecimals(creditsPerUnit[q.rate], usdPerCredit)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
