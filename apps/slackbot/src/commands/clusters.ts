// `/hops clusters`: every cluster with users / capacity and status.
import { clusterList } from '../blocks/cluster-list.ts';
import { noMore } from './args.ts';
import type { Command } from './command.ts';

export const clusters: Command = {
  name: 'clusters',
  usage: ['clusters'],
  summary: 'every cluster with users / capacity and status',
  example: 'clusters',
  async run(ctx, args) {
    noMore(args);
    return clusterList(await ctx.api.clusters.list.query());
  },
};
