// Why the user has their status: for a suspended or deleted user, who did it, when, via what and
// why, as the audit log recorded it (admin.users.get's statusChange); for an active user who was
// let back in, a line saying so.
import { Alert, Anchor, Text } from '@mantine/core';
import { Link } from 'react-router';
import { formatDateTime } from '../../../lib/dates.ts';
import type { UserDetail } from './types.ts';

type StatusChange = NonNullable<UserDetail['statusChange']>;

const DONE: Record<UserDetail['user']['status'], string> = {
  suspended: 'Suspended',
  deleted: 'Deleted',
  active: 'Reactivated',
};

const VIA: Record<StatusChange['via'], string> = {
  web: 'the dashboard',
  slack: 'Slack',
  service: 'a service',
  system: 'the system',
};

function who(change: StatusChange, userId: string): string {
  if (!change.by) return `by ${VIA[change.via]}`;
  // Someone deleting their own account (their e-mail is no longer theirs to show).
  if (change.by.id === userId) return `by the person themself in ${VIA[change.via]}`;
  const person = change.by.name ? `${change.by.name} (${change.by.email})` : change.by.email;
  return change.via === 'web' || change.via === 'slack'
    ? `by ${person} in ${VIA[change.via]}`
    : `by ${person} through ${VIA[change.via]}`;
}

export function StatusNote({ detail }: { detail: UserDetail }) {
  const { user, statusChange: change } = detail;
  const trail = (
    <Anchor component={Link} to={`/admin/audit?targetId=${encodeURIComponent(user.id)}`} size="sm">
      See the audit log
    </Anchor>
  );
  if (user.status === 'active') {
    if (!change) return null;
    return (
      <Text size="sm" c="dimmed" data-testid="user-status-note">
        Reactivated {formatDateTime(change.at)} {who(change, user.id)}
        {change.reason ? `: “${change.reason}”` : ''}.
      </Text>
    );
  }
  return (
    <Alert
      color={user.status === 'suspended' ? 'orange' : 'gray'}
      title={`${DONE[user.status]} account`}
      data-testid="user-status-note"
    >
      {change ? (
        <Text size="sm">
          {DONE[user.status]} {formatDateTime(change.at)} {who(change, user.id)}. Reason:{' '}
          {change.reason ? <b>“{change.reason}”</b> : 'none was given'}. {trail}
        </Text>
      ) : (
        <Text size="sm">
          No admin action in the audit log set this status, so who did it and why is not recorded
          (it was set outside the dashboard and Slack). {trail}
        </Text>
      )}
    </Alert>
  );
}
