// A user's or a cluster's status, and a user's role, as coloured badges. A badge always shows its
// whole word (styles.css keeps it from shrinking in a narrow cell).
import type { ClusterStatus, UserStatus } from '@hops/api/schemas';
import { Badge, Group } from '@mantine/core';
import type { Me } from '../lib/trpc.ts';

type Status = UserStatus | ClusterStatus;

const STATUS_COLORS: Record<Status, string> = {
  active: 'teal',
  suspended: 'orange',
  deleted: 'gray',
  maintenance: 'yellow',
  full: 'red',
  inactive: 'gray',
};

export function StatusBadge({ status }: { status: Status }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status]}>
      {status}
    </Badge>
  );
}

export function RoleBadge({ role, isAdmin }: { role: Me['role']; isAdmin?: boolean }) {
  const badge = (
    <Badge variant="light" color={role === 'owner' ? 'blue' : 'gray'}>
      {role}
    </Badge>
  );
  if (!isAdmin) return badge;
  return (
    <Group gap={4} wrap="nowrap" display="inline-flex">
      {badge}
      <Badge variant="light" color="grape">
        admin
      </Badge>
    </Group>
  );
}
