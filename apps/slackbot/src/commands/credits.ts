// `/hops credits <email>`: balance and last transactions; `/hops credits grant <email> <amount>
// [paid|free] <reason…>`: grants credits (USD), after Confirm.
import { creditsOf, formatUsd, USD_PER_CREDIT } from '@hops/api/decimal';
import { creditPool, type CreditPool } from '@hops/api/schemas';
import { z } from 'zod';
import { context, esc, fields, header, success, table, type Reply } from '../blocks/kit.ts';
import { count, when } from '../blocks/format.ts';
import { confirmable, userTarget } from '../confirm.ts';
import { noMore, readAmount, readEmail, readReason, UsageError } from './args.ts';
import type { Command, CommandContext } from './command.ts';

async function balance(ctx: CommandContext, email: string): Promise<Reply> {
  const detail = await ctx.api.admin.users.get.query({ email });
  // Credits belong to the account owner.
  const owner = detail.account.owner;
  const [bal, txs] = await Promise.all([
    ctx.api.credits.balance.query({ userId: owner.id }),
    ctx.api.credits.transactions.query({ userId: owner.id, limit: 10 }),
  ]);
  const title = `Credits of ${owner.email}${owner.id !== detail.user.id ? ` (owner of ${detail.user.email})` : ''}`;
  return {
    text: `${title}: ${formatUsd(bal.available)} available`,
    blocks: [
      header(title),
      fields([
        ['Available', `${formatUsd(bal.available)} (${count(creditsOf(bal.available), 'credit')})`],
        ['Paid', formatUsd(bal.paid)],
        ['Free', formatUsd(bal.free)],
        ['Billing', bal.billingMode],
        [
          'Not covered by credits',
          `${formatUsd(bal.unpaidUsage)}${bal.creditsExhausted ? ' · :rotating_light: credits exhausted' : ''}`,
        ],
      ]),
      txs.items.length > 0
        ? table(
            ['when', 'kind', 'pool', '>amount', '>balance', 'by / what'],
            txs.items.map((t) => [
              when(t.createdAt),
              t.kind,
              t.pool,
              formatUsd(t.amount),
              formatUsd(t.balanceAfter),
              (t.description ?? '').slice(0, 40),
            ]),
          )
        : context('No transactions yet.'),
      context(
        `1 credit = USD ${USD_PER_CREDIT}` +
          (txs.items.length > 0 ? `  ·  last ${count(txs.items.length, 'transaction')}` : ''),
      ),
    ],
  };
}

const grant = confirmable({
  op: 'grant',
  fields: {
    ...userTarget,
    amount: z.string().regex(/^\d{1,10}(\.\d{1,4})?$/),
    pool: creditPool,
    reason: z.string(),
  },
  describe: (action) => `grant $${action.amount} of ${action.pool} credits to ${action.email}`,
  async confirm(ctx, action) {
    const result = await ctx.api.credits.grant.mutate({
      userId: action.userId,
      amount: action.amount,
      pool: action.pool,
      reason: action.reason,
    });
    return success(
      `Granted ${formatUsd(action.amount)} of ${action.pool} credits to ${action.email}; ${formatUsd(result.available)} now available.`,
    );
  },
});

async function grantPrompt(ctx: CommandContext, args: string[]): Promise<Reply> {
  const [email, amountWord, ...rest] = args;
  const address = readEmail(email);
  const amount = readAmount(amountWord);
  let pool: CreditPool = 'free';
  const named = creditPool.safeParse(rest[0]);
  if (named.success) {
    pool = named.data;
    rest.shift();
  }
  const reason = readReason(rest);
  const detail = await ctx.api.admin.users.get.query({ email: address });
  const owner = detail.account.owner;
  return grant.prompt(
    { userId: owner.id, email: owner.email, amount, pool, reason },
    `Grant *${formatUsd(amount)}* (${count(creditsOf(amount), 'credit')}) of ${pool} credits to *${esc(owner.email)}*?`,
    [
      ...(owner.id !== detail.user.id
        ? [`${esc(detail.user.email)} is a member: credits go to the owner`]
        : []),
      `reason: ${esc(reason)}`,
    ],
  );
}

export const credits: Command = {
  name: 'credits',
  usage: ['credits <email>', 'credits grant <email> <amount in USD> [free | paid] <reason…>'],
  summary: 'credit balance and last transactions; grant credits (free by default)',
  example: 'credits grant grace@initech.test 50 "onboarding bonus"',
  confirms: grant,
  async run(ctx, args) {
    if (args[0]?.toLowerCase() === 'grant') return grantPrompt(ctx, args.slice(1));
    const [email, ...rest] = args;
    if (email === undefined) throw new UsageError('Give an e-mail address.');
    const address = readEmail(email);
    noMore(rest);
    return balance(ctx, address);
  },
};
