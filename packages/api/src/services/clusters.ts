// Clusters (SPEC §3.3, §3.5): what admins see and edit, and the admin's door to assignment. Secrets
// (api key, kubeconfig) are sealed with the SecretBox before they reach the database and never
// leave it through here: reads only ever ask whether one is set.
// Over 300 lines: every admin cluster procedure in one file (the assignment rules: assignment.ts).
import { X509Certificate } from 'node:crypto';
import type { Json } from '@hops/db';
import type { AuditActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Executor, Transaction } from '../db.ts';
import { AppError, conflict, notFound, PG, pgCode, preconditionFailed } from '../errors.ts';
import { Decimal } from '../money.ts';
import type { BillingMode, ClusterStatus } from '../schemas.ts';
import type { SecretBox } from '../secrets.ts';
import { collectionHealth, type CollectionHealth } from './collection/health.ts';
import {
  assignAccountTo,
  autoAssignAccount,
  unassignAccount,
  type AssignedCluster,
} from './assignment.ts';

export interface ClusterView {
  id: string;
  name: string;
  apiUrl: string;
  status: ClusterStatus;
  currentUsers: number;
  maxUsers: number;
  overCapacity: boolean;
  /** Share of capacity in use, in percent with one decimal ("92.5"); over 100 when over capacity. */
  utilisation: string;
  /** Accounts (owners) on the cluster; their members count in `currentUsers`. */
  accounts: number;
  metadata: Json;
  hasApiKey: boolean;
  hasKubeconfig: boolean;
  /** SPEC §9: where the cluster's OpenCost answers, or null (no usage is collected). */
  openCostUrl: string | null;
  hasOpenCostToken: boolean;
  /** The PEM trusted for this cluster's calls besides the system's roots (not a secret), or null. */
  caCertificate: string | null;
  /** SPEC §9: how its usage collection is going; null without an OpenCost URL. */
  collection: CollectionHealth | null;
  createdAt: string;
  updatedAt: string;
}

export interface ClusterAccount {
  owner: { id: string; email: string; name: string | null; status: string };
  members: number;
  billingMode: BillingMode;
  assignedAt: string;
  assignedBy: string;
}

function selectClusters(db: Executor) {
  return db
    .selectFrom('hopsworksClusters as c')
    .select([
      'c.id',
      'c.name',
      'c.apiUrl',
      'c.status',
      'c.currentUsers',
      'c.maxUsers',
      'c.metadata',
      'c.opencostUrl',
      'c.caCertificate',
      'c.createdAt',
      'c.updatedAt',
    ])
    .select((eb) => [
      // Only whether a secret is set ever leaves the database.
      eb('c.apiKey', '<>', '').as('hasApiKey'),
      eb('c.kubeconfig', 'is not', null).as('hasKubeconfig'),
      eb('c.opencostToken', 'is not', null).as('hasOpenCostToken'),
      eb
        .selectFrom('userHopsworksAssignments as a')
        .innerJoin('users as u', 'u.id', 'a.userId')
        .whereRef('a.hopsworksClusterId', '=', 'c.id')
        .where('u.accountOwnerId', 'is', null)
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('accounts'),
    ]);
}

type ClusterRow = Awaited<ReturnType<ReturnType<typeof selectClusters>['executeTakeFirstOrThrow']>>;

