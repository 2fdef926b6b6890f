// `/hops assign <email> <cluster or auto>`: moves a whole account, after Confirm. Checked first
// (clusters.previewAssign): an unknown e-mail, a member, a suspended account or a cluster without
// room is answered with its sentence and no Confirm; a cluster in maintenance is warned about.
import { z } from 'zod';
import { esc, success, warning, type Reply } from '../blocks/kit.ts';
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
    let clusterId = 'auto';
    if (clusterWord.toLowerCase() !== 'auto') {
      const all = await ctx.api.clusters.list.query();
      const cluster = all.find((c) => c.name.toLowerCase() === clusterWord.toLowerCase());
      if (!cluster) {
        throw new UsageError(
          `There is no cluster named \`${clusterWord}\`. Clusters: ${all.map((c) => c.name).join(', ') || 'none'}.`,
        );
      }
      clusterId = cluster.id;
    }
    const plan = await ctx.api.clusters.previewAssign.query({ email: address, clusterId });
    if (!plan.ok) return warning(plan.message);
    const load = `${plan.to.currentUsers}/${plan.to.maxUsers} users`;
    if (plan.change === 'unchanged') {
      return success(
        `The account of ${plan.owner.email} is already on ${plan.to.name} (${load}); nothing to change.`,
      );
    }
    const clusterName = plan.auto
      ? `${plan.to.name} (auto: the least-loaded active cluster with room)`
      : plan.to.name;
    const from = plan.from ? `from ${plan.from.name} ` : '';
    const members = plan.members === 1 ? '1 member' : `${plan.members} members`;
    return assignment.prompt(
      // Confirm assigns to the cluster the check named, so it does what the prompt said.
      {
        userId: plan.owner.id,
        email: plan.owner.email,
        clusterId: plan.to.id,
        clusterName: plan.to.name,
      },
      `Assign the account of *${esc(plan.owner.email)}* ${esc(from)}to *${esc(clusterName)}*?`,
      [
        `Account owner (${members})`,
        `${plan.users} user${plan.users === 1 ? '' : 's'} move together`,
        `${esc(plan.to.name)} now has ${load}`,
        ...plan.warnings.map((w) => `:warning: ${esc(w)}`),
      ],
    );
  },
};
