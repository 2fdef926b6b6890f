// Accounts on the Hopsworks clusters (SPEC §9), the job's side: one provisioning row brought
// about on its cluster. Find the person (by the Hopsworks id already known, else by e-mail among
// the OAuth accounts), create them when they must be active and are missing, then set the status
// only when it differs. Every step reads before it writes, so a retry after a crash halfway makes
// no second account and no second status change. One worker at a time talks to a cluster about
// one person (the row's lease); the newest change of that person there is the one that counts.
import { sql } from 'kysely';
import { inTransaction, type Db } from '@hops/db';
import type { Logger } from '../../context.ts';
import type { Transaction } from '../../db.ts';
import {
  HOPSWORKS_ACTIVE,
  HOPSWORKS_DEACTIVATED,
  hopsworksClient,
  type HopsworksUser,
} from '../../integrations/hopsworks.ts';
import type { SecretBox } from '../../secrets.ts';
import { emitEvent } from '../../outbox.ts';
import { PROVISIONING_ATTEMPTS, requeueProvisioning, type ProvisioningAction } from './requests.ts';
import { emailKey } from '../../schemas.ts';

export interface ProvisioningDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  /** The OIDC client the clusters' users sign in through (OIDC_CLIENT_ID): `clientId` of new users. */
  oidcClientId: string;
  /** HOPSWORKS_MAX_PROJECTS: how many projects a new user may create (default 5). */
  maxProjects: number;
  /** Per call to the cluster; default 10 s. */
  timeoutMs?: number;
}

/** How long one worker has a person on a cluster to itself. Calls time out well before. */
const LEASE_SECONDS = 120;

interface Claimed {
  id: string;
  userId: string;
  clusterId: string;
  action: ProvisioningAction;
  attempts: number;
  email: string;
  name: string | null;
  status: string;
  cluster: { name: string; apiUrl: string; apiKey: string; caCertificate: string | null };
  /** The person's Hopsworks id on this cluster, from an earlier change that reached it. */
  knownId: number | null;
}

type Claim = { claimed: Claimed } | { skip: string };

/**
 * Takes the row for this attempt: nothing to do when it is finished or overtaken by a newer
 * change (then marked superseded); re-queued for later when another worker holds the person.
 */
async function claim(trx: Transaction, id: string, secrets: SecretBox): Promise<Claim> {
  const head = await trx
    .selectFrom('hopsworksProvisioning')
    .select(['userId', 'clusterId'])
    .where(sql<boolean>`id = ${id}::bigint`)
    .executeTakeFirst();
  if (!head) return { skip: 'the row is gone (its person or cluster was deleted)' };
  // Every row of this person on this cluster, locked in id order: the lease check is exact.
  const { rows } = await sql<{
    id: string;
    action: ProvisioningAction;
    state: string;
    attempts: number;
    leased: boolean;
    hopsworksUserId: number | null;
  }>`
    SELECT id::text AS id, action, state, attempts, coalesce(lease_until > now(), false) AS leased,
           hopsworks_user_id
    FROM hopsworks_provisioning
    WHERE user_id = ${head.userId} AND cluster_id = ${head.clusterId}::uuid
    ORDER BY hopsworks_provisioning.id -- the number, not the text it is answered as
    FOR UPDATE`.execute(trx);
  const row = rows.find((r) => r.id === id)!;
  if (row.state !== 'pending') return { skip: `the job is ${row.state}` };
  const newest = rows[rows.length - 1]!;
  if (newest.id !== id) {
    await trx
      .updateTable('hopsworksProvisioning')
      .set({ state: 'superseded', updatedAt: sql`now()`, finishedAt: sql`now()` })
      .where(sql<boolean>`id = ${id}::bigint`)
      .execute();
    return { skip: `overtaken by job ${newest.id}` };
  }
  if (rows.some((r) => r.id !== id && r.leased)) {
    await requeueProvisioning(trx, id, new Date(Date.now() + 5_000));
    return { skip: 'another worker is talking to the cluster about this person; queued again' };
  }
  const knownId =
    [...rows].reverse().find((r) => r.hopsworksUserId !== null)?.hopsworksUserId ?? null;
  const person = await trx
    .selectFrom('users')
    .select(['email', 'name', 'status'])
    .where('id', '=', head.userId)
    .executeTakeFirstOrThrow();
  const cluster = await trx
    .selectFrom('hopsworksClusters')
    .select(['name', 'apiUrl', 'apiKey', 'caCertificate'])
    .where('id', '=', head.clusterId)
    .executeTakeFirstOrThrow();
  const attempts = row.attempts + 1;
  await trx
    .updateTable('hopsworksProvisioning')
    .set({
      attempts,
      leaseUntil: sql`now() + make_interval(secs => ${LEASE_SECONDS})`,
      updatedAt: sql`now()`,
    })
    .where(sql<boolean>`id = ${id}::bigint`)
    .execute();
  return {
    claimed: {
      id,
      userId: head.userId,
      clusterId: head.clusterId,
      action: row.action,
      attempts,
      email: person.email,
      name: person.name,
      status: person.status,
      cluster: {
        name: cluster.name,
        apiUrl: cluster.apiUrl,
        apiKey: cluster.apiKey === '' ? '' : secrets.decrypt(cluster.apiKey),
        caCertificate: cluster.caCertificate,
      },
      knownId,
    },
  };
}

/** "Ada King Lovelace" → Ada / King Lovelace; no name: the e-mail's local part and "-". */
function namesOf(name: string | null, email: string): { givenName: string; surname: string } {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { givenName: email.split('@')[0]!, surname: '-' };
  return { givenName: words[0]!, surname: words.slice(1).join(' ') || '-' };
}

