import { z } from 'zod';
import { inTransaction } from '@hops/db';
import { preconditionFailed } from '../errors.ts';
import {
  clusterApiUrl as apiUrl,
  clusterCaCertificate as caCertificate,
  clusterOpenCostUrl as openCostUrl,
  clusterCapacity as maxUsers,
  clusterName as name,
  clusterStatus,
  email,
  jsonObject,
  userId,
  uuid,
} from '../schemas.ts';
import { previewAssignment } from '../services/assignment.ts';
import {
  adminAssignAccount,
  createCluster,
  getCluster,
  listClusters,
  noRoomMessage,
  adminUnassignAccount,
  updateCluster,
} from '../services/clusters.ts';
import { collectUsage } from '../services/collection/collect.ts';
import { clusterCollection } from '../services/collection/health.ts';
import { listProvisioning, retryProvisioning } from '../services/provisioning/requests.ts';
import { getMyCluster } from '../services/users.ts';
import { adminProcedure, authedProcedure, router } from '../trpc.ts';

// Secrets are never echoed back, not even in validation messages.
const apiKey = z.string().min(1, { error: 'Give the API key' }).max(10_000);
const kubeconfig = z
  .string()
  .min(1, { error: 'Give the kubeconfig, or null to clear it' })
  .max(200_000);
const openCostToken = z
  .string()
  .min(1, { error: 'Give the OpenCost token, or null to clear it' })
  .max(10_000);
const metadata = jsonObject('metadata');
const clusterTarget = z
  .string()
  .trim()
  .refine((value) => value === 'auto' || uuid.safeParse(value).success, {
    error: "Use a cluster id (as shown in the list) or 'auto'",
  });

export const clustersRouter = router({
  /** The caller's cluster; never its secrets. */
  mine: authedProcedure.query(({ ctx }) => getMyCluster(ctx.db, ctx.actor)),

  list: adminProcedure.query(({ ctx }) => listClusters(ctx.db)),

  get: adminProcedure
    .input(z.object({ id: uuid }))
    .query(({ ctx, input }) => getCluster(ctx.db, input.id)),

  create: adminProcedure
    .input(
      z.object({
        name,
        apiUrl,
        apiKey,
        kubeconfig: kubeconfig.nullish(),
        maxUsers,
        status: clusterStatus.optional(),
        metadata: metadata.optional(),
        openCostUrl: openCostUrl.nullish(),
        openCostToken: openCostToken.nullish(),
        caCertificate: caCertificate.nullish(),
      }),
    )
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => createCluster(trx, ctx.actor, ctx.deps.secrets, input)),
    ),

  update: adminProcedure
    .input(
      z.object({
        id: uuid,
        name: name.optional(),
        apiUrl: apiUrl.optional(),
        apiKey: apiKey.optional(),
        kubeconfig: kubeconfig.nullable().optional(),
        maxUsers: maxUsers.optional(),
        status: clusterStatus.optional(),
        metadata: metadata.optional(),
        openCostUrl: openCostUrl.nullable().optional(),
        openCostToken: openCostToken.nullable().optional(),
        caCertificate: caCertificate.nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => updateCluster(trx, ctx.actor, ctx.deps.secrets, input)),
    ),

  /**
   * What `assign` would do — who moves, from which cluster to which, what to warn about — or why
   * it would be refused; asked before a Confirm is shown (the page and the bot).
   */
  previewAssign: adminProcedure
    .input(
      z
        .object({ userId: userId.optional(), email: email.optional(), clusterId: clusterTarget })
        .refine((v) => (v.userId === undefined) !== (v.email === undefined), {
          error: 'Give either the user id or the e-mail address of the account owner',
        }),
    )
    .query(({ ctx, input }) =>
      previewAssignment(
        ctx.db,
        input.email !== undefined ? { email: input.email } : { userId: input.userId! },
        input.clusterId,
      ),
    ),

  /** Moves the whole account of an owner; `auto` picks the least-loaded active cluster with room. */
  assign: adminProcedure
    .input(z.object({ userId, clusterId: clusterTarget }))
    .mutation(async ({ ctx, input }) => {
      const outcome = await inTransaction(ctx.db, (trx) =>
        adminAssignAccount(trx, ctx.actor, input.userId, input.clusterId),
      );
      // Thrown after the commit, so the 'cluster.no_room' alert written with it is kept.
      if (outcome.status === 'no_room') throw preconditionFailed(noRoomMessage(outcome));
      return outcome;
    }),

  unassign: adminProcedure
    .input(z.object({ userId }))
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => adminUnassignAccount(trx, ctx.actor, input.userId)),
    ),

  /**
   * SPEC §9: the jobs that bring people's accounts about on the clusters, newest first, by
   * cluster or person; `view: 'latest'` gives each person's newest per cluster (their state).
   */
  provisioning: adminProcedure
    .input(
      z.object({
        clusterId: uuid.optional(),
        userId: userId.optional(),
        state: z.enum(['pending', 'done', 'failed', 'superseded', 'skipped']).optional(),
        view: z.enum(['latest', 'history']).default('history'),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input }) => listProvisioning(ctx.db, input)),

  /** SPEC §9: a failed provisioning job tried again, its attempts starting over. */
  retryProvisioning: adminProcedure
    .input(
      z.object({
        jobId: z
          .string()
          .trim()
          .regex(/^[1-9]\d{0,17}$/, { error: 'A job id is a whole number, like 42' }),
      }),
    )
    .mutation(({ ctx, input }) =>
      inTransaction(ctx.db, (trx) => retryProvisioning(trx, ctx.actor, input.jobId)),
    ),

  /**
   * SPEC §9: the cluster's usage collection — its health, the last 48 hours' tries (newest
   * first) and the namespaces billed to nobody.
   */
  collection: adminProcedure.input(z.object({ clusterId: uuid })).query(async ({ ctx, input }) => {
    const { cluster } = await getCluster(ctx.db, input.clusterId);
    return { health: cluster.collection, ...(await clusterCollection(ctx.db, input.clusterId)) };
  }),

  /**
   * SPEC §9: collect now, every cluster with OpenCost or the one given; answers what each run
   * did. A cluster another server is collecting right now is a CONFLICT (when asked for alone).
   */
  collectNow: adminProcedure
    .input(z.object({ clusterId: uuid.optional() }))
    .mutation(async ({ ctx, input }) => ({
      clusters: await collectUsage(
        {
          db: ctx.db,
          secrets: ctx.deps.secrets,
          log: ctx.deps.log,
          mail: ctx.deps.mail,
        },
        { clusterId: input.clusterId },
      ),
    })),
});
