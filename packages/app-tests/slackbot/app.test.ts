// The wire: Slack's signature and replay window, retries, who may use the bot, where replies go,
// and how fast the receiver acknowledges.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSlackBot } from '@hops/slackbot';
import { signedHeaders, slackSignature, slashCommandBody } from '@hops/slackbot/testing';
import {
  confirmationFor,
  messageText,
  SIGNING_SECRET,
  silentLog,
  SLACK_USERS,
  startStack,
  type Stack,
} from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const status = async (email: string) =>
  (await stack.admin.admin.users.get.query({ email })).user.status;

/** A Confirm click for "suspend <email>", as a signed body, and where its reply would go. */
const suspendConfirmation = (email: string) =>
  confirmationFor(stack, `suspend ${email} "testing the wire"`);

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe("Slack's request signature", () => {
  test('a forged signature is refused with 401 and nothing changes', async () => {
    const { body, responseKey } = await suspendConfirmation('ken@hooli.test');
    const forged = await stack.send(body, { secret: 'not-the-signing-secret' });
    expect(forged.status).toBe(401);
    const tampered = await stack.send(body.replace('ken%40hooli.test', 'lena%40hooli.test'), {
      signature: slackSignature(SIGNING_SECRET, Math.floor(Date.now() / 1000), body),
    });
    expect(tampered.status).toBe(401);
    const garbage = await stack.send(body, { signature: 'v0=deadbeef' });
    expect(garbage.status).toBe(401);
    const unsigned = await fetch(stack.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(unsigned.status).toBe(401);
    await settle();
    expect(stack.slack.responses.get(responseKey)).toBeUndefined();
    expect(await status('ken@hooli.test')).toBe('active');
    expect(await status('lena@hooli.test')).toBe('active');
  });

  test('a stale timestamp (over 5 minutes) is refused even when correctly signed', async () => {
    const { body, responseKey } = await suspendConfirmation('ken@hooli.test');
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const stale = await stack.send(body, { timestamp: sixMinutesAgo });
    expect(stale.status).toBe(401);
    await settle();
    expect(stack.slack.responses.get(responseKey)).toBeUndefined();
    expect(await status('ken@hooli.test')).toBe('active');
    // The same body, signed now, is accepted: the refusal was the timestamp alone.
    const fresh = await stack.send(body);
    expect(fresh.status).toBe(200);
    await stack.slack.waitForResponses(responseKey);
    expect(await status('ken@hooli.test')).toBe('suspended');
  });

  test('the bot refuses to start with an empty signing secret', () => {
    const options = {
      botToken: 'xoxb-test-token',
      slackApiUrl: stack.slack.apiUrl,
      api: stack.apiConfig,
      log: silentLog,
    };
    expect(() => createSlackBot({ ...options, signingSecret: '' })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(() => createSlackBot({ ...options, signingSecret: '   ' })).toThrow(/empty/);
  });
});

describe('retries (x-slack-retry-num)', () => {
  test('a retried Confirm acts once', async () => {
    const before = await stack.admin.credits.transactions.query({
      userId: 'dev|grace',
      limit: 100,
    });
    const { body, responseKey } = await confirmationFor(
      stack,
      'credits grant grace@initech.test 3 "retry test"',
      { triggerId: 'trigger.retried-confirm' },
    );
    const first = await stack.send(body);
    const retry1 = await stack.send(body, { retryNum: 1 });
    const retry2 = await stack.send(body, { retryNum: 2 });
    expect([first.status, retry1.status, retry2.status]).toEqual([200, 200, 200]);
    await stack.slack.waitForResponses(responseKey);
    await settle();
    expect(stack.slack.responses.get(responseKey)).toHaveLength(1);
    const after = await stack.admin.credits.transactions.query({ userId: 'dev|grace', limit: 100 });
    const retried = (items: typeof after.items) =>
      items.filter((t) => t.description.includes('retry test'));
    expect(retried(after.items)).toHaveLength(1);
    expect(retried(before.items)).toHaveLength(0);
  });

  test('a retried slash command is answered once', async () => {
    const responseKey = randomUUID();
    const body = slashCommandBody({
      text: 'invite heidi@umbrella.test rita@umbrella.test',
      userId: SLACK_USERS.admin.id,
      responseUrl: stack.slack.responseUrl(responseKey),
      triggerId: 'trigger.retried-command',
    });
    await stack.send(body);
    await stack.send(body, { retryNum: 1 });
    await stack.slack.waitForResponses(responseKey);
    await settle();
    const replies = stack.slack.responses.get(responseKey)!;
    expect(replies).toHaveLength(1);
    expect(messageText(replies[0]!)).toContain('Invited rita@umbrella.test');
  });
});

describe('who may use the bot', () => {
  test.each([
    ['alice', '⛔ Your hops user alice@acme.test is not an admin. Only hops admins can use /hops.'],
    [
      'stranger',
      '⛔ No hops user has the e-mail stranger@nowhere.test of your Slack profile. Only hops admins can use /hops.',
    ],
    [
      'suspended',
      '⛔ Your hops user suspended-admin@hops.test is suspended, so you cannot use /hops.',
    ],
    [
      'noEmail',
      '⛔ Your Slack profile shows no e-mail address, so I cannot tell who you are in hops.',
    ],
  ] as const)('%s gets an ephemeral refusal that says why', async (who, refusal) => {
    const { text, reply } = await stack.slash('whois alice@acme.test', { as: who });
    expect(text).toBe(refusal);
    expect(reply.response_type).toBe('ephemeral');
  });

  test('a Slack user Slack does not know is refused politely', async () => {
    const responseKey = randomUUID();
    const body = slashCommandBody({
      text: 'clusters',
      userId: 'U0GHOST',
      responseUrl: stack.slack.responseUrl(responseKey),
    });
    expect((await stack.send(body)).status).toBe(200);
    const [reply] = await stack.slack.waitForResponses(responseKey);
    expect(messageText(reply!)).toContain('I could not read your Slack profile right now');
  });

  test('a suspension takes effect at once; the profile e-mail is cached', async () => {
    const calls = () => stack.slack.calls.get('users.info') ?? 0;
    await stack.slash('help', { as: 'admin2' });
    const before = calls();
    expect((await stack.slash('clusters', { as: 'admin2' })).text).toContain('Clusters');
    expect(calls()).toBe(before); // cached
    await stack.admin.admin.users.setStatus.mutate({
      userId: 'test|admin2',
      status: 'suspended',
      reason: 'testing the bot',
    });
    try {
      expect((await stack.slash('clusters', { as: 'admin2' })).text).toContain('is suspended');
    } finally {
      await stack.admin.admin.users.setStatus.mutate({
        userId: 'test|admin2',
        status: 'active',
        reason: 'testing the bot',
      });
    }
  });
});

describe('replies', () => {
  test('go through the response_url, ephemeral, never as a channel post', async () => {
    for (const line of ['help', 'clusters', 'whois bob@acme.test', 'suspend bob@acme.test x y z']) {
      const { reply, ackBody } = await stack.slash(line);
      expect(ackBody).toBe('');
      expect(reply.response_type).toBe('ephemeral');
    }
    expect(stack.slack.posts).toEqual([]);
  });

  test('an API that is down gives a sentence, not a crash', async () => {
    const bot = createSlackBot({
      signingSecret: SIGNING_SECRET,
      botToken: 'xoxb-test-token',
      slackApiUrl: stack.slack.apiUrl,
      api: { url: 'http://127.0.0.1:9', serviceToken: 'nothing-listens-there' },
      log: silentLog,
    });
    const port = await bot.start({ port: 0, host: '127.0.0.1' });
    try {
      const responseKey = randomUUID();
      const body = slashCommandBody({
        text: 'clusters',
        userId: SLACK_USERS.admin.id,
        responseUrl: stack.slack.responseUrl(responseKey),
      });
      const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: signedHeaders(SIGNING_SECRET, body),
        body,
      });
      expect(response.status).toBe(200);
      const [reply] = await stack.slack.waitForResponses(responseKey);
      expect(messageText(reply!)).toBe(
        '⛔ The hops API cannot be reached right now. Please try again in a moment.',
      );
    } finally {
      await bot.stop();
    }
  });

  test('/healthz answers', async () => {
    const response = await fetch(stack.eventsUrl.replace('/slack/events', '/healthz'));
    expect(await response.json()).toEqual({ ok: true });
  });
});

describe('acknowledgement latency', () => {
  test('200 signed slash commands: median and p99 of the ack (measured, not asserted)', async () => {
    const samples: number[] = [];
    const keys: string[] = [];
    const lines = ['help', 'clusters', 'whois alice@acme.test', 'top 7 3'];
    for (let i = 0; i < 200; i++) {
      const responseKey = randomUUID();
      keys.push(responseKey);
      const body = slashCommandBody({
        text: lines[i % lines.length]!,
        userId: SLACK_USERS.admin.id,
        responseUrl: stack.slack.responseUrl(responseKey),
      });
      const started = performance.now();
      const response = await stack.send(body);
      await response.arrayBuffer();
      samples.push(performance.now() - started);
      expect(response.status).toBe(200);
    }
    // Every command was answered too.
    for (const key of keys) await stack.slack.waitForResponses(key);
    samples.sort((a, b) => a - b);
    const at = (q: number) =>
      samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!;
    console.log(
      `[slackbot] ack latency over ${samples.length} signed requests: median ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
    );
  });
});
