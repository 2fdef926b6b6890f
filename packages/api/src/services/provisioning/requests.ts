// Accounts on the Hopsworks clusters (SPEC §9), the action's side: whenever a person's cluster,
// status or spending stop changes, the change writes what each cluster must now do about them
// (activate or deactivate) as rows of hopsworks_provisioning, each with its job, in the change's
// own transaction. The job (./sync.ts) talks to the cluster afterwards, so no change ever waits
// for Hopsworks or fails because it is down.
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { HopsworksProvisioning } from '@hops/db';
import type { AuditActor } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Executor, Transaction } from '../../db.ts';
import { monthStart, utcToday } from '../../days.ts';
import { notFound, preconditionFailed } from '../../errors.ts';
import { enqueue } from '../../jobs/queue.ts';

export type ProvisioningReason = Selectable<HopsworksProvisioning>['reason'];
export type ProvisioningAction = Selectable<HopsworksProvisioning>['action'];
export type ProvisioningState = Selectable<HopsworksProvisioning>['state'];

/** A person whose place changed, and the cluster they were on before (when it changed). */
export interface PersonChange {
  userId: string;
  /** The cluster they left in this change, if any; their current one is read. */
  fromClusterId?: string | null;
}

/**
 * Attempts before a change stays failed, raises `clusters.provisioning_failed` and waits for an
 * admin's retry (SPEC §9).
 */
export const PROVISIONING_ATTEMPTS = 5;

/** The job of one provisioning row: its key is the row's, so it runs once per row. */
export const provisioningJobKey = (id: string) => `hopsworks:provision:${id}`;

interface Desired {
  userId: string;
  clusterId: string;
  action: ProvisioningAction;
}

/**
 * What each cluster must do about these people now: on the cluster a person is assigned to,
 * activate them, unless they are suspended or deleted or their account is stopped by its spending
 * cap this month (then deactivate); on a cluster they left, deactivate them (never delete).
 */
async function desiredStates(
  trx: Executor,
  changes: readonly PersonChange[],
  today: string,
): Promise<Desired[]> {
  if (changes.length === 0) return [];
  const ids = [...new Set(changes.map((c) => c.userId))];
  const { rows } = await sql<{
    id: string;
    status: string;
    clusterId: string | null;
    capStopped: boolean;
  }>`
    SELECT u.id, u.status, a.hopsworks_cluster_id AS cluster_id,
           coalesce(o.spending_suspended_month = ${monthStart(today)}::date, false) AS cap_stopped
    FROM users u
    LEFT JOIN user_hopsworks_assignments a ON a.user_id = u.id
    LEFT JOIN users o ON o.id = coalesce(u.account_owner_id, u.id)
    WHERE u.id = ANY(${ids}::text[])`.execute(trx);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const wanted = new Map<string, Desired>();
  for (const change of changes) {
    const now = byId.get(change.userId);
    if (!now) continue;
    const from = change.fromClusterId ?? null;
    if (from && from !== now.clusterId) {
      wanted.set(`${now.id}/${from}`, {
        userId: now.id,
        clusterId: from,
        action: 'deactivate',
      });
    }
    if (now.clusterId) {
      wanted.set(`${now.id}/${now.clusterId}`, {
        userId: now.id,
        clusterId: now.clusterId,
        action: now.status === 'active' && !now.capStopped ? 'activate' : 'deactivate',
      });
    }
  }
  return [...wanted.values()];
}

/**
 * Writes, in `trx`, what the clusters must do about `changes` and a job for each, carried out
 * once `trx` commits. Call it in every transaction that changes a person's cluster, status or
 * spending stop. Answers the rows written.
 */
export async function requestProvisioning(
  trx: Transaction,
  changes: readonly PersonChange[],
  reason: ProvisioningReason,
  options: { today?: string } = {},
): Promise<{ id: string; userId: string; clusterId: string; action: ProvisioningAction }[]> {
  const desired = await desiredStates(trx, changes, options.today ?? utcToday());
  if (desired.length === 0) return [];
  const written = await trx
    .insertInto('hopsworksProvisioning')
    .values(desired.map((d) => ({ ...d, reason })))
    .returning([sql<string>`id::text`.as('id'), 'userId', 'clusterId', 'action'])
    .execute();
  for (const row of written) await enqueueProvisioning(trx, row.id);
  return written;
}

async function enqueueProvisioning(trx: Transaction, id: string, runAt?: Date): Promise<void> {
  await enqueue(
    trx,
    'clusters.provision',
    { provisioningId: id },
    {
      jobKey: provisioningJobKey(id),
      // The row counts attempts and decides when to give up; this is only a backstop.
      maxAttempts: PROVISIONING_ATTEMPTS * 2,
      ...(runAt ? { runAt } : {}),
    },
  );
}

