// The confirmation mechanism on its own: what the buttons carry (the wire Slack hands back), and
// which values are read back as an action. Through Slack and the API: @hops/app-tests.
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { success } from './blocks/kit.ts';
import type { CommandContext } from './commands/command.ts';
import {
  CANCEL_ACTION,
  CONFIRM_ACTION,
  CONFIRM_TTL_MS,
  cancelledReply,
  confirmable,
  decodeConfirmation,
  userTarget,
} from './confirm.ts';

const suspension = confirmable({
  op: 'suspend',
  fields: { ...userTarget, reason: z.string() },
  describe: (action) => `suspend ${action.email}`,
  confirm: async (_ctx, action) => success(`Suspended ${action.email}.`),
});

/** The prompt's buttons as [action id, value]. */
function buttons(reply: ReturnType<typeof suspension.prompt>): [string, string][] {
  return reply.blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements.flatMap((e) => (e.type === 'button' ? [[e.action_id, e.value ?? '']] : []))
      : [],
  ) as [string, string][];
}

describe('a prompt', () => {
  const prompt = suspension.prompt(
    { userId: 'dev|bob', email: 'bob@acme.test', reason: 'card declined' },
    'Suspend *bob@acme.test*?',
    ['now active'],
    { danger: true },
  );

  test('carries the action, a one-time id and an expiry in both buttons', () => {
    const [confirm, cancel] = buttons(prompt);
    expect([confirm?.[0], cancel?.[0]]).toEqual([CONFIRM_ACTION, CANCEL_ACTION]);
    expect(cancel?.[1]).toBe(confirm?.[1]);
    const value = JSON.parse(confirm![1]) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['op', 'userId', 'email', 'reason', 'id', 'expiresAt']);
    expect(value).toMatchObject({ op: 'suspend', userId: 'dev|bob', reason: 'card declined' });
    expect(value.expiresAt).toBeGreaterThan(Date.now() + CONFIRM_TTL_MS - 60_000);
    expect(prompt.text).toBe('Suspend *bob@acme.test*? (Confirm or Cancel)');
  });

  test('reads back as what Confirm does and how Cancel describes it', async () => {
    const [[, value]] = buttons(prompt) as [[string, string]];
    const confirmation = decodeConfirmation(value, [suspension])!;
    expect(confirmation.description).toBe('suspend bob@acme.test');
    expect(cancelledReply(confirmation).text).toBe(
      'Cancelled: suspend bob@acme.test. Nothing changed.',
    );
    const done = await confirmation.confirm({} as CommandContext);
    expect(done.text).toBe('Suspended bob@acme.test.');
  });
});

describe('a button value', () => {
  const valid = { op: 'suspend', userId: 'u', email: 'e', reason: 'r', id: 'x', expiresAt: 1 };
  const read = (value: unknown) =>
    decodeConfirmation(typeof value === 'string' ? value : JSON.stringify(value), [suspension]);

  test('that is not one of the actions, or lacks its id or expiry, stands for nothing', () => {
    expect(read(valid)).not.toBeNull();
    expect(read({ ...valid, op: 'delete' })).toBeNull();
    expect(read({ ...valid, userId: '' })).toBeNull();
    expect(read({ ...valid, id: undefined })).toBeNull();
    expect(read({ ...valid, expiresAt: 'soon' })).toBeNull();
    expect(read('not json')).toBeNull();
    expect(decodeConfirmation(undefined, [suspension])).toBeNull();
  });

  test('without id and expiry leads to a prompt (a Revoke button), and nothing else', () => {
    const fields = { userId: 'u', email: 'e', reason: 'r' };
    expect(suspension.encode(fields)).toBe(JSON.stringify({ op: 'suspend', ...fields }));
    expect(suspension.decode(suspension.encode(fields))).toEqual({ op: 'suspend', ...fields });
    expect(suspension.decode(JSON.stringify({ ...fields, op: 'revoke' }))).toBeNull();
    expect(suspension.decode('{')).toBeNull();
  });
});
