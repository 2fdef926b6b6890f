// Every cluster with users / capacity, a bar, its status and whether it is over capacity, where
// its usage comes from (OpenCost, trusted through the cluster's own CA certificate or not) and how
// its collection is going; a cluster whose collection needs a look gets a line of its own below.
import type { ApiOutputs } from '../api.ts';
import { collectionLine, needsAttention } from './collection.ts';
import { count } from './format.ts';
import { context, esc, header, section, table, type Reply } from './kit.ts';

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

const clip = (line: string) => (line.length > 400 ? `${line.slice(0, 399)}…` : line);

/** `now`: the moment "collected to 14:00 UTC" is said at (the day is left out on that day). */
export function clusterList(clusters: ClusterView[], now: Date = new Date()): Reply {
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
    collectionLine(c.collection, { now, short: true }),
  ]);
  const attention = clusters.filter((c) => needsAttention(c.collection));
  const behind = clusters.filter((c) => c.collection?.gap).map((c) => c.name);
  const over = clusters.filter((c) => c.overCapacity).map((c) => c.name);
  const users = clusters.reduce((n, c) => n + c.currentUsers, 0);
  const capacity = clusters.reduce((n, c) => n + c.maxUsers, 0);
  return {
    text:
      `${count(clusters.length, 'cluster')}, ${users}/${capacity} users` +
      (over.length ? `; over capacity: ${over.join(', ')}` : '') +
      (behind.length ? `; usage collection behind: ${behind.join(', ')}` : ''),
    blocks: [
      header('Clusters'),
      table(
        ['cluster', '>users', 'load', '>used', 'status', '>accounts', 'usage from', 'collection'],
        rows,
      ),
      ...(attention.length
        ? [
            section(
              attention
                // A section holds 3000 characters: each cluster's line (its error) is kept short.
                .map((c) => `*${esc(c.name)}*: ${esc(clip(collectionLine(c.collection, { now })))}`)
                .join('\n'),
            ),
          ]
        : []),
      context(
        `${users} of ${count(capacity, 'place')} in use` +
          (over.length ? `  ·  :rotating_light: over capacity: ${over.join(', ')}` : ''),
      ),
    ],
  };
}
