// `/hops unassign <email>`: takes a whole account off its cluster, after Confirm.
import { count } from '../blocks/format.ts';
import { esc, success } from '../blocks/kit.ts';
import { roleLine } from '../blocks/user-card.ts';
import { confirmable, userTarget } from '../confirm.ts';
import { noMore, readEmail } from './args.ts';
import type { Command } from './command.ts';

const unassignment = confirmable({
  op: 'unassign',
  fields: userTarget,
  describe: (action) => `unassign ${action.email}`,
  async confirm(ctx, action) {
    const result = await ctx.api.clusters.unassign.mutate({ userId: action.userId });
    if (result.status === 'unchanged') {
      return success(`The account of ${action.email} was not on any cluster; nothing changed.`);
    }
    return success(
      `Unassigned the account of ${action.email} (${count(result.users, 'user')} left their cluster).`,
    );
  },
});

export const unassign: Command = {
  name: 'unassign',
  usage: ['unassign <email>'],
  summary: 'takes an account (owner and members) off its cluster',
  example: 'unassign alice@acme.test',
  confirms: unassignment,
  async run(ctx, [email, ...rest]) {
    const address = readEmail(email);
    noMore(rest);
    const detail = await ctx.api.admin.users.get.query({ email: address });
    const where = detail.cluster ? ` from *${esc(detail.cluster.name)}*` : '';
    return unassignment.prompt(
      { userId: detail.user.id, email: detail.user.email },
      `Unassign the account of *${esc(detail.user.email)}*${where}? Its users lose access to the cluster.`,
      [esc(roleLine(detail))],
      { danger: true },
    );
  },
};
