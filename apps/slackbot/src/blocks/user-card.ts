// The user card of `whois`: who someone is, their account, cluster, billing, credits and 30-day cost.
import type { ApiOutputs } from '../api.ts';
import { context, esc, fields, header, section, type Reply } from './kit.ts';
import { compareDecimals, creditsOf, formatUsd } from '@hops/api/decimal';
import { COSTS } from '@hops/api/resources';
import { count, when } from './format.ts';
import { capLine, type SpendingCap } from './spending-cap.ts';

type UserDetail = ApiOutputs['admin']['users']['get'];

export function roleLine(detail: UserDetail): string {
  const { user, account } = detail;
  const admin = user.isAdmin ? ', admin' : '';
  if (user.role === 'owner') {
    return `Account owner (${count(account.members.length, 'member')})${admin}`;
  }
  return `Member of ${account.owner.email}'s account${admin}`;
}

/** A cost label inside a sentence: acronyms stay ("CPU"), words go lower case ("storage"). */
function inSentence(label: string): string {
  return label === label.toUpperCase() ? label : label.toLowerCase();
}

/**
 * `billing`: an owner's card and payment state (billing-line.ts), shown below the fields; `cap`:
 * the account's spending cap (a member's is their owner's). Either is left out when null.
 */
export function userCard(
  detail: UserDetail,
  extra: { billing?: string | null; cap?: SpendingCap | null } = {},
): Reply {
  const { billing = null, cap = null } = extra;
  const { user, cluster, credits, usage30d } = detail;
  const status = user.status === 'active' ? 'active' : `*${user.status.toUpperCase()}*`;
  const clusterText = cluster ? `${cluster.name} (${cluster.status})` : 'not assigned';
  const creditsText = credits
    ? `${formatUsd(credits.available)} available (${count(creditsOf(credits.available), 'credit')})` +
      (compareDecimals(credits.unpaidUsage, '0') !== 0
        ? `, ${formatUsd(credits.unpaidUsage)} unpaid`
        : '')
    : 'none';
  const r = usage30d.byResource;
  const costs = COSTS.map((c) => `${inSentence(c.label)} ${formatUsd(r[c.resource])}`).join(' · ');
  return {
    text: `${user.email}: ${roleLine(detail)}, ${user.status}, cluster ${clusterText}, 30-day cost ${formatUsd(usage30d.totalCost)}`,
    blocks: [
      header(user.name ? `${user.name}` : user.email),
      fields([
        ['E-mail', esc(user.email)],
        ['Role', esc(roleLine(detail))],
        ['Status', status],
        ['Cluster', esc(clusterText)],
        [
          'Billing',
          `${user.billingMode}${user.stripeCustomerId ? ' (payment method on file)' : ''}`,
        ],
        ['Credits', esc(creditsText)],
        [
          `Cost, last 30 days${user.role === 'owner' ? ' (account)' : ''}`,
          `${formatUsd(usage30d.totalCost)}`,
        ],
        ['Last sign-in', when(user.lastLoginAt)],
        ...(cap
          ? [
              [`Spending cap${user.role === 'owner' ? '' : ' (account)'}`, capLine(cap)] as [
                string,
                string,
              ],
            ]
          : []),
      ]),
      ...(billing ? [section(esc(billing))] : []),
      context(`${costs}  ·  id \`${esc(user.id)}\`  ·  ${count(user.loginCount, 'sign-in')}`),
    ],
  };
}
