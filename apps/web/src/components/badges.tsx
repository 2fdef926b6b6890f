import { Badge } from '@mantine/core';

const STATUS_COLORS: Record<string, string> = {
  active: 'teal',
  suspended: 'orange',
  deleted: 'gray',
  maintenance: 'yellow',
  full: 'red',
  inactive: 'gray',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status] ?? 'gray'}>
      {status}
    </Badge>
  );
}

export function RoleBadge({ role, isAdmin }: { role: 'owner' | 'member'; isAdmin?: boolean }) {
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
