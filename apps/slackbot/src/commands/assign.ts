// `/hops assign <email> <cluster or auto>`: moves a whole account, after Confirm.
import { z } from 'zod';
import { esc, success, type Reply } from '../blocks/kit.ts';
import { roleLine } from '../blocks/user-card.ts';
import { confirmable, userTarget } from '../confirm.ts';
import { noMore, readEmail, UsageError } from './args.ts';
import type { Command } from './command.ts';

const assignment = confirmable({
  op: 'assign',
  fields: {
    ...userTarget,
    /** A cluster id, or 'auto'. */
    clusterId: z.string().min(1),
    clusterName: z.string(),
  },
  describe: (action) => `assign ${action.email} to ${action.clusterName}`,
  async confirm(ctx, action) {
    const outcome = await ctx.api.clusters.assign.mutate({
      userId: action.userId,
      clusterId: action.clusterId,
    });
    const cluster = outcome.cluster;
    const load = `${cluster.currentUsers}/${cluster.maxUsers} users`;
    switch (outcome.status) {
      case 'unchanged':
        return success(`The account of ${action.email} is already on ${cluster.name} (${load}).`);
      case 'moved':
        return success(`Moved the account of ${action.email} to ${cluster.name} (now ${load}).`);
      default:
        return success(`Assigned the account of ${action.email} to ${cluster.name} (now ${load}).`);
    }
  },
});

export const assign: Command = {
  name: 'assign',
  usage: ['assign <email> <cluster name | auto>'],
  summary: "moves an account (owner and members) to a cluster, or to the best one with 'auto'",
  example: 'assign alice@acme.test eu-west-1-prod',
  confirms: assignment,
  async run(ctx, [email, clusterWord, ...rest]): Promise<Reply> {
    const address = readEmail(email);
    if (!clusterWord) throw new UsageError("Give a cluster name, or 'auto'.");
    noMore(rest);
    const detail = await ctx.api.admin.users.get.query({ email: address });
    let clusterId = 'auto';
    let clusterName = 'the least-loaded active cluster with room (auto)';
    if (clusterWord.toLowerCase() !== 'auto') {
      const all = await ctx.api.clusters.list.query();
      const cluster = all.find((c) => c.name.toLowerCase() === clusterWord.toLowerCase());
      if (!cluster) {
        throw new UsageError(
          `There is no cluster named \`${clusterWord}\`. Clusters: ${all.map((c) => c.name).join(', ') || 'none'}.`,
        );
      }
      clusterId = cluster.id;
      clusterName = cluster.name;
    }
    const from = detail.cluster ? `from ${detail.cluster.name} ` : '';
    const users = detail.account.members.length + 1;
    return assignment.prompt(
      { userId: detail.user.id, email: detail.user.email, clusterId, clusterName },
      `Assign the account of *${esc(detail.user.email)}* ${esc(from)}to *${esc(clusterName)}*?`,
      [
        esc(roleLine(detail)),
        ...(detail.user.role === 'owner'
          ? [`${users} user${users === 1 ? '' : 's'} move together`]
          : []),
      ],
    );
  },
};
