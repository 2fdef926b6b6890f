// The user at a glance: cluster, billing, the account's credits, sign-ins.
import { compareDecimals, formatUsd } from '@hops/api/decimal';
import { SimpleGrid } from '@mantine/core';
import { Stat } from '../../../components/stat.tsx';
import { formatDateTime } from '../../../lib/dates.ts';
import type { UserDetail } from './types.ts';

export function UserStats({ detail }: { detail: UserDetail }) {
  const { user, cluster, credits } = detail;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
      <Stat label="Cluster" value={cluster?.name ?? 'Unassigned'} hint={cluster?.status} />
      <Stat
        label="Billing"
        value={user.role === 'owner' ? user.billingMode : 'via owner'}
        hint={user.stripeCustomerId ? 'payment method on file' : 'no payment method'}
      />
      <Stat
        label="Credits available"
        value={credits ? formatUsd(credits.available) : '—'}
        hint={
          credits
            ? `paid ${formatUsd(credits.paid)} · free ${formatUsd(credits.free)}${
                compareDecimals(credits.unpaidUsage, '0') !== 0
                  ? ` · unpaid ${formatUsd(credits.unpaidUsage)}`
                  : ''
              }`
            : 'never had credits'
        }
        testId="user-credits"
      />
      <Stat
        label="Sign-ins"
        value={user.loginCount}
        hint={`last ${formatDateTime(user.lastLoginAt)}`}
      />
    </SimpleGrid>
  );
}