const isOAuth = (u: HopsworksUser) =>
  u.accountType === 'OAUTH2' || u.accountType === 'REMOTE_ACCOUNT_TYPE';

/** What a finished attempt found and did on the cluster. */
interface Outcome {
  hopsworksUserId: number | null;
  username: string | null;
  did: string;
}

async function bringAbout(job: Claimed, deps: ProvisioningDeps): Promise<Outcome> {
  const client = hopsworksClient({
    name: job.cluster.name,
    apiUrl: job.cluster.apiUrl,
    apiKey: job.cluster.apiKey,
    caCertificate: job.cluster.caCertificate,
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  });
  const email = emailKey(job.email);
  const find = (users: HopsworksUser[]) =>
    (job.knownId !== null ? users.find((u) => u.id === job.knownId) : undefined) ??
    users.find((u) => isOAuth(u) && emailKey(u.email) === email) ??
    null;
  let user = find(await client.listUsers());
  let did = '';
  if (!user) {
    if (job.action === 'deactivate') {
      return { hopsworksUserId: null, username: null, did: 'no account there to deactivate' };
    }
    const created = await client.createUser({
      email: job.email,
      ...namesOf(job.name, job.email),
      maxNumProjects: deps.maxProjects,
      subject: job.userId,
      clientId: deps.oidcClientId,
    });
    user = (await client.listUsers()).find((u) => u.username === created.username) ?? null;
    if (!user) {
      // The cluster said it made the user but does not list them: try again later.
      throw new Error(
        `Hopsworks on ${job.cluster.name} created ${created.username} but does not list them yet.`,
      );
    }
    did = `created ${user.username}`;
  }
  const wanted = job.action === 'activate' ? HOPSWORKS_ACTIVE : HOPSWORKS_DEACTIVATED;
  if (user.status !== wanted) {
    await client.setStatus(user.id, job.action === 'activate' ? 'active' : 'deactivated');
    did = [did, job.action === 'activate' ? 'activated' : 'deactivated'].filter(Boolean).join(', ');
  }
  return { hopsworksUserId: user.id, username: user.username, did: did || 'already in line' };
}

/** The job `clusters.provision`: carries out one provisioning row. */
export async function carryOutProvisioning(deps: ProvisioningDeps, id: string): Promise<void> {
  const taken = await inTransaction(deps.db, (trx) => claim(trx, id, deps.secrets));
  if ('skip' in taken) {
    deps.log.info({ provisioningId: id }, `provisioning: nothing to do (${taken.skip})`);
    return;
  }
  const job = taken.claimed;
  if (job.cluster.apiKey === '') {
    await finish(deps.db, job, 'skipped', null, null, null);
    deps.log.info(
      { provisioningId: id, cluster: job.cluster.name },
      'provisioning skipped: the cluster has no API key',
    );
    return;
  }
  let outcome: Outcome;
  try {
    outcome = await bringAbout(job, deps);
  } catch (error) {
    const message = (error as Error).message;
    const final = job.attempts >= PROVISIONING_ATTEMPTS;
    await inTransaction(deps.db, async (trx) => {
      await trx
        .updateTable('hopsworksProvisioning')
        .set({
          state: final ? 'failed' : 'pending',
          lastError: message,
          leaseUntil: null,
          updatedAt: sql`now()`,
          ...(final ? { finishedAt: sql`now()` } : {}),
        })
        .where(sql<boolean>`id = ${id}::bigint`)
        .execute();
      if (final) {
        await emitEvent(trx, {
          kind: 'clusters.provisioning_failed',
          payload: {
            jobId: id,
            userId: job.userId,
            email: job.email,
            clusterId: job.clusterId,
            cluster: job.cluster.name,
            action: job.action,
            attempts: job.attempts,
            error: message,
          },
        });
      }
    });
    if (final) {
      // Recorded on the row and alerted; the queue's job ends here, an admin retries it.
      deps.log.error(
        { provisioningId: id, cluster: job.cluster.name, attempts: job.attempts, err: error },
        `provisioning failed for good: ${message}`,
      );
      return;
    }
    throw error; // the queue logs it and tries again after its backoff
  }
  await finish(deps.db, job, 'done', outcome.hopsworksUserId, outcome.username, null);
  deps.log.info(
    { provisioningId: id, cluster: job.cluster.name, action: job.action },
    `provisioning done: ${outcome.did}`,
  );
}

async function finish(
  db: Db,
  job: Claimed,
  state: 'done' | 'skipped',
  hopsworksUserId: number | null,
  username: string | null,
  lastError: string | null,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable('hopsworksProvisioning')
      .set({
        state,
        lastError,
        hopsworksUserId,
        hopsworksUsername: username,
        leaseUntil: null,
        updatedAt: sql`now()`,
        finishedAt: sql`now()`,
      })
      .where(sql<boolean>`id = ${job.id}::bigint`)
      .execute();
    if (!username) return;
    // The person's Hopsworks username, where they are now (the collector maps projects by it).
    const placed = await trx
      .updateTable('userHopsworksAssignments')
      .set({ hopsworksUsername: username })
      .where('userId', '=', job.userId)
      .where('hopsworksClusterId', '=', job.clusterId)
      .executeTakeFirst();
    if (Number(placed.numUpdatedRows) > 0) {
      await trx
        .updateTable('users')
        .set({ hopsworksUsername: username })
        .where('id', '=', job.userId)
        .execute();
    }
  });
}
