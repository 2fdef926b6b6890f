// `/hops suspend <email> <reason…>` and `/hops reactivate <email>`, after Confirm.
import { z } from 'zod';
import { esc, success } from '../blocks/kit.ts';
import { roleLine } from '../blocks/user-card.ts';
import { confirmable, userTarget } from '../confirm.ts';
import { noMore, readEmail, readReason } from './args.ts';
import type { Command } from './command.ts';

const suspension = confirmable({
  op: 'suspend',
  fields: { ...userTarget, reason: z.string() },
  describe: (action) => `suspend ${action.email}`,
  async confirm(ctx, action) {
    const { changed } = await ctx.api.admin.users.setStatus.mutate({
      userId: action.userId,
      status: 'suspended',
      reason: action.reason,
    });
    return success(
      changed
        ? `Suspended ${action.email}. Reason: ${action.reason}`
        : `${action.email} was already suspended; nothing changed.`,
    );
  },
});

export const suspend: Command = {
  name: 'suspend',
  usage: ['suspend <email> <reason…>'],
  summary: 'suspends a user: they cannot sign in or use the API until reactivated',
  example: 'suspend bob@acme.test "card declined three times"',
  confirms: suspension,
  async run(ctx, [email, ...reasonWords]) {
    const address = readEmail(email);
    const reason = readReason(reasonWords);
    const detail = await ctx.api.admin.users.get.query({ email: address });
    return suspension.prompt(
      { userId: detail.user.id, email: detail.user.email, reason },
      `Suspend *${esc(detail.user.email)}*? They cannot sign in or use hops until reactivated.`,
      [esc(roleLine(detail)), `now ${detail.user.status}`, `reason: ${esc(reason)}`],
      { danger: true },
    );
  },
};

const reactivation = confirmable({
  op: 'reactivate',
  fields: userTarget,
  describe: (action) => `reactivate ${action.email}`,
  async confirm(ctx, action) {
    const { changed } = await ctx.api.admin.users.setStatus.mutate({
      userId: action.userId,
      status: 'active',
      reason: `Reactivated from Slack by ${ctx.admin.email}`,
    });
    return success(
      changed
        ? `Reactivated ${action.email}.`
        : `${action.email} was already active; nothing changed.`,
    );
  },
});

export const reactivate: Command = {
  name: 'reactivate',
  usage: ['reactivate <email>'],
  summary: 'lets a suspended user back in',
  example: 'reactivate bob@acme.test',
  confirms: reactivation,
  async run(ctx, [email, ...rest]) {
    const address = readEmail(email);
    noMore(rest);
    const detail = await ctx.api.admin.users.get.query({ email: address });
    return reactivation.prompt(
      { userId: detail.user.id, email: detail.user.email },
      `Reactivate *${esc(detail.user.email)}*?`,
      [esc(roleLine(detail)), `now ${detail.user.status}`],
    );
  },
};
