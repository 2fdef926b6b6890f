// The usage collector (SPEC §9): for each active cluster with an OpenCost URL, every completed UTC
// hour not yet collected in the last 48 (and the partial hours, three tries, and the failed ones)
// is read from OpenCost by absolute hour windows, mapped namespace → Hopsworks project → person,
// stored in usage_hourly (replacing what an earlier try stored), and every user-day it touched is
// recomputed from its hours and written through ingestUsage: the same pricing, payer, ledger,
// spending caps and events as `usage.ingest`. The answers are fetched first; what they say is
// written in one transaction per cluster, so a run that dies halfway wrote all of it or nothing.
// One run per cluster at a time across replicas (a session advisory lock for the whole run).
import { sql } from 'kysely';
import { inTransaction, type Db } from '@hops/db';
import type { Logger } from '../../context.ts';
import { conflict, notFound, preconditionFailed } from '../../errors.ts';
import { hopsworksClient, namespaceOf } from '../../integrations/hopsworks.ts';
import { IntegrationError } from '../../integrations/https.ts';
import { openCostClient } from '../../integrations/opencost.ts';
import type { SecretBox } from '../../secrets.ts';
import type { MailQueueDeps } from '../mail/outbox.ts';
import { HOUR_MS, lastCompletedHour, windowStart } from './health.ts';
import {
  markFailed,
  writeRun,
  type Cluster,
  type FailedHour,
  type FetchedHour,
  type Written,
} from './write.ts';

export { COLLECTOR_ACTOR, SYSTEM_NAMESPACES } from './write.ts';

/** A partial hour is collected again until it has been tried this many times. */
export const PARTIAL_TRIES = 3;

/** pg_try_advisory_lock(key, hashtext(cluster id)) of a cluster's run (the reporter's is 7 060 002). */
const COLLECT_LOCK = 7_060_003;

export const COLLECTION_BUSY =
  "This cluster's usage is being collected on another server right now; try again in a minute.";

export interface CollectionDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  /** For the spending-cap and credit mails an ingestion can cause. */
  mail?: MailQueueDeps['mail'];
  /** Per call to OpenCost or Hopsworks; default 10 s. */
  timeoutMs?: number | undefined;
}

/** What one run did on one cluster (`clusters.collectNow` answers one per cluster). */
export interface ClusterCollection {
  clusterId: string;
  name: string;
  /** Hours collected and written (complete or partial). */
  hours: number;
  /** Distinct namespaces in those hours. */
  namespaces: number;
  /** Of those, the ones billed to nobody. */
  unmapped: number;
  /** Distinct people whose days were recomputed. */
  users: number;
  /** Hours kept as partial, to be collected again. */
  partial: number;
  /** Why the run stopped short (its first failure), or null. */
  error: string | null;
}

/**
 * One collection run: every active cluster with an OpenCost URL, or the one asked for (then an
 * unknown cluster, one without OpenCost, or one busy on another server is an error).
 */
export async function collectUsage(
  deps: CollectionDeps,
  options: { clusterId?: string | undefined; now?: Date } = {},
): Promise<ClusterCollection[]> {
  const now = options.now ?? new Date();
  const rows = await deps.db
    .selectFrom('hopsworksClusters')
    .select([
      'id',
      'name',
      'apiUrl',
      'apiKey',
      'opencostUrl',
      'opencostToken',
      'caCertificate',
      'status',
    ])
    .$if(options.clusterId !== undefined, (q) => q.where('id', '=', options.clusterId!))
    .$if(options.clusterId === undefined, (q) =>
      q.where('status', '=', 'active').where('opencostUrl', 'is not', null),
    )
    .orderBy('name')
    .execute();
  if (options.clusterId !== undefined) {
    const one = rows[0];
    if (!one) throw notFound(`There is no cluster with id ${options.clusterId}.`);
    if (!one.opencostUrl) {
      throw preconditionFailed(
        `${one.name} has no OpenCost URL, so there is no usage to collect; add one on its page first.`,
      );
    }
  }
  const results: ClusterCollection[] = [];
  for (const row of rows) {
    const cluster: Cluster = {
      id: row.id,
      name: row.name,
      apiUrl: row.apiUrl,
      apiKey: row.apiKey === '' ? '' : deps.secrets.decrypt(row.apiKey),
      openCostUrl: row.opencostUrl!,
      openCostToken: row.opencostToken === null ? null : deps.secrets.decrypt(row.opencostToken),
      caCertificate: row.caCertificate,
    };
    // The whole run on the lock's own connection: one connection per run, not two.
    const result = await withClusterLock(deps.db, cluster.id, (connection) =>
      collectCluster({ ...deps, db: connection }, cluster, now),
    );
    if (result === null) {
      if (options.clusterId !== undefined) throw conflict(COLLECTION_BUSY);
      deps.log.info(
        { cluster: cluster.name },
        'collection skipped: another server is collecting it',
      );
      continue;
    }
    results.push(result);
  }
  return results;
}

