// A user's or a cluster's status, and a user's role, as coloured badges.
import type { ClusterStatus, UserStatus } from '@hops/api/schemas';
import { Badge } from '@mantine/core';
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
  return (
    <>
      <Badge variant="light" color={role === 'owner' ? 'blue' : 'gray'}>
        {role}
      </Badge>
      {isAdmin && (
        <Badge variant="light" color="grape" ml={4}>
          admin
        </Badge>
      )}
    </>
  );
}
