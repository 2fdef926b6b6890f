import { describe, expect, it } from 'vitest';
import { navItems, safeReturnTo } from './nav.ts';

const labels = (me: Parameters<typeof navItems>[0]) => navItems(me).map((item) => item.to);

describe('navItems', () => {
  it('offers members no billing and no admin pages', () => {
    expect(labels({ role: 'member', isAdmin: false })).toEqual(['/', '/usage', '/team']);
  });

  it('offers owners billing', () => {
    expect(labels({ role: 'owner', isAdmin: false })).toEqual(['/', '/usage', '/team', '/billing']);
  });

  it('offers admins every admin page, in the admin section', () => {
    const items = navItems({ role: 'owner', isAdmin: true });
    expect(items.filter((i) => i.section === 'admin').map((i) => i.to)).toEqual([
      '/admin/users',
      '/admin/clusters',
      '/admin/usage',
      '/admin/audit',
    ]);
  });
});

describe('safeReturnTo', () => {
  it('keeps same-site paths and refuses everything else', () => {
    expect(safeReturnTo('/usage?from=2026-01-01')).toBe('/usage?from=2026-01-01');
    expect(safeReturnTo('//evil.example/x')).toBe('/');
    expect(safeReturnTo('https://evil.example')).toBe('/');
    expect(safeReturnTo('/\\evil.example')).toBe('/');
    expect(safeReturnTo(null)).toBe('/');
  });
});
