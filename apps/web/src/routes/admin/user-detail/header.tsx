// The user's name, e-mail, role and status, with the way to their audit trail.
import { Button, Group } from '@mantine/core';
import { Link } from 'react-router';
import { RoleBadge, StatusBadge } from '../../../components/badges.tsx';
import { PageHeader } from '../../../components/page-header.tsx';
import type { UserDetail } from './types.ts';

export function UserHeader({ user }: { user: UserDetail['user'] }) {
  return (
    <PageHeader
      title={user.name ?? user.email}
      description={
        <Group gap={6} wrap="wrap">
          <span style={{ overflowWrap: 'anywhere' }}>{user.email}</span>
          <RoleBadge role={user.role} isAdmin={user.isAdmin} />
          <StatusBadge status={user.status} />
        </Group>
      }
      actions={
        <Button
          component={Link}
          to={`/admin/audit?targetId=${encodeURIComponent(user.id)}`}
          variant="default"
          size="xs"
        >
          Audit log
        </Button>
      }
    />
  );
}
