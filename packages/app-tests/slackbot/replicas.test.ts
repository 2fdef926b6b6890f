// More than one bot, restarts, and one workspace (SPEC §12), through the real receiver with signed
// requests, against the real API server and PostgreSQL: a Confirm double-clicked, clicked on two
// bot replicas at once, clicked again after a restart or retried by Slack on another replica acts
// once and each click answers what was done; the same idempotency key with another input is
// refused; a signed request of another Slack workspace is acknowledged and nothing is done.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONFIRM_ACTION, createHopsClient } from '@hops/slackbot';
import { blockActionBody, slashCommandBody } from '@hops/slackbot/testing';
import {
  buttonValue,
  confirmationFor,
  messageText,
  SLACK_USERS,
  startStack,
  type Stack,
} from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

/** Grants to grace's account whose reason carries `mark`. */
async function grantsMarked(mark: string): Promise<number> {
  const page = await stack.admin.credits.transactions.query({ userId: 'dev|grace', limit: 500 });
  return page.items.filter((t) => t.kind === 'grant' && t.description.includes(mark)).length;
}

/** A fresh Confirm prompt for a grant to grace whose reason carries a new mark. */
async function grantPrompt(usd = '2') {
  const mark = `once-${randomUUID()}`;
  const prompt = await stack.slash(`credits grant grace@initech.test ${usd} "${mark}"`);
  expect(prompt.text).toContain('[Confirm] [Cancel]');
  return { mark, prompt };
}

const GRANTED =
  /^✔ Granted \$\d+\.\d\d of free credits to grace@initech\.test; \$[\d,.]+ now available\.$/;

describe('a Confirm acts once', () => {
  test('double-clicked (two clicks at once): one grant, and both clicks answer what was done', async () => {
    const { mark, prompt } = await grantPrompt();
    const [first, second] = await Promise.all([
      stack.click(prompt.reply, CONFIRM_ACTION),
      stack.click(prompt.reply, CONFIRM_ACTION),
    ]);
    expect(first.text).toMatch(GRANTED);
    expect(second.text).toBe(first.text);
    expect(second.reply.response_type).toBe('ephemeral');
    expect(await grantsMarked(mark)).toBe(1);
  });

  test('clicked on two bot replicas at once: one grant', async () => {
    const other = await stack.startBot();
    try {
      const { mark, prompt } = await grantPrompt();
      const value = buttonValue(prompt.reply, CONFIRM_ACTION);
      const keys = [randomUUID(), randomUUID()];
      const bodies = keys.map((key) =>
        blockActionBody({
          userId: SLACK_USERS.admin.id,
          actionId: CONFIRM_ACTION,
          value,
          responseUrl: stack.slack.responseUrl(key),
        }),
      );
      const acks = await Promise.all([stack.send(bodies[0]!), other.send(bodies[1]!)]);
      expect(acks.map((a) => a.status)).toEqual([200, 200]);
      const answers = await Promise.all(keys.map((key) => stack.slack.waitForResponses(key)));
      const texts = answers.map(([reply]) => messageText(reply!));
      expect(texts[0]).toMatch(GRANTED);
      expect(texts[1]).toBe(texts[0]);
      expect(await grantsMarked(mark)).toBe(1);
    } finally {
      await other.stop();
    }
  });

  test('clicked again after the bot restarted: one grant, and the second click says what was done', async () => {
    const { mark, prompt } = await grantPrompt();
    const first = await stack.click(prompt.reply, CONFIRM_ACTION);
    expect(first.text).toMatch(GRANTED);
    await stack.restartBot();
    const again = await stack.click(prompt.reply, CONFIRM_ACTION);
    expect(again.text).toBe(first.text);
    expect(again.reply.replace_original).toBe(true);
    expect(await grantsMarked(mark)).toBe(1);

    // A prompt shown before a restart still acts after it, once.
    const later = await grantPrompt('3');
    await stack.restartBot();
    const clicks = await Promise.all([
      stack.click(later.prompt.reply, CONFIRM_ACTION),
      stack.click(later.prompt.reply, CONFIRM_ACTION),
    ]);
    expect(clicks[0].text).toMatch(/^✔ Granted \$3\.00/);
    expect(clicks[1].text).toBe(clicks[0].text);
    expect(await grantsMarked(later.mark)).toBe(1);
  });

  test('retried by Slack onto another replica (x-slack-retry-num, same trigger_id): one grant', async () => {
    const other = await stack.startBot();
    try {
      const mark = `retried-${randomUUID()}`;
      const { body, responseKey } = await confirmationFor(
        stack,
        `credits grant grace@initech.test 1 "${mark}"`,
        { triggerId: `trigger.${randomUUID()}` },
      );
      expect((await stack.send(body)).status).toBe(200);
      await stack.slack.waitForResponses(responseKey);
      expect((await other.send(body, { retryNum: 1 })).status).toBe(200);
      // The other replica never saw the first delivery: it answers again, with what was done.
      const replies = await stack.slack.waitForResponses(responseKey, 2);
      expect(messageText(replies[1]!)).toBe(messageText(replies[0]!));
      expect(await grantsMarked(mark)).toBe(1);
    } finally {
      await other.stop();
    }
  });

  test('an invite (written without a Confirm) retried onto another replica is made once', async () => {
    const other = await stack.startBot();
    try {
      const email = `once-${randomUUID().slice(0, 8)}@umbrella.test`;
      const responseKey = randomUUID();
      const body = slashCommandBody({
        text: `invite heidi@umbrella.test ${email}`,
        userId: SLACK_USERS.admin.id,
        responseUrl: stack.slack.responseUrl(responseKey),
        triggerId: `trigger.${randomUUID()}`,
      });
      await stack.send(body);
      await stack.slack.waitForResponses(responseKey);
      await other.send(body, { retryNum: 1 });
      const replies = await stack.slack.waitForResponses(responseKey, 2);
      expect(messageText(replies[0]!)).toContain(`Invited ${email}`);
      expect(messageText(replies[1]!)).toBe(messageText(replies[0]!));
      const heidi = await stack.admin.admin.users.get.query({ email: 'heidi@umbrella.test' });
      const open = await stack.admin.invites.list.query({ ownerId: heidi.user.id });
      expect(open.filter((i) => i.email === email)).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });
});

describe('the same idempotency key with another input', () => {
  test('a Confirm button whose action was changed after the prompt acted is refused, nothing more granted', async () => {
    const { mark, prompt } = await grantPrompt('4');
    const first = await stack.click(prompt.reply, CONFIRM_ACTION);
    expect(first.text).toMatch(/^✔ Granted \$4\.00/);
    const before = await stack.admin.credits.balance.query({ userId: 'dev|grace' });
    // The same prompt id, another amount: as if someone replayed the click with a new value.
    const changed = JSON.parse(buttonValue(prompt.reply, CONFIRM_ACTION)) as { amount: string };
    changed.amount = '400';
    const tampered = {
      blocks: [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: CONFIRM_ACTION, value: JSON.stringify(changed) }],
        },
      ],
    };
    const refused = await stack.click(tampered, CONFIRM_ACTION);
    expect(refused.text).toBe(
      '⚠ This idempotency key was already used with a different input. Use a new key for a different request.',
    );
    expect(await stack.admin.credits.balance.query({ userId: 'dev|grace' })).toEqual(before);
    expect(await grantsMarked(mark)).toBe(1);
  });

  test('over HTTP: the API refuses a key sent again with another input, with a sentence', async () => {
    const key = `test:${randomUUID()}`;
    const mark = `http-${randomUUID()}`;
    const client = () => createHopsClient(stack.apiConfig, 'dev|admin', { idempotencyKey: key });
    const grant = (amount: string) =>
      client().credits.grant.mutate({ userId: 'dev|grace', amount, pool: 'free', reason: mark });
    const first = await grant('1.5');
    expect(await grant('1.5')).toEqual(first);
    await expect(grant('15')).rejects.toMatchObject({
      message:
        'This idempotency key was already used with a different input. Use a new key for a different request.',
      data: { code: 'CONFLICT', httpStatus: 409 },
    });
    expect(await grantsMarked(mark)).toBe(1);
  });
});

