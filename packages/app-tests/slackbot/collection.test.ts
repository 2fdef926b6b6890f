// /hops clusters shows each cluster's usage collection (SPEC §9) as the API reports it: collected
// to which hour, partial and failing hours with the newest error, a gap flagged, "—" without
// OpenCost. Through the real receiver and the real API; the hours are written as the collector
// writes them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startStack, type Stack } from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const HOUR = 3_600_000;
/** The start of the newest completed UTC hour, `back` hours earlier. */
const hour = (back: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - HOUR - back * HOUR);

async function withOpenCost(name: string) {
  const cluster = (await stack.admin.clusters.list.query()).find((c) => c.name === name)!;
  await stack.db
    .updateTable('hopsworksClusters')
    .set({ opencostUrl: `https://${name}.opencost.test` })
    .where('id', '=', cluster.id)
    .execute();
  return cluster.id;
}

describe('clusters: collection health', () => {
  test('without OpenCost: a dash', async () => {
    const { text } = await stack.slash('clusters');
    expect(text).toMatch(/usage from\s+collection/);
    for (const c of await stack.admin.clusters.list.query()) {
      if (c.collection === null) expect(text).toMatch(new RegExp(`${c.name} .*—\\s+—`));
    }
  });

  test('up to date, with partial and failing hours and the newest error', async () => {
    const clusterId = await withOpenCost('eu-west-1-prod');
    await stack.db
      .insertInto('usageCollectionHours')
      .values([
        { clusterId, hour: hour(0), state: 'complete', minutes: '60', namespaces: 4 },
        { clusterId, hour: hour(1), state: 'partial', minutes: '30', namespaces: 4 },
        {
          clusterId,
          hour: hour(2),
          state: 'failed',
          lastError: 'eu-west-1-prod: OpenCost allocation answered code 500',
        },
      ])
      .execute();
    const view = (await stack.admin.clusters.list.query()).find((c) => c.id === clusterId)!;
    expect(view.collection).toMatchObject({
      hoursBehind: 0,
      gap: false,
      partialHours: 1,
      failedHours: 1,
    });
    const end = new Date(hour(0).getTime() + HOUR).toISOString().slice(11, 16);
    const { text } = await stack.slash('clusters');
    expect(text).toMatch(
      new RegExp(
        `eu-west-1-prod .*OpenCost\\s+collected to (\\d{4}-\\d\\d-\\d\\d )?${end} UTC · 1 partial · 1 failing`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `eu-west-1-prod: collected to (\\d{4}-\\d\\d-\\d\\d )?${end} UTC · 1 partial · 1 failing: eu-west-1-prod: OpenCost allocation answered code 500`,
      ),
    );
  });

  test('more than 3 hours behind: flagged, named in the summary', async () => {
    const clusterId = await withOpenCost('us-east-1-prod');
    await stack.db
      .insertInto('usageCollectionHours')
      .values([
        { clusterId, hour: hour(6), state: 'complete', minutes: '60', namespaces: 2 },
        ...[0, 1, 2, 3, 4, 5].map((back) => ({
          clusterId,
          hour: hour(back),
          state: 'failed' as const,
          lastError: 'us-east-1-prod: OpenCost allocation call timed out after 30 s',
        })),
      ])
      .execute();
    const view = (await stack.admin.clusters.list.query()).find((c) => c.id === clusterId)!;
    expect(view.collection).toMatchObject({ gap: true, hoursBehind: 6, failedHours: 6 });
    const { text, reply } = await stack.slash('clusters');
    expect(text).toMatch(/us-east-1-prod .*OpenCost\s+6 h behind ⚠ · 6 failing/);
    expect(text).toContain('us-east-1-prod: 6 h behind ⚠ · collected to');
    expect(text).toContain(
      '6 failing: us-east-1-prod: OpenCost allocation call timed out after 30 s',
    );
    expect(reply.text).toContain('usage collection behind: us-east-1-prod');
  });
});