/**
 * Runs `work` holding the cluster's collection lock, on the connection that holds it, or answers
 * null when another run holds it.
 */
async function withClusterLock<T>(
  db: Db,
  clusterId: string,
  work: (connection: Db) => Promise<T>,
): Promise<T | null> {
  return db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_lock(${COLLECT_LOCK}, hashtext(${clusterId})) AS locked`.execute(
      connection,
    );
    if (!rows[0]!.locked) return null;
    try {
      return await work(connection);
    } finally {
      await sql`SELECT pg_advisory_unlock(${COLLECT_LOCK}, hashtext(${clusterId}))`.execute(
        connection,
      );
    }
  });
}

const messageOf = (cluster: Cluster, error: unknown) =>
  error instanceof IntegrationError
    ? error.message
    : `OpenCost on ${cluster.name}: ${(error as Error).message}`;

async function collectCluster(
  deps: CollectionDeps,
  cluster: Cluster,
  now: Date,
): Promise<ClusterCollection> {
  const candidates = await hoursToCollect(deps.db, cluster.id, now);
  const fetched: FetchedHour[] = [];
  const failed: FailedHour[] = [];
  let owners: Map<string, string> | null = null;
  if (candidates.length > 0) {
    // The project list and the hours are asked for at the same time (two services); the hours
    // stay one at a time, oldest first, and stop as soon as the list is known to have failed.
    let ownersFailed = false;
    const asked = projectOwners(deps, cluster).then(
      (map) => ({ map }),
      (error: unknown) => {
        ownersFailed = true;
        return { error };
      },
    );
    const read = readHours(deps, cluster, candidates, () => ownersFailed);
    const [list, hours] = await Promise.all([asked, read]);
    if ('error' in list) {
      // Without the project list no namespace can be mapped: nothing is written but the failure.
      failed.push({ hour: candidates[0]!, error: messageOf(cluster, list.error) });
    } else {
      owners = list.map;
      fetched.push(...hours.fetched);
      failed.push(...hours.failed);
    }
  }

  let written: Written;
  try {
    written = await inTransaction(deps.db, (trx) =>
      writeRun(trx, deps, cluster, now, fetched, failed, owners ?? new Map()),
    );
  } catch (error) {
    // Nothing of the run was written; the hours are marked failed so the pages say why.
    const message = `Writing the collected usage of ${cluster.name} failed: ${(error as Error).message}`;
    deps.log.error({ cluster: cluster.name, err: error }, message);
    await inTransaction(deps.db, (trx) =>
      markFailed(
        trx,
        cluster.id,
        [...fetched, ...failed].map((h) => ({ hour: h.hour, error: message })),
      ),
    );
    return { ...emptyResult(cluster), error: message };
  }
  const error = failed[0]?.error ?? null;
  if (error) {
    deps.log.warn(
      { cluster: cluster.name, failedHours: failed.length },
      `collection incomplete: ${error}`,
    );
  }
  deps.log.info({ cluster: cluster.name, ...written }, 'usage collected');
  return { clusterId: cluster.id, name: cluster.name, ...written, error };
}

/**
 * The hours' allocations from OpenCost, one call at a time, oldest first, until `stop()` says the
 * run cannot use them. Down, slow, refusing or not speaking JSON: the later hours wait for the
 * next run. A bad answer for one hour (a wrong code or window, NaN) does not hold the others back.
 */
async function readHours(
  deps: CollectionDeps,
  cluster: Cluster,
  candidates: readonly number[],
  stop: () => boolean,
): Promise<{ fetched: FetchedHour[]; failed: FailedHour[] }> {
  const openCost = openCostClient({
    name: cluster.name,
    url: cluster.openCostUrl,
    token: cluster.openCostToken,
    caCertificate: cluster.caCertificate,
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  });
  const fetched: FetchedHour[] = [];
  const failed: FailedHour[] = [];
  for (const hour of candidates) {
    if (stop()) break;
    try {
      fetched.push({ hour, namespaces: await openCost.hour(new Date(hour)) });
    } catch (error) {
      failed.push({ hour, error: messageOf(cluster, error) });
      if (!(error instanceof IntegrationError) || error.status !== 200) break;
    }
  }
  return { fetched, failed };
}

const emptyResult = (cluster: Cluster): ClusterCollection => ({
  clusterId: cluster.id,
  name: cluster.name,
  hours: 0,
  namespaces: 0,
  unmapped: 0,
  users: 0,
  partial: 0,
  error: null,
});

/**
 * The hours of the window (the 48 completed hours before `now`) a run reads, oldest first: never
 * tried, failed last time, or partial and tried fewer than PARTIAL_TRIES times.
 */
async function hoursToCollect(db: Db, clusterId: string, now: Date): Promise<number[]> {
  const first = windowStart(now);
  const last = lastCompletedHour(now);
  const tried = await db
    .selectFrom('usageCollectionHours')
    .select(['hour', 'state', 'attempts'])
    .where('clusterId', '=', clusterId)
    .where('hour', '>=', new Date(first))
    .execute();
  const done = new Set(
    tried
      .filter(
        (t) => t.state === 'complete' || (t.state === 'partial' && t.attempts >= PARTIAL_TRIES),
      )
      .map((t) => t.hour.getTime()),
  );
  const hours: number[] = [];
  for (let hour = first; hour <= last; hour += HOUR_MS) if (!done.has(hour)) hours.push(hour);
  return hours;
}

/**
 * Namespace → hops user id, from the cluster's projects and their creators: a creator is the
 * person who had that Hopsworks username on this cluster (what provisioning stored). A cluster
 * without an API key cannot be asked, and none of its namespaces maps to anyone.
 */
async function projectOwners(deps: CollectionDeps, cluster: Cluster): Promise<Map<string, string>> {
  if (cluster.apiKey === '') return new Map();
  const projects = await hopsworksClient({
    name: cluster.name,
    apiUrl: cluster.apiUrl,
    apiKey: cluster.apiKey,
    caCertificate: cluster.caCertificate,
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  }).listProjects();
  const usernames = [
    ...new Set(projects.flatMap((p) => (p.creatorUsername ? [p.creatorUsername] : []))),
  ];
  if (usernames.length === 0) return new Map();
  const { rows } = await sql<{ username: string; userId: string }>`
    SELECT DISTINCT ON (k.username) k.username, k.user_id
    FROM (
      SELECT p.hopsworks_username AS username, p.user_id, p.id AS newest
      FROM hopsworks_provisioning p
      WHERE p.cluster_id = ${cluster.id}::uuid AND p.hopsworks_username = ANY(${usernames}::text[])
      UNION ALL
      SELECT a.hopsworks_username, a.user_id, 9223372036854775807
      FROM user_hopsworks_assignments a
      WHERE a.hopsworks_cluster_id = ${cluster.id}::uuid
        AND a.hopsworks_username = ANY(${usernames}::text[])
    ) k
    JOIN users u ON u.id = k.user_id AND u.status <> 'deleted'
    ORDER BY k.username, k.newest DESC`.execute(deps.db);
  const byUsername = new Map(rows.map((r) => [r.username, r.userId]));
  const owners = new Map<string, string>();
  for (const project of projects) {
    const userId = project.creatorUsername ? byUsername.get(project.creatorUsername) : undefined;
    owners.set(namespaceOf(project.name), userId ?? '');
  }
  return owners;
}
