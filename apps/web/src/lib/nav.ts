// Which pages a person is offered, from what me.get says about them. Offering is a courtesy:
// the pages refuse and the API refuses on their own.
import type { Me } from './trpc.ts';

export interface NavItem {
  to: string;
  label: string;
  section: 'account' | 'admin';
}

export function navItems(me: Pick<Me, 'role' | 'isAdmin'>): NavItem[] {
  const items: NavItem[] = [
    { to: '/', label: 'Overview', section: 'account' },
    { to: '/usage', label: 'Usage', section: 'account' },
    { to: '/team', label: 'Team', section: 'account' },
  ];
  if (me.role === 'owner') items.push({ to: '/billing', label: 'Billing', section: 'account' });
  if (me.isAdmin) {
    items.push(
      { to: '/admin/users', label: 'Users', section: 'admin' },
      { to: '/admin/clusters', label: 'Clusters', section: 'admin' },
      { to: '/admin/usage', label: 'Usage across accounts', section: 'admin' },
      { to: '/admin/audit', label: 'Audit log', section: 'admin' },
    );
  }
  return items;
}

/** Only same-site paths may be returned to after signing in. */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/';
  }
  return value;
}
