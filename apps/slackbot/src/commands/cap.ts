// `/hops cap <email> <usd | off> [notify | suspend]`: an account's monthly spending cap (SPEC §11),
// after Confirm. Checked first: a wrong cap or policy, an unknown e-mail or a member (a cap belongs
// to the account's owner) is answered with its sentence and no Confirm. Without a policy the
// account's current one is kept (notify for an account that never had a cap).
import { compareDecimals, formatUsd } from '@hops/api/decimal';
import { spendingCapPolicy, type SpendingCapPolicy } from '@hops/api/schemas';
import { z } from 'zod';
import { esc, success, warning, type Reply } from '../blocks/kit.ts';
import { capText, progressText, type SpendingCap } from '../blocks/spending-cap.ts';
import { confirmable, userTarget } from '../confirm.ts';
import { noMore, readCap, readEmail, UsageError } from './args.ts';
import type { Command } from './command.ts';

/** What each policy does at 100 %, for prompts and help. */
const POLICY_MEANS: Record<SpendingCapPolicy, string> = {
  notify: 'warns at 50, 80 and 100 %, stops nothing',
  suspend:
    "warns at 50, 80 and 100 %, and at 100 % deactivates the account's people on their cluster until the month turns, the cap rises or goes",
};

function readPolicy(word: string | undefined): SpendingCapPolicy | undefined {
  if (word === undefined) return undefined;
  const policy = spendingCapPolicy.safeParse(word.toLowerCase());
  if (!policy.success) {
    throw new UsageError(
      `\`${word}\` is not a policy: use notify (${POLICY_MEANS.notify}) or suspend (also stops the account's people at 100 %).`,
    );
  }
  return policy.data;
}

const capChange = confirmable({
  op: 'cap',
  fields: {
    ...userTarget,
    /** USD, at most 2 decimals; null turns the cap off. */
    capUsd: z
      .string()
      .regex(/^\d{1,10}(\.\d{1,2})?$/)
      .nullable(),
    policy: spendingCapPolicy,
  },
  describe: (action) =>
    action.capUsd === null
      ? `turn off the spending cap of ${action.email}`
      : `cap ${action.email} at ${formatUsd(action.capUsd)} a month (${action.policy})`,
  async confirm(ctx, action) {
    const cap = await ctx.api.account.setSpendingCap.mutate({
      userId: action.userId,
      monthlyCapUsd: action.capUsd,
      policy: action.policy,
    });
    if (cap.capUsd === null) {
      return success(
        `Turned off the spending cap of ${action.email}'s account; ${progressText(cap)}.`,
      );
    }
    const stopped = cap.stopped
      ? " The cap is reached: the account's people are deactivated on their cluster until the month turns, the cap rises or goes."
      : '';
    return success(
      `Capped ${action.email}'s account at ${capText(cap.capUsd, cap.policy)}; ${progressText(cap)}.${stopped}`,
    );
  },
});

function promptFor(
  owner: { id: string; email: string },
  current: SpendingCap,
  capUsd: string | null,
  policy: SpendingCapPolicy,
  policyGiven: boolean,
): Reply {
  const now = `now: ${capText(current.capUsd, current.policy)}, ${progressText(current)}`;
  const fields = { userId: owner.id, email: owner.email, capUsd, policy };
  if (capUsd === null) {
    return capChange.prompt(
      fields,
      `Turn off the spending cap of *${esc(owner.email)}*'s account?`,
      [
        esc(now),
        ...(current.stopped ? ["the account's people are activated again on their cluster"] : []),
      ],
    );
  }
  const reachedAtOnce = compareDecimals(current.monthToDateUsd, capUsd) >= 0;
  return capChange.prompt(
    fields,
    `Cap *${esc(owner.email)}*'s account at *${formatUsd(capUsd)}* a month (${policy})?`,
    [
      esc(now),
      `${policy}: ${POLICY_MEANS[policy]}${policyGiven ? '' : ' (the current policy; add notify or suspend to change it)'}`,
      ...(reachedAtOnce
        ? [
            `:warning: this month already cost ${formatUsd(current.monthToDateUsd)}: the cap is reached at once${policy === 'suspend' ? " and the account's people are stopped" : ''}`,
          ]
        : []),
    ],
    { danger: policy === 'suspend' },
  );
}

export const cap: Command = {
  name: 'cap',
  usage: ['cap <email> <usd | off> [notify | suspend]'],
  summary:
    "an account's monthly spending cap: notify warns at 50/80/100 %, suspend also stops its people at 100 %; without a policy the current one stays (notify if none)",
  example: 'cap alice@acme.test 500 suspend',
  confirms: capChange,
  async run(ctx, [email, capWord, policyWord, ...rest]) {
    const address = readEmail(email);
    const capUsd = readCap(capWord);
    const named = readPolicy(policyWord);
    noMore(rest);
    if (capUsd === null && named !== undefined) {
      throw new UsageError(`\`off\` takes no policy: write \`/hops cap ${address} off\`.`);
    }
    const detail = await ctx.api.admin.users.get.query({ email: address });
    if (detail.user.role !== 'owner') {
      const owner = detail.account.owner.email;
      return warning(
        `${detail.user.email} is a member of ${owner}'s account, and a spending cap belongs to the whole account. Set it on the owner: /hops cap ${owner} ${capWord}${policyWord ? ` ${policyWord}` : ''}`,
      );
    }
    const current = await ctx.api.account.spendingCap.query({ userId: detail.user.id });
    // Without a policy the account keeps the one it has (notify when it never had a cap).
    const policy = named ?? (current.capUsd === null ? 'notify' : current.policy);
    const unchanged =
      capUsd === null
        ? current.capUsd === null
        : current.capUsd !== null &&
          compareDecimals(current.capUsd, capUsd) === 0 &&
          current.policy === policy;
    if (unchanged) {
      return success(
        `${detail.user.email}'s account already has ${capText(current.capUsd, current.policy)}; nothing to change. ${progressText(current)}.`,
      );
    }
    return promptFor(detail.user, current, capUsd, policy, named !== undefined);
  },
};
