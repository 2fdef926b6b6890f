// Every cluster with users / capacity, a bar, its status and whether it is over capacity, and
// where its usage comes from (OpenCost, trusted through the cluster's own CA certificate or not).
import type { ApiOutputs } from '../api.ts';
import { count } from './format.ts';
import { context, header, table, type Reply } from './kit.ts';

type ClusterView = ApiOutputs['clusters']['list'][number];

function bar(current: number, max: number): string {
  const width = 10;
  const filled = Math.min(width, Math.round((current / Math.max(max, 1)) * width));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** `OpenCost`, `OpenCost, own CA` when TLS trusts the cluster's certificate, or `—` (none). */
export function usageSource(c: Pick<ClusterView, 'openCostUrl' | 'caCertificate'>): string {
  if (!c.openCostUrl) return '—';
  return c.caCertificate ? 'OpenCost, own CA' : 'OpenCost';
}

export function clusterList(clusters: ClusterView[]): Reply {
  if (clusters.length === 0) {
    return { text: 'There are no clusters yet.', blocks: [context('There are no clusters yet.')] };
  }
  const rows = clusters.map((c) => [
    c.name,
    `${c.currentUsers}/${c.maxUsers}`,
    bar(c.currentUsers, c.maxUsers),
    `${c.utilisation}%`,
    c.status + (c.overCapacity ? ' OVER CAPACITY' : ''),
    String(c.accounts),
    usageSource(c),
  ]);
  const over = clusters.filter((c) => c.overCapacity).map((c) => c.name);
  const users = clusters.reduce((n, c) => n + c.currentUsers, 0);
  const capacity = clusters.reduce((n, c) => n + c.maxUsers, 0);
  return {
    text: `${count(clusters.length, 'cluster')}, ${users}/${capacity} users${over.length ? `; over capacity: ${over.join(', ')}` : ''}`,
    blocks: [
      header('Clusters'),
      table(['cluster', '>users', 'load', '>used', 'status', '>accounts', 'usage from'], rows),
      context(
        `${users} of ${count(capacity, 'place')} in use` +
          (over.length ? `  ·  :rotating_light: over capacity: ${over.join(', ')}` : ''),
      ),
    ],
  };
}