function toView(row: ClusterRow, health: Map<string, CollectionHealth>): ClusterView {
  return {
    id: row.id,
    name: row.name,
    apiUrl: row.apiUrl,
    status: row.status,
    currentUsers: row.currentUsers,
    maxUsers: row.maxUsers,
    overCapacity: row.currentUsers > row.maxUsers,
    utilisation: new Decimal(row.currentUsers)
      .times(100)
      .dividedBy(row.maxUsers)
      .toDecimalPlaces(1)
      .toFixed(1),
    accounts: Number(row.accounts ?? 0),
    metadata: row.metadata,
    hasApiKey: Boolean(row.hasApiKey),
    hasKubeconfig: Boolean(row.hasKubeconfig),
    openCostUrl: row.opencostUrl,
    hasOpenCostToken: Boolean(row.hasOpenCostToken),
    caCertificate: row.caCertificate,
    collection: row.opencostUrl ? (health.get(row.id) ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function withHealth(db: Executor, rows: ClusterRow[]): Promise<ClusterView[]> {
  const collected = rows.filter((r) => r.opencostUrl !== null).map((r) => r.id);
  const health = await collectionHealth(db, collected);
  return rows.map((row) => toView(row, health));
}

export async function listClusters(db: Executor): Promise<ClusterView[]> {
  const rows = await selectClusters(db).orderBy('c.name').execute();
  return withHealth(db, rows);
}

async function readClusterView(db: Executor, id: string): Promise<ClusterView> {
  const row = await selectClusters(db).where('c.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`There is no cluster with id ${id}.`);
  return (await withHealth(db, [row]))[0]!;
}

/** One cluster and the accounts on it (owners; their members move with them). */
export async function getCluster(
  db: Executor,
  id: string,
): Promise<{ cluster: ClusterView; accounts: ClusterAccount[] }> {
  const cluster = await readClusterView(db, id);
  const rows = await db
    .selectFrom('userHopsworksAssignments as a')
    .innerJoin('users as u', 'u.id', 'a.userId')
    .where('a.hopsworksClusterId', '=', id)
    .where('u.accountOwnerId', 'is', null)
    .select([
      'u.id',
      'u.email',
      'u.name',
      'u.status',
      'u.billingMode',
      'a.assignedAt',
      'a.assignedBy',
    ])
    .select((eb) =>
      eb
        .selectFrom('users as m')
        .whereRef('m.accountOwnerId', '=', 'u.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('members'),
    )
    .orderBy((eb) => eb.fn('lower', ['u.email']))
    .execute();
  return {
    cluster,
    accounts: rows.map((r) => ({
      owner: { id: r.id, email: r.email, name: r.name, status: r.status },
      members: Number(r.members ?? 0),
      billingMode: r.billingMode,
      assignedAt: r.assignedAt.toISOString(),
      assignedBy: r.assignedBy,
    })),
  };
}

export interface CreateClusterInput {
  name: string;
  apiUrl: string;
  apiKey: string;
  kubeconfig?: string | null | undefined;
  maxUsers: number;
  status?: ClusterStatus | undefined;
  metadata?: Record<string, Json> | undefined;
  openCostUrl?: string | null | undefined;
  /** Write-only, sealed like the API key. */
  openCostToken?: string | null | undefined;
  caCertificate?: string | null | undefined;
}

/** Refuses a PEM that does not parse as an X.509 certificate, in a sentence; answers it trimmed. */
function readableCertificate(pem: string): string {
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new AppError(
      'BAD_REQUEST',
      `The CA certificate could not be read as an X.509 certificate (${(error as Error).message}). Paste the whole PEM block.`,
      { cause: error },
    );
  }
  return pem.trim();
}

function nameTaken(name: string) {
  return conflict(`A cluster named ${name} already exists. Pick another name.`);
}

export async function createCluster(
  trx: Transaction,
  actor: AuditActor,
  secrets: SecretBox,
  input: CreateClusterInput,
): Promise<ClusterView> {
  let id: string;
  try {
    const row = await trx
      .insertInto('hopsworksClusters')
      .values({
        name: input.name,
        apiUrl: input.apiUrl,
        // No key (the demo's clusters): no calls are made to the cluster.
        apiKey: input.apiKey ? secrets.encrypt(input.apiKey) : '',
        kubeconfig: input.kubeconfig ? secrets.encrypt(input.kubeconfig) : null,
        maxUsers: input.maxUsers,
        status: input.status ?? 'active',
        metadata: JSON.stringify(input.metadata ?? {}),
        opencostUrl: input.openCostUrl ?? null,
        opencostToken: input.openCostToken ? secrets.encrypt(input.openCostToken) : null,
        caCertificate: input.caCertificate ? readableCertificate(input.caCertificate) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    id = row.id;
  } catch (error) {
    if (pgCode(error) === PG.uniqueViolation) throw nameTaken(input.name);
    throw error;
  }
  await recordAudit(
    trx,
    actor,
    'clusters.create',
    { type: 'cluster', id },
    {
      name: input.name,
      apiUrl: input.apiUrl,
      maxUsers: input.maxUsers,
      status: input.status ?? 'active',
      hasKubeconfig: Boolean(input.kubeconfig),
      openCostUrl: input.openCostUrl ?? null,
      hasOpenCostToken: Boolean(input.openCostToken),
      hasCaCertificate: Boolean(input.caCertificate),
    },
  );
  return readClusterView(trx, id);
}

export interface UpdateClusterInput {
  id: string;
  name?: string | undefined;
  apiUrl?: string | undefined;
  /** Write-only: omitted keeps the stored key. */
  apiKey?: string | undefined;
  /** Write-only: omitted keeps it, null clears it. */
  kubeconfig?: string | null | undefined;
  maxUsers?: number | undefined;
  status?: ClusterStatus | undefined;
  metadata?: Record<string, Json> | undefined;
  /** Omitted keeps it, null clears it (no more collection). */
  openCostUrl?: string | null | undefined;
  /** Write-only: omitted keeps it, null clears it. */
  openCostToken?: string | null | undefined;
  /** Omitted keeps it, null clears it. */
  caCertificate?: string | null | undefined;
}

/**
 * Edits a cluster. Lowering `maxUsers` below the users already on it is refused (the only way past
 * capacity is a member joining their owner, SPEC §3.3). The audit row names the changed fields,
 * with before/after values for the non-secret ones only.
 */
export async function updateCluster(
  trx: Transaction,
  actor: AuditActor,
  secrets: SecretBox,
  input: UpdateClusterInput,
): Promise<ClusterView> {
  // The lock keeps assignments from adding users between the capacity check and the update
  // (NO KEY, like theirs, so foreign-key checks of usage rows need not wait for it).
  const current = await trx
    .selectFrom('hopsworksClusters')
    .select([
      'id',
      'name',
      'apiUrl',
      'status',
      'maxUsers',
      'currentUsers',
      'metadata',
      'opencostUrl',
      'caCertificate',
    ])
    .select((eb) => [
      eb('kubeconfig', 'is not', null).as('hasKubeconfig'),
      eb('opencostToken', 'is not', null).as('hasOpenCostToken'),
    ])
    .where('id', '=', input.id)
    .forNoKeyUpdate()
    .executeTakeFirst();
  if (!current) throw notFound(`There is no cluster with id ${input.id}.`);

  const patch: {
    name?: string;
    apiUrl?: string;
    apiKey?: string;
    kubeconfig?: string | null;
    maxUsers?: number;
    status?: ClusterStatus;
    metadata?: string;
    opencostUrl?: string | null;
    opencostToken?: string | null;
    caCertificate?: string | null;
  } = {};
  const changed: string[] = [];
  const from: Record<string, unknown> = {};
  const to: Record<string, unknown> = {};
  for (const field of ['name', 'apiUrl', 'maxUsers', 'status'] as const) {
    const value = input[field];
    if (value !== undefined && value !== current[field]) {
      Object.assign(patch, { [field]: value });
      changed.push(field);
      from[field] = current[field];
      to[field] = value;
    }
  }
  if (
    input.metadata !== undefined &&
    JSON.stringify(input.metadata) !== JSON.stringify(current.metadata)
  ) {
    patch.metadata = JSON.stringify(input.metadata);
    changed.push('metadata');
  }
  if (input.apiKey !== undefined) {
    patch.apiKey = secrets.encrypt(input.apiKey);
    changed.push('apiKey');
  }
  if (input.kubeconfig !== undefined && (input.kubeconfig !== null || current.hasKubeconfig)) {
    patch.kubeconfig = input.kubeconfig === null ? null : secrets.encrypt(input.kubeconfig);
    changed.push('kubeconfig');
  }
  if (input.openCostUrl !== undefined && input.openCostUrl !== current.opencostUrl) {
    patch.opencostUrl = input.openCostUrl;
    changed.push('openCostUrl');
    from.openCostUrl = current.opencostUrl;
    to.openCostUrl = input.openCostUrl;
  }
  if (
    input.openCostToken !== undefined &&
    (input.openCostToken !== null || current.hasOpenCostToken)
  ) {
    patch.opencostToken =
      input.openCostToken === null ? null : secrets.encrypt(input.openCostToken);
    changed.push('openCostToken');
  }
  if (input.caCertificate !== undefined) {
    const pem = input.caCertificate === null ? null : readableCertificate(input.caCertificate);
    if (pem !== current.caCertificate) {
      patch.caCertificate = pem;
      changed.push('caCertificate');
    }
  }
  if (changed.length === 0) return readClusterView(trx, current.id);

  if (patch.maxUsers !== undefined && patch.maxUsers < current.currentUsers) {
    throw preconditionFailed(
      `Cluster ${current.name} has ${current.currentUsers} users, so its capacity cannot go below that. ` +
        'Move some accounts to another cluster first.',
    );
  }
  try {
    await trx.updateTable('hopsworksClusters').set(patch).where('id', '=', current.id).execute();
  } catch (error) {
    if (pgCode(error) === PG.uniqueViolation && patch.name) throw nameTaken(patch.name);
    throw error;
  }
  await recordAudit(
    trx,
    actor,
    'clusters.update',
    { type: 'cluster', id: current.id },
    {
      name: patch.name ?? current.name,
      changed,
      from,
      to,
    },
  );
  return readClusterView(trx, current.id);
}

export type AssignOutcome =
  | {
      status: 'assigned' | 'moved' | 'unchanged';
      ownerId: string;
      cluster: AssignedCluster;
      fromClusterId: string | null;
    }
  | { status: 'no_room'; ownerId: string; ownerEmail: string; users: number };

/**
 * An admin assigns or moves a whole account: onto a named cluster, or `auto` (the least-loaded
 * active cluster with room, eligibility waived). "No room" is returned, not thrown: the
 * 'cluster.no_room' alert written here must commit before the caller reports the error.
 */
export async function adminAssignAccount(
  trx: Transaction,
  actor: AuditActor,
  ownerId: string,
  clusterId: string | 'auto',
): Promise<AssignOutcome> {
  if (clusterId !== 'auto') {
    const result = await assignAccountTo(trx, actor, ownerId, clusterId);
    const status = result.from === clusterId ? 'unchanged' : result.from ? 'moved' : 'assigned';
    return { status, ownerId, cluster: result.cluster, fromClusterId: result.from };
  }
  const result = await autoAssignAccount(trx, actor, ownerId, { admin: true });
  switch (result.status) {
    case 'assigned':
      return { status: 'assigned', ownerId, cluster: result.cluster, fromClusterId: null };
    case 'already_assigned':
      return {
        status: 'unchanged',
        ownerId,
        cluster: result.cluster,
        fromClusterId: result.cluster.id,
      };
    case 'no_room': {
      const owner = await trx
        .selectFrom('users')
        .select('email')
        .where('id', '=', ownerId)
        .executeTakeFirstOrThrow();
      return { status: 'no_room', ownerId, ownerEmail: owner.email, users: result.users };
    }
    case 'not_eligible':
      // Cannot happen with `admin: true`; kept so a rule change cannot pass silently.
      throw preconditionFailed(`This account cannot be assigned yet: ${result.reason}.`);
  }
}

/** The sentence for an `auto` assignment that found no room. */
export function noRoomMessage(outcome: { ownerEmail: string; users: number }): string {
  const who = outcome.users === 1 ? '1 user' : `${outcome.users} users`;
  return (
    `No active cluster has room for the account of ${outcome.ownerEmail} (${who}). ` +
    'Admins have been alerted; add capacity or a cluster, then assign again.'
  );
}

/** Takes a whole account off its cluster; nothing to do when it has none. */
export async function adminUnassignAccount(trx: Transaction, actor: AuditActor, ownerId: string) {
  const result = await unassignAccount(trx, actor, ownerId);
  return {
    status: result.from ? ('unassigned' as const) : ('unchanged' as const),
    ownerId,
    fromClusterId: result.from,
    users: result.users,
  };
}
