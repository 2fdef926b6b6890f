// The alert worker against the real API's outbox and the fake Slack: each alert is posted exactly
// once, also across a restart; a post Slack refuses is retried; the daily digest is posted once a day.
import { callerAs, makeUser } from '@hops/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addDays, utcDay } from '@hops/api/days';
import { formatUsd } from '@hops/api/decimal';
import type { OutboxEvent } from '@hops/api/events';
import {
  AlertWorker,
  formatAlert,
  formatDigest,
  replyToText,
  type AlertWorkerOptions,
} from '@hops/slackbot';
import { messageText, silentLog, startStack, type Stack } from '../src/stack.ts';

const CHANNEL = 'C0ALERTS';
let stack: Stack;

function worker(overrides: Partial<AlertWorkerOptions> = {}) {
  return new AlertWorker({
    service: stack.service,
    post: async (message) => {
      await stack.bot.web.chat.postMessage({
        channel: CHANNEL,
        text: message.text,
        blocks: message.blocks,
      });
    },
    log: silentLog,
    pollMs: 50,
    ...overrides,
  });
}

const posts = () => stack.slack.posts.filter((p) => p.channel === CHANNEL).map(messageText);
const postsMatching = (pattern: RegExp) => posts().filter((p) => pattern.test(p));

let tinyId = '';
let ownerId = '';

/** A new user accepts an invite to the tiny cluster's owner (over HTTP-free tRPC, as set-up). */
async function joinOwner(email: string) {
  const { inviteUrl } = await stack.admin.invites.create.mutate({ email, ownerId });
  const member = await makeUser(stack.db, { email });
  const caller = await callerAs(stack.db, { userId: member.id });
  await caller.invites.accept({ token: inviteUrl.split('/invite/')[1]! });
}

beforeAll(async () => {
  stack = await startStack();
  // Whatever the demo data left in the outbox is posted first, so each test counts only its own.
  await worker().tick();
  stack.slack.posts.length = 0;
  const tiny = await stack.admin.clusters.create.mutate({
    name: 'tiny-1',
    apiUrl: 'https://tiny-1.hopsworks.test',
    apiKey: 'tiny-key',
    maxUsers: 2,
  });
  tinyId = tiny.id;
  const owner = await makeUser(stack.db, { email: 'olga@tiny.test', stripeCustomerId: 'cus_tiny' });
  ownerId = owner.id;
  await stack.admin.clusters.assign.mutate({ userId: ownerId, clusterId: tinyId });
});
afterAll(() => stack?.close());