/** Enqueues the row's job again (a worker found another one talking to the cluster about them). */
export const requeueProvisioning = enqueueProvisioning;

/** One provisioning job as the admin pages and `clusters.provisioning` show it. */
export interface ProvisioningItem {
  id: string;
  userId: string;
  /** The person's e-mail now (a deleted person's is the placeholder). */
  email: string;
  clusterId: string;
  cluster: string;
  action: ProvisioningAction;
  reason: ProvisioningReason;
  state: ProvisioningState;
  attempts: number;
  lastError: string | null;
  hopsworksUsername: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface ProvisioningQuery {
  /** One job. */
  id?: string | undefined;
  clusterId?: string | undefined;
  userId?: string | undefined;
  state?: ProvisioningState | undefined;
  /** `latest`: only each person's newest row per cluster (their state there); default every row. */
  view?: 'latest' | 'history' | undefined;
  limit: number;
}

/** Provisioning jobs, newest first, by cluster, person and state. */
export async function listProvisioning(
  db: Executor,
  query: ProvisioningQuery,
): Promise<ProvisioningItem[]> {
  const { rows } = await sql<ProvisioningItem>`
    SELECT p.id::text AS id, p.user_id, u.email, p.cluster_id, c.name AS cluster, p.action,
           p.reason, p.state, p.attempts, p.last_error,
           coalesce(p.hopsworks_username, (
             SELECT q.hopsworks_username FROM hopsworks_provisioning q
             WHERE q.user_id = p.user_id AND q.cluster_id = p.cluster_id
               AND q.hopsworks_username IS NOT NULL
             ORDER BY q.id DESC LIMIT 1)) AS hopsworks_username,
           to_json(p.created_at)#>>'{}' AS created_at, to_json(p.updated_at)#>>'{}' AS updated_at,
           to_json(p.finished_at)#>>'{}' AS finished_at
    FROM hopsworks_provisioning p
    JOIN users u ON u.id = p.user_id
    JOIN hopsworks_clusters c ON c.id = p.cluster_id
    WHERE (${query.id ?? null}::bigint IS NULL OR p.id = ${query.id ?? null}::bigint)
      AND (${query.clusterId ?? null}::uuid IS NULL OR p.cluster_id = ${query.clusterId ?? null}::uuid)
      AND (${query.userId ?? null}::text IS NULL OR p.user_id = ${query.userId ?? null}::text)
      AND (${query.state ?? null}::text IS NULL OR p.state = ${query.state ?? null}::text)
      AND (${query.view ?? 'history'} = 'history' OR NOT EXISTS (
            SELECT 1 FROM hopsworks_provisioning n
            WHERE n.user_id = p.user_id AND n.cluster_id = p.cluster_id AND n.id > p.id))
    ORDER BY p.id DESC
    LIMIT ${query.limit}`.execute(db);
  return rows;
}

/**
 * An admin tries a failed change again (`clusters.retryProvisioning`): its attempts start over.
 * Only the newest change of that person on that cluster can be retried; an older one was
 * overtaken by what happened since.
 */
export async function retryProvisioning(
  trx: Transaction,
  actor: AuditActor,
  jobId: string,
): Promise<ProvisioningItem> {
  const row = await trx
    .selectFrom('hopsworksProvisioning')
    .select([sql<string>`id::text`.as('id'), 'userId', 'clusterId', 'state', 'lastError'])
    .where(sql<boolean>`id = ${jobId}::bigint`)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`There is no provisioning job ${jobId}.`);
  if (row.state !== 'failed') {
    throw preconditionFailed(
      `Provisioning job ${jobId} is ${row.state}, not failed: there is nothing to retry.`,
    );
  }
  const newer = await trx
    .selectFrom('hopsworksProvisioning')
    .select(sql<string>`id::text`.as('id'))
    .where('userId', '=', row.userId)
    .where('clusterId', '=', row.clusterId)
    .where(sql<boolean>`id > ${jobId}::bigint`)
    .executeTakeFirst();
  if (newer) {
    throw preconditionFailed(
      `Provisioning job ${jobId} was overtaken by a newer change of the same person on that cluster (job ${newer.id}); that one counts.`,
    );
  }
  await trx
    .updateTable('hopsworksProvisioning')
    // A fresh start: the error it gave up on is kept in the audit row, not shown as current.
    .set({
      state: 'pending',
      attempts: 0,
      lastError: null,
      updatedAt: sql`now()`,
      finishedAt: null,
    })
    .where(sql<boolean>`id = ${jobId}::bigint`)
    .execute();
  await enqueueProvisioning(trx, row.id);
  await recordAudit(
    trx,
    actor,
    'clusters.retryProvisioning',
    { type: 'user', id: row.userId },
    { jobId, clusterId: row.clusterId, previousError: row.lastError },
  );
  const [item] = await listProvisioning(trx, { id: jobId, limit: 1 });
  return item!;
}
