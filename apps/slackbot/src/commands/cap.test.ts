// /hops cap on its own: which policy a cap without one gets, what the prompt carries to Confirm,
// and the refusals that come before any Confirm. Through Slack and the API: @hops/app-tests.
import { describe, expect, test } from 'vitest';
import { replyToText } from '../blocks/text.ts';
import { decodeConfirmation } from '../confirm.ts';
import { UsageError } from './args.ts';
import { cap } from './cap.ts';
import type { CommandContext } from './command.ts';

const alice = {
  user: { id: 'dev|alice', email: 'alice@acme.test', role: 'owner' },
  account: { owner: { id: 'dev|alice', email: 'alice@acme.test' } },
};
const bob = {
  user: { id: 'dev|bob', email: 'bob@acme.test', role: 'member' },
  account: { owner: { id: 'dev|alice', email: 'alice@acme.test' } },
};
const view = {
  ownerId: 'dev|alice',
  capUsd: null as string | null,
  policy: 'notify',
  month: '2026-12-01',
  monthToDateUsd: '120.0000',
  percent: null as number | null,
  crossed: [],
  stopped: false,
};

function contextWith(detail: unknown, current: typeof view) {
  const set: unknown[] = [];
  const api = {
    admin: { users: { get: { query: async () => detail } } },
    account: {
      spendingCap: { query: async () => current },
      setSpendingCap: {
        mutate: async (input: { monthlyCapUsd: string | null; policy: string }) => {
          set.push(input);
          return { ...current, capUsd: input.monthlyCapUsd, policy: input.policy };
        },
      },
    },
  };
  return { ctx: { api } as unknown as CommandContext, set };
}

/** The action the prompt's Confirm button carries, carried out. */
async function confirmPrompt(ctx: CommandContext, reply: Awaited<ReturnType<typeof cap.run>>) {
  const block = reply.blocks.find((b) => b.type === 'actions');
  const button = block?.type === 'actions' ? block.elements[0] : undefined;
  const value = button?.type === 'button' ? button.value : undefined;
  const confirmation = decodeConfirmation(value, [cap.confirms!]);
  expect(confirmation).not.toBeNull();
  return confirmation!.confirm(ctx);
}

describe('cap', () => {
  test('no policy and no cap yet: notify, and Confirm sends exactly that', async () => {
    const { ctx, set } = contextWith(alice, view);
    const prompt = await cap.run(ctx, ['alice@acme.test', '500']);
    expect(replyToText(prompt)).toContain(
      "Cap alice@acme.test's account at $500.00 a month (notify)?",
    );
    const done = await confirmPrompt(ctx, prompt);
    expect(set).toEqual([{ userId: 'dev|alice', monthlyCapUsd: '500', policy: 'notify' }]);
    expect(done.text).toBe(
      "Capped alice@acme.test's account at $500.00 a month (notify); $120.00 so far in 2026-12.",
    );
  });

  test('no policy with a cap set: the current policy stays', async () => {
    const current = { ...view, capUsd: '200.00', policy: 'suspend', percent: 60 };
    const { ctx, set } = contextWith(alice, current);
    const prompt = await cap.run(ctx, ['alice@acme.test', '300']);
    expect(replyToText(prompt)).toContain(
      '(the current policy; add notify or suspend to change it)',
    );
    await confirmPrompt(ctx, prompt);
    expect(set).toEqual([{ userId: 'dev|alice', monthlyCapUsd: '300', policy: 'suspend' }]);
  });

  test('a cap under the month so far is warned about in the prompt', async () => {
    const { ctx } = contextWith(alice, view);
    const prompt = await cap.run(ctx, ['alice@acme.test', '100', 'suspend']);
    expect(replyToText(prompt)).toContain(
      "this month already cost $120.00: the cap is reached at once and the account's people are stopped",
    );
  });

  test('a member, a wrong cap or policy: refused before any prompt, nothing sent', async () => {
    const { ctx, set } = contextWith(bob, view);
    const member = await cap.run(ctx, ['bob@acme.test', '500']);
    expect(member.failed).toBe(true);
    expect(member.text).toBe(
      "bob@acme.test is a member of alice@acme.test's account, and a spending cap belongs to the whole account. Set it on the owner: /hops cap alice@acme.test 500",
    );
    for (const words of [
      ['alice@acme.test', '0'],
      ['alice@acme.test', '-1'],
      ['alice@acme.test', '1.001'],
      ['alice@acme.test', '10', 'halt'],
      ['alice@acme.test', 'off', 'notify'],
    ]) {
      await expect(cap.run(ctx, words), words.join(' ')).rejects.toBeInstanceOf(UsageError);
    }
    expect(set).toEqual([]);
  });
});
