// /hops clusters: the collection column and the lines below the table for clusters whose usage
// collection needs a look (SPEC §9); "—" for a cluster without OpenCost.
import { describe, expect, test } from 'vitest';
import type { ApiOutputs } from '../api.ts';
import { clusterList } from './cluster-list.ts';
import { collectionLine, type CollectionHealth } from './collection.ts';
import { replyToText } from './text.ts';

type ClusterView = ApiOutputs['clusters']['list'][number];

const now = new Date('2026-12-02T15:20:00.000Z');
const healthy: CollectionHealth = {
  lastHour: '2026-12-02T13:00:00.000Z',
  hoursBehind: 0,
  gap: false,
  partialHours: 0,
  failedHours: 0,
  lastError: null,
  lastErrorAt: null,
  unmappedNamespaces: 0,
};

function cluster(name: string, collection: CollectionHealth | null): ClusterView {
  return {
    id: `id-${name}`,
    name,
    apiUrl: `https://${name}.test`,
    status: 'active',
    currentUsers: 3,
    maxUsers: 10,
    overCapacity: false,
    utilisation: '30.0',
    accounts: 1,
    metadata: {},
    hasApiKey: true,
    hasKubeconfig: false,
    openCostUrl: collection ? `https://${name}.test/opencost` : null,
    hasOpenCostToken: false,
    caCertificate: null,
    collection,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('collection line', () => {
  test('up to date: the end of the newest hour, without the day on that day', () => {
    expect(collectionLine(healthy, { now })).toBe('collected to 14:00 UTC');
    expect(collectionLine(healthy, { now: new Date('2026-12-03T00:30:00Z') })).toBe(
      'collected to 2026-12-02 14:00 UTC',
    );
  });

  test('partial and failing hours, the newest error, namespaces billed to nobody', () => {
    const troubled = {
      ...healthy,
      hoursBehind: 1,
      partialHours: 2,
      failedHours: 1,
      lastError: 'eu: OpenCost allocation call answered code 500',
      unmappedNamespaces: 1,
    };
    expect(collectionLine(troubled, { now })).toBe(
      'collected to 14:00 UTC · 2 partial · 1 failing: eu: OpenCost allocation call answered code 500 · 1 unmapped namespace (billed to nobody)',
    );
    expect(collectionLine(troubled, { now, short: true })).toBe(
      'collected to 14:00 UTC · 2 partial · 1 failing',
    );
  });

  test('a gap: hours behind, flagged; never collected; no OpenCost', () => {
    const behind = { ...healthy, lastHour: '2026-12-02T09:00:00.000Z', hoursBehind: 5, gap: true };
    expect(collectionLine(behind, { now, short: true })).toBe('5 h behind ⚠');
    expect(collectionLine(behind, { now })).toBe('5 h behind ⚠ · collected to 10:00 UTC');
    const never = { ...healthy, lastHour: null, hoursBehind: null, gap: true, failedHours: 3 };
    expect(collectionLine(never, { now, short: true })).toBe('nothing collected yet ⚠ · 3 failing');
    expect(collectionLine(null)).toBe('—');
  });
});

describe('cluster list', () => {
  test('a collection column for each, and a line of its own for each cluster that needs a look', () => {
    const reply = clusterList(
      [
        cluster('eu-west-1-prod', healthy),
        cluster('lab', null),
        cluster('us-east-1-prod', {
          ...healthy,
          lastHour: '2026-12-02T08:00:00.000Z',
          hoursBehind: 6,
          gap: true,
          failedHours: 6,
          lastError: 'us-east-1-prod: OpenCost allocation call timed out after 30 s',
          lastErrorAt: '2026-12-02T15:00:00.000Z',
        }),
      ],
      now,
    );
    const text = replyToText(reply);
    expect(text).toMatch(/usage from\s+collection/);
    expect(text).toMatch(/eu-west-1-prod .*OpenCost\s+collected to 14:00 UTC/);
    expect(text).toMatch(/lab .*—\s+—/);
    expect(text).toMatch(/us-east-1-prod .*OpenCost\s+6 h behind ⚠ · 6 failing/);
    expect(text).toContain(
      'us-east-1-prod: 6 h behind ⚠ · collected to 09:00 UTC · 6 failing: us-east-1-prod: OpenCost allocation call timed out after 30 s',
    );
    expect(text).not.toContain('eu-west-1-prod: collected');
    expect(reply.text).toBe('3 clusters, 9/30 users; usage collection behind: us-east-1-prod');
  });
});