describe('alerts', () => {
  test('90 %, over capacity and accepted invites each produce exactly one post, also across a restart', async () => {
    await joinOwner('pete@tiny.test'); // 2/2: at 90 % and more
    await joinOwner('quinn@tiny.test'); // 3/2: over capacity
    const first = worker();
    expect(await first.tick()).toEqual({ posted: 4, more: false });
    expect(posts()).toEqual([
      expect.stringContaining('Cluster tiny-1 is at 100 % of its capacity (2/2 users).'),
      expect.stringContaining("pete@tiny.test accepted the invite to olga@tiny.test's account."),
      expect.stringContaining('Cluster tiny-1 is over capacity: 3/2 users (150 %).'),
      expect.stringContaining("quinn@tiny.test accepted the invite to olga@tiny.test's account."),
    ]);
    expect(await first.tick()).toEqual({ posted: 0, more: false });
    await first.stop();

    const restarted = worker();
    expect(await restarted.tick()).toEqual({ posted: 0, more: false });
    expect(postsMatching(/over capacity/)).toHaveLength(1);
    expect(postsMatching(/accepted the invite/)).toHaveLength(2);
  });

  test('a post Slack refuses is not committed: the next tick posts it, once', async () => {
    await joinOwner('rosa@tiny.test');
    const w = worker();
    stack.slack.failPosts = 1;
    await expect(w.tick()).rejects.toThrow(/channel_not_found/);
    expect(postsMatching(/rosa@tiny\.test/)).toHaveLength(0);
    expect(await w.tick()).toEqual({ posted: 1, more: false });
    expect(await worker().tick()).toEqual({ posted: 0, more: false });
    expect(postsMatching(/rosa@tiny\.test/)).toHaveLength(1);
  });

  test('post, then commit: a crash between the two re-posts that one alert, nothing is lost', async () => {
    await joinOwner('sam@tiny.test');
    await joinOwner('tina@tiny.test');
    let crashed = false;
    const crashing = worker({
      post: async (message) => {
        await stack.bot.web.chat.postMessage({
          channel: CHANNEL,
          text: message.text,
          blocks: message.blocks,
        });
        if (!crashed) {
          crashed = true;
          throw new Error('process killed after the post, before the commit');
        }
      },
    });
    await expect(crashing.tick()).rejects.toThrow(/killed/);
    expect(await worker().tick()).toEqual({ posted: 2, more: false });
    expect(postsMatching(/sam@tiny\.test/)).toHaveLength(2); // at least once
    expect(postsMatching(/tina@tiny\.test/)).toHaveLength(1);
  });

  test('started, the worker polls on its own and stops cleanly', async () => {
    const w = worker();
    w.start();
    await joinOwner('uma@tiny.test');
    const deadline = Date.now() + 10_000;
    while (postsMatching(/uma@tiny\.test/).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await w.stop();
    expect(postsMatching(/uma@tiny\.test/)).toHaveLength(1);
  });

  test('a large backlog is drained in batches, in order', async () => {
    for (const name of ['v1', 'v2', 'v3']) await joinOwner(`${name}@tiny.test`);
    const w = worker({ batch: 2 });
    expect(await w.tick()).toEqual({ posted: 2, more: true });
    expect(await w.tick()).toEqual({ posted: 1, more: false });
    expect(postsMatching(/v\d@tiny\.test/).map((p) => p.match(/v\d/)![0])).toEqual([
      'v1',
      'v2',
      'v3',
    ]);
  });
});

describe('daily digest', () => {
  const today = utcDay(new Date());
  const yesterday = addDays(today, -1);
  const digestWorker = (at: string) =>
    worker({
      now: () => new Date(at),
      digest: { hourUtc: 6, asAdmin: async () => stack.admin },
    });
  const digests = () => postsMatching(/^Cost by account/);

  test('not before the configured hour; then once for yesterday, also across a restart', async () => {
    expect(await digestWorker(`${today}T05:59:00Z`).digestIfDue()).toBe(false);
    expect(digests()).toHaveLength(0);

    const w = digestWorker(`${today}T06:00:00Z`);
    await w.tick();
    expect(digests()).toHaveLength(1);
    const ranking = await stack.admin.usage.top.query({
      from: yesterday,
      to: yesterday,
      limit: 10,
    });
    expect(ranking.length).toBeGreaterThan(0);
    const digest = digests()[0]!;
    expect(digest).toContain(`Cost by account, ${yesterday}`);
    ranking.forEach((r, i) => {
      expect(digest).toMatch(
        new RegExp(`${i + 1}\\s+${r.ownerEmail}\\s+\\${formatUsd(r.totalCost)}`),
      );
    });

    await w.tick();
    await digestWorker(`${today}T23:00:00Z`).tick(); // a restart, later that day
    expect(digests()).toHaveLength(1);

    await digestWorker(`${addDays(today, 1)}T06:30:00Z`).tick(); // the next day
    expect(digests()).toHaveLength(2);
    expect(digests()[1]).toContain(`Cost by account, ${today}`);
  });

  test('a digest that fails does not hold up the alerts', async () => {
    await joinOwner('walt@tiny.test');
    const w = worker({
      now: () => new Date(`${addDays(today, 5)}T12:00:00Z`),
      digest: {
        hourUtc: 6,
        asAdmin: async () => {
          throw new Error('Daily digest: nobody to act as');
        },
      },
    });
    expect(await w.tick()).toEqual({ posted: 1, more: false });
    expect(postsMatching(/walt@tiny\.test/)).toHaveLength(1);
  });
});

describe('alert texts', () => {
  // Any kind and payload, as the outbox could carry them (a newer API's kind included).
  const event = (kind: string, payload: Record<string, unknown>) =>
    replyToText(
      formatAlert({ id: 7, at: '2026-01-31T10:00:00.000Z', kind, payload } as OutboxEvent),
    );

  test('every kind reads as a sentence with what to do', () => {
    expect(event('cluster.no_room', { ownerId: 'x', email: 'zed@z.test', users: 3 })).toContain(
      'No active cluster has room for the account of zed@z.test (3 users). Add capacity or a cluster, then /hops assign zed@z.test auto.',
    );
    expect(
      event('credits.exhausted', {
        ownerId: 'x',
        email: 'grace@initech.test',
        unpaidUsage: '12.3450',
      }),
    ).toContain(
      'grace@initech.test has used up their prepaid credits. Usage not covered: $12.34. See /hops credits grace@initech.test.',
    );
    expect(
      event('cluster.capacity_high', { name: 'c1', currentUsers: 45, maxUsers: 50 }),
    ).toContain('Cluster c1 is at 90 % of its capacity (45/50 users).');
    expect(event('something.new', { a: 1 })).toContain('something.new: {"a":1}');
    expect(
      event('invite.accepted', { memberEmail: '<b>@x.test', ownerEmail: 'o@x.test' }),
    ).toContain('<b>@x.test accepted');
  });

  test('a day without usage still gets a digest saying so', () => {
    expect(replyToText(formatDigest('2026-01-30', []))).toContain(
      'No usage was recorded that day.',
    );
  });
});
