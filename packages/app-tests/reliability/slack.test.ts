// The Slack wire under abuse, with the bot's own test stack (real API server, real database, fake
// Slack Web API): forged, tampered and missing signatures and stale timestamps are refused with
// 401 and change nothing; a signed request replayed many times at once, or retried by Slack, acts
// exactly once.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature, slashCommandBody } from '@hops/slackbot/testing';
import {
  confirmationFor,
  SIGNING_SECRET,
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

/** Ledger lines of grace's account whose description carries `mark`. */
async function grantsMarked(mark: string): Promise<number> {
  const page = await stack.admin.credits.transactions.query({ userId: 'dev|grace', limit: 500 });
  return page.items.filter((t) => t.description.includes(mark)).length;
}

/** A signed Confirm click for "credits grant grace … <mark>", and where its reply would go. */
const grantConfirmation = (mark: string) =>
  confirmationFor(stack, `credits grant grace@initech.test 1 "${mark}"`);

describe('the Slack receiver under abuse', () => {
  it('refuses forged, tampered and unsigned requests with 401, and nothing happens', async () => {
    const mark = `forged-${randomUUID()}`;
    const { body, responseKey } = await grantConfirmation(mark);
    const now = () => Math.floor(Date.now() / 1000);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // Signed with another secret.
          fc.string({ minLength: 1, maxLength: 40 }).map((secret) => ({
            body,
            signature: slackSignature(`${SIGNING_SECRET}${secret}`, now(), body),
          })),
          // A signature that is not one.
          fc.stringMatching(/^v0=[0-9a-f]{0,64}$/).map((signature) => ({ body, signature })),
          // The right signature over a body changed afterwards.
          fc.nat({ max: body.length - 1 }).map((at) => ({
            body: `${body.slice(0, at)}${body[at] === 'A' ? 'B' : 'A'}${body.slice(at + 1)}`,
            signature: slackSignature(SIGNING_SECRET, now(), body),
          })),
        ),
        async (attempt) => {
          const response = await stack.send(attempt.body, { signature: attempt.signature });
          await response.arrayBuffer();
          expect(response.status).toBe(401);
        },
      ),
      { numRuns: 40 },
    );
    const unsigned = await fetch(stack.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(unsigned.status).toBe(401);
    await settle();
    expect(stack.slack.responses.get(responseKey)).toBeUndefined();
    expect(await grantsMarked(mark)).toBe(0);
  });

  it('refuses correctly signed requests older than the 5-minute window', async () => {
    // (Bolt checks the past side only: a future timestamp needs the signing secret to be signed,
    // so it cannot be a replay of a captured request.)
    const mark = `stale-${randomUUID()}`;
    const { body, responseKey } = await grantConfirmation(mark);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5 * 60 + 5, max: 10 * 365 * 86_400 }), async (age) => {
        const response = await stack.send(body, { timestamp: Math.floor(Date.now() / 1000) - age });
        await response.arrayBuffer();
        expect(response.status).toBe(401);
      }),
      { numRuns: 30 },
    );
    await settle();
    expect(stack.slack.responses.get(responseKey)).toBeUndefined();
    expect(await grantsMarked(mark)).toBe(0);
  });

  it('acts once on a confirmation replayed 12 times at once and retried by Slack', async () => {
    const mark = `replayed-${randomUUID()}`;
    const { body, responseKey } = await grantConfirmation(mark);
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = slackSignature(SIGNING_SECRET, timestamp, body);
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, () => stack.send(body, { timestamp, signature })),
      ...[1, 2, 3].map((retryNum) => stack.send(body, { timestamp, signature, retryNum })),
    ]);
    // Each delivery is acknowledged (Slack must not keep retrying), but only one acts.
    expect(answers.map((a) => a.status)).toEqual(Array(15).fill(200));
    await stack.slack.waitForResponses(responseKey);
    await settle();
    expect(stack.slack.responses.get(responseKey)).toHaveLength(1);
    expect(await grantsMarked(mark)).toBe(1);
  });

  it('answers a slash command retried by Slack once', async () => {
    const responseKey = randomUUID();
    const body = slashCommandBody({
      text: 'clusters',
      userId: SLACK_USERS.admin.id,
      responseUrl: stack.slack.responseUrl(responseKey),
    });
    const answers = await Promise.all([
      stack.send(body),
      stack.send(body, { retryNum: 1 }),
      stack.send(body, { retryNum: 2 }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await stack.slack.waitForResponses(responseKey);
    await settle();
    expect(stack.slack.responses.get(responseKey)).toHaveLength(1);
  });
});
