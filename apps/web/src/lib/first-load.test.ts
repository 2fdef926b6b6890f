// The first load on `/`: the answers of the early request (first-data.ts) go into the cache under
// the keys the pages read, and only what it did not answer is asked again through tRPC.
import type { AppRouter } from '@hops/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeLink, owner } from '../test/render.tsx';
import { queryOptionsOf, startFirstLoad } from './first-load.ts';
import { batchUrl, overviewCalls, type BatchAnswer, type FirstCall } from './overview-calls.ts';
import { createApiClient, createQueryClient } from './trpc.ts';

afterEach(() => {
  delete window.__hopsEarly;
  vi.restoreAllMocks();
});

/** The answer the fake API gives a call asked through tRPC (distinct from the early ones). */
const ASKED_AGAIN = { askedAgain: true };

function load(early: { calls: FirstCall[]; answers: Promise<BatchAnswer[]> } | undefined) {
  if (early) window.__hopsEarly = early;
  const asked: { path: string; input: unknown }[] = [];
  const client = createApiClient([
    fakeLink(
      {
        'me.get': () => owner,
        'usage.summary': () => ASKED_AGAIN,
        'usage.daily': () => ASKED_AGAIN,
      },
      asked,
    ),
  ]);
  const queryClient = createQueryClient();
  startFirstLoad(client, queryClient, '/');
  const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
  const keyOf = (call: FirstCall) => queryOptionsOf(trpc, call).queryKey;
  const settled = async (calls: FirstCall[]) => {
    await vi.waitFor(() => {
      for (const call of calls) expect(queryClient.getQueryData(keyOf(call))).toBeDefined();
    });
    return calls.map((call) => queryClient.getQueryData(keyOf(call)));
  };
  return { asked, settled };
}

describe('the first load of the overview', () => {
  it('takes the early answers and asks again only the call the early request got an error for', async () => {
    const calls = overviewCalls();
    const answers: BatchAnswer[] = calls.map((call, i) =>
      i === 1
        ? { error: { message: 'Something went wrong on our side.' } }
        : { result: { data: call.path === 'me.get' ? owner : { early: i } } },
    );
    const { asked, settled } = load({ calls, answers: Promise.resolve(answers) });
    const data = await settled(calls);
    expect(data[0]).toEqual(owner);
    expect(data[1]).toEqual(ASKED_AGAIN);
    for (let i = 2; i < calls.length; i++) expect(data[i]).toEqual({ early: i });
    expect(asked).toEqual([{ path: calls[1]!.path, input: calls[1]!.input }]);
    expect(window.__hopsEarly).toBeUndefined();
  });

  it('asks everything through tRPC when the early request failed', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const calls = overviewCalls();
    const { asked, settled } = load({ calls, answers: Promise.reject(new Error('offline')) });
    const data = await settled(calls);
    expect(data.slice(1)).toEqual(calls.slice(1).map(() => ASKED_AGAIN));
    expect(asked.map((a) => a.path)).toEqual(calls.map((call) => call.path));
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/early request failed/),
      expect.any(Error),
    );
  });

  it('uses none of an early request that asked other questions (the day turned in between)', async () => {
    const calls = overviewCalls();
    const yesterday = overviewCalls('2026-11-30');
    const answers: BatchAnswer[] = yesterday.map(() => ({ result: { data: { stale: true } } }));
    const { asked, settled } = load({ calls: yesterday, answers: Promise.resolve(answers) });
    const data = await settled(calls);
    expect(data.slice(1)).toEqual(calls.slice(1).map(() => ASKED_AGAIN));
    expect(asked).toHaveLength(calls.length);
  });

  it('asks everything through tRPC without an early request', async () => {
    const calls = overviewCalls();
    const { asked, settled } = load(undefined);
    await settled(calls);
    expect(asked).toHaveLength(calls.length);
  });
});

describe('the early request', () => {
  it("is the very request tRPC's batch link sends for the same calls", async () => {
    const calls = overviewCalls();
    const urls: string[] = [];
    const client = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: 'http://hops.test/trpc',
          maxURLLength: 4000,
          maxItems: 10,
          fetch: async (url) => {
            urls.push(String(url));
            const body = JSON.stringify(calls.map(() => ({ result: { data: null } })));
            return new Response(body, { headers: { 'content-type': 'application/json' } });
          },
        }),
      ],
    });
    await Promise.all(
      calls.map((call) =>
        call.path === 'me.get'
          ? client.me.get.query()
          : call.path === 'usage.summary'
            ? client.usage.summary.query(call.input)
            : client.usage.daily.query(call.input),
      ),
    );
    expect(urls).toEqual([`http://hops.test${batchUrl(calls)}`]);
  });
});