describe('one workspace (SLACK_TEAM_ID)', () => {
  const OTHER_TEAM = 'T0ELSEWHERE';
  const lookups = () => stack.slack.calls.get('users.info') ?? 0;

  test('a slash command from another workspace is refused in its acknowledgement; nothing is looked up or done', async () => {
    const email = `foreign-${randomUUID().slice(0, 8)}@umbrella.test`;
    const responseKey = randomUUID();
    const before = lookups();
    const response = await stack.send(
      slashCommandBody({
        text: `invite heidi@umbrella.test ${email}`,
        userId: SLACK_USERS.admin.id,
        responseUrl: stack.slack.responseUrl(responseKey),
        teamId: OTHER_TEAM,
      }),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(await response.text())).toEqual({
      response_type: 'ephemeral',
      text: 'This hops bot answers only its own Slack workspace. Nothing was done.',
    });
    await settle();
    expect(stack.slack.responses.get(responseKey)).toBeUndefined();
    expect(lookups()).toBe(before);
    const heidi = await stack.admin.admin.users.get.query({ email: 'heidi@umbrella.test' });
    const open = await stack.admin.invites.list.query({ ownerId: heidi.user.id });
    expect(open.filter((i) => i.email === email)).toEqual([]);
  });

  test("a Confirm clicked from another workspace gets an empty 200 and does nothing; the own workspace's click still acts", async () => {
    const { mark, prompt } = await grantPrompt('5');
    const responseKey = randomUUID();
    const before = lookups();
    const foreign = await stack.send(
      blockActionBody({
        userId: SLACK_USERS.admin.id,
        actionId: CONFIRM_ACTION,
        value: buttonValue(prompt.reply, CONFIRM_ACTION),
        responseUrl: stack.slack.responseUrl(responseKey),
        teamId: OTHER_TEAM,
      }),
    );
    expect(foreign.status).toBe(200);
    expect(await foreign.text()).toBe('');
    await settle();
    expect(stack.slack.responses.get(responseKey)).toBeUndefined();
    expect(lookups()).toBe(before);
    expect(await grantsMarked(mark)).toBe(0);

    const own = await stack.click(prompt.reply, CONFIRM_ACTION);
    expect(own.text).toMatch(/^✔ Granted \$5\.00/);
    expect(await grantsMarked(mark)).toBe(1);
  });
});
