// The collector's writing half (SPEC §9): one run's answers stored in one transaction. Each
// (cluster, hour, namespace) replaces what an earlier try stored; every user-day the run touched
// (whoever had those hours before, and whoever has them now) is recomputed from all of its hours
// and written through ingestUsage; failed hours are recorded with their sentence; a gap of more
// than three hours raises one alert.
import { sql } from 'kysely';
import type { AuditActor } from '../../actor.ts';
import type { Transaction } from '../../db.ts';
import { utcToday } from '../../days.ts';
import type { NamespaceHour } from '../../integrations/opencost.ts';
import { divideHalfEven, parseDecimal, pow10, printUnits, unitsAt } from '../../decimal.ts';
import { emitEvent } from '../../outbox.ts';
import type { SecretBox } from '../../secrets.ts';
import type { MailQueueDeps } from '../mail/outbox.ts';
import { ingestUsage, MAX_INGEST_RECORDS, type UsageRecordInput } from '../usage/ingest.ts';
import { collectionHealth, type UnmappedReason } from './health.ts';

/** Namespaces of the platform itself: recorded, never anyone's usage. */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'opencost',
  'hopsworks',
]);

/** Who writes collected usage, in the audit log and the ledger. */
export const COLLECTOR_ACTOR: AuditActor = {
  userId: null,
  via: 'system',
  isAdmin: true,
  label: 'system:opencost-collector',
};

export interface Cluster {
  id: string;
  name: string;
  apiUrl: string;
  apiKey: string;
  openCostUrl: string;
  openCostToken: string | null;
  caCertificate: string | null;
}

/** An hour read from OpenCost, each namespace with its person or why it has none. */
export interface FetchedHour {
  hour: number;
  namespaces: Map<string, NamespaceHour>;
}

export interface FailedHour {
  hour: number;
  error: string;
}

/** What writing needs: the key for secrets and the mailer, for the mails an ingestion queues. */
export interface WriteDeps {
  secrets: SecretBox;
  mail?: MailQueueDeps['mail'];
}

/** Whose a namespace's usage is: a user id, or why nobody's. */
function ownerOf(
  owners: Map<string, string>,
  namespace: string,
): { userId: string } | { reason: UnmappedReason } {
  if (SYSTEM_NAMESPACES.has(namespace)) return { reason: 'system' };
  const userId = owners.get(namespace);
  if (userId === undefined) return { reason: 'no_project' };
  if (userId === '') return { reason: 'no_person' };
  return { userId };
}

export interface Written {
  hours: number;
  namespaces: number;
  unmapped: number;
  users: number;
  partial: number;
}

export async function writeRun(
  trx: Transaction,
  deps: WriteDeps,
  cluster: Cluster,
  now: Date,
  fetched: readonly FetchedHour[],
  failed: readonly FailedHour[],
  owners: Map<string, string>,
): Promise<Written> {
  const touched = new Map<string, Set<string>>(); // user id → days
  const touch = (userId: string, day: string) => {
    const days = touched.get(userId);
    if (days) days.add(day);
    else touched.set(userId, new Set([day]));
  };
  const dayOf = (hour: Date | number) => new Date(hour).toISOString().slice(0, 10);
  const namespaces = new Set<string>();
  const unmappedNamespaces = new Set<string>();
  let partial = 0;

  if (fetched.length > 0) {
    const hours = fetched.map((f) => new Date(f.hour).toISOString());
    // Whoever the hours were billed to before loses them: their days are recomputed too.
    const { rows: before } = await sql<{ userId: string | null; hour: Date }>`
      DELETE FROM usage_hourly
      WHERE cluster_id = ${cluster.id}::uuid AND hour = ANY(${hours}::timestamptz[])
      RETURNING user_id, hour`.execute(trx);
    for (const b of before) if (b.userId !== null) touch(b.userId, dayOf(b.hour));

    const rows = {
      hour: [] as string[],
      namespace: [] as string[],
      userId: [] as (string | null)[],
      reason: [] as (string | null)[],
      minutes: [] as string[],
      cpu: [] as string[],
      gpu: [] as string[],
      ram: [] as string[],
      pv: [] as string[],
      net: [] as string[],
    };
    const summaries = {
      hour: [] as string[],
      state: [] as string[],
      minutes: [] as string[],
      namespaces: [] as number[],
      unmapped: [] as number[],
    };
    for (const { hour, namespaces: hourNamespaces } of fetched) {
      const at = new Date(hour).toISOString();
      const day = at.slice(0, 10);
      // The hour's coverage: the most minutes any namespace's allocation covers.
      let coverage = '0';
      let unmapped = 0;
      for (const [namespace, figures] of hourNamespaces) {
        const owner = ownerOf(owners, namespace);
        namespaces.add(namespace);
        if ('reason' in owner) {
          unmapped += 1;
          unmappedNamespaces.add(namespace);
        } else {
          touch(owner.userId, day);
        }
        // Plain decimals of JS numbers (the OpenCost client's), so Number reads them exactly.
        if (Number(figures.minutes) > Number(coverage)) coverage = figures.minutes;
        rows.hour.push(at);
        rows.namespace.push(namespace);
        rows.userId.push('userId' in owner ? owner.userId : null);
        rows.reason.push('reason' in owner ? owner.reason : null);
        rows.minutes.push(figures.minutes);
        rows.cpu.push(figures.cpuCoreHours);
        rows.gpu.push(figures.gpuHours);
        rows.ram.push(figures.ramByteHours);
        rows.pv.push(figures.pvByteHours);
        rows.net.push(figures.networkTransferBytes);
      }
      const complete = Number(coverage) >= 60;
      if (!complete) partial += 1;
      summaries.hour.push(at);
      summaries.state.push(complete ? 'complete' : 'partial');
      summaries.minutes.push(coverage);
      summaries.namespaces.push(hourNamespaces.size);
      summaries.unmapped.push(unmapped);
    }
    if (rows.hour.length > 0) {
      await sql`
        INSERT INTO usage_hourly (cluster_id, hour, namespace, user_id, unmapped_reason, minutes,
          cpu_core_hours, gpu_hours, ram_byte_hours, pv_byte_hours, network_transfer_bytes)
        SELECT ${cluster.id}::uuid, r.*
        FROM unnest(${rows.hour}::timestamptz[], ${rows.namespace}::text[], ${rows.userId}::text[],
                    ${rows.reason}::text[], ${rows.minutes}::numeric[], ${rows.cpu}::numeric[],
                    ${rows.gpu}::numeric[], ${rows.ram}::numeric[], ${rows.pv}::numeric[],
                    ${rows.net}::numeric[])
          AS r(hour, namespace, user_id, unmapped_reason, minutes, cpu, gpu, ram, pv, net)`.execute(
        trx,
      );
    }
    await sql`
      INSERT INTO usage_collection_hours AS h (cluster_id, hour, state, attempts, minutes,
        namespaces, unmapped, last_error, collected_at)
      SELECT ${cluster.id}::uuid, s.hour, s.state, 1, s.minutes, s.namespaces, s.unmapped, NULL, now()
      FROM unnest(${summaries.hour}::timestamptz[], ${summaries.state}::text[],
                  ${summaries.minutes}::numeric[], ${summaries.namespaces}::int[],
                  ${summaries.unmapped}::int[]) AS s(hour, state, minutes, namespaces, unmapped)
      ON CONFLICT (cluster_id, hour) DO UPDATE SET
        state = EXCLUDED.state, attempts = h.attempts + 1, minutes = EXCLUDED.minutes,
        namespaces = EXCLUDED.namespaces, unmapped = EXCLUDED.unmapped, last_error = NULL,
        collected_at = now()`.execute(trx);
  }
  await markFailed(trx, cluster.id, failed);

  const users = await recomputeDays(trx, deps, cluster, now, touched);
  await checkGap(trx, cluster, now);
  return {
    hours: fetched.length,
    namespaces: namespaces.size,
    unmapped: unmappedNamespaces.size,
    users,
    partial,
  };
}

/** Records failed tries: the hour keeps whatever an earlier try stored, and is tried again. */
export async function markFailed(
  trx: Transaction,
  clusterId: string,
  failed: readonly FailedHour[],
) {
  if (failed.length === 0) return;
  await sql`
    INSERT INTO usage_collection_hours AS h (cluster_id, hour, state, attempts, last_error,
      collected_at)
    SELECT ${clusterId}::uuid, f.hour, 'failed', 1, f.error, now()
    FROM unnest(${failed.map((f) => new Date(f.hour).toISOString())}::timestamptz[],
                ${failed.map((f) => f.error)}::text[]) AS f(hour, error)
    ON CONFLICT (cluster_id, hour) DO UPDATE SET
      state = 'failed', attempts = h.attempts + 1, last_error = EXCLUDED.last_error,
      collected_at = now()`.execute(trx);
}

const GIB = 2n ** 30n;

interface HourSums {
  userId: string;
  date: string;
  clusterId: string | null;
  namespace: string | null;
  cpu: string | null;
  gpu: string | null;
  ram: string | null;
  pv: string | null;
  net: string | null;
  lastHour: string | null;
}

/** The figures summed, each an exact integer count of 10^-scale (PostgreSQL's sums, as text). */
interface Sums {
  scale: number;
  cpu: bigint;
  gpu: bigint;
  ram: bigint;
  pv: bigint;
  net: bigint;
}

function sumsOf(parts: readonly HourSums[]): Sums {
  const figures = parts.map((p) =>
    [p.cpu, p.gpu, p.ram, p.pv, p.net].map((text) =>
      text === null ? { units: 0n, scale: 0 } : parseDecimal(text),
    ),
  );
  const scale = Math.max(0, ...figures.flat().map((f) => f.scale));
  const sums: Sums = { scale, cpu: 0n, gpu: 0n, ram: 0n, pv: 0n, net: 0n };
  // At the largest scale of its figures, every figure is exact in units.
  for (const [cpu, gpu, ram, pv, net] of figures) {
    sums.cpu += unitsAt(cpu!, scale);
    sums.gpu += unitsAt(gpu!, scale);
    sums.ram += unitsAt(ram!, scale);
    sums.pv += unitsAt(pv!, scale);
    sums.net += unitsAt(net!, scale);
  }
  return sums;
}

/**
 * A day's quantities from its sums, each rounded once, half-even, to the stored 4 decimals, in
 * exact integers: CPU and GPU hours as summed, RAM and egress bytes ÷ 2³⁰, online storage the
 * day's average (Σ volume byte-hours ÷ 2³⁰ ÷ 24).
 */
function quantitiesOf(s: Sums) {
  const at4 = (units: bigint, divisor: bigint) =>
    printUnits(divideHalfEven(units * 10_000n, divisor * pow10(s.scale)), 4);
  return {
    cpuHours: at4(s.cpu, 1n),
    gpuHours: at4(s.gpu, 1n),
    ramGbHours: at4(s.ram, GIB),
    onlineStorageGb: at4(s.pv, GIB * 24n),
    offlineStorageGb: '0.0000',
    networkEgressGb: at4(s.net, GIB),
  };
}

/**
 * Every touched user-day recomputed from all of its hours (on any cluster) and written through
 * ingestUsage (see quantitiesOf); `project_breakdown` holds each namespace's quantities. Answers
 * how many people it wrote.
 */
async function recomputeDays(
  trx: Transaction,
  deps: WriteDeps,
  cluster: Cluster,
  now: Date,
  touched: Map<string, Set<string>>,
): Promise<number> {
  if (touched.size === 0) return 0;
  const userIds: string[] = [];
  const dates: string[] = [];
  for (const [userId, days] of touched) {
    for (const day of days) {
      userIds.push(userId);
      dates.push(day);
    }
  }
  const { rows } = await sql<HourSums>`
    SELECT t.user_id, t.date::text AS date, h.cluster_id::text AS cluster_id, h.namespace,
           sum(h.cpu_core_hours)::text AS cpu, sum(h.gpu_hours)::text AS gpu,
           sum(h.ram_byte_hours)::text AS ram, sum(h.pv_byte_hours)::text AS pv,
           sum(h.network_transfer_bytes)::text AS net, to_json(max(h.hour))#>>'{}' AS last_hour
    FROM unnest(${userIds}::text[], ${dates}::date[]) AS t(user_id, date)
    LEFT JOIN usage_hourly h
      ON h.user_id = t.user_id
     AND h.hour >= t.date::timestamp AT TIME ZONE 'UTC'
     AND h.hour < (t.date + 1)::timestamp AT TIME ZONE 'UTC'
    GROUP BY t.user_id, t.date, h.cluster_id, h.namespace
    ORDER BY t.user_id, t.date, h.namespace`.execute(trx);

  // The rows come a user-day at a time, and within it a namespace at a time (one row per cluster
  // it ran on); a day without hours is one row without a namespace.
  const records: UsageRecordInput[] = [];
  for (let first = 0; first < rows.length;) {
    const { userId, date } = rows[first]!;
    let end = first + 1;
    while (end < rows.length && rows[end]!.userId === userId && rows[end]!.date === date) end++;
    const withHours = rows.slice(first, end).filter((p) => p.namespace !== null);
    first = end;
    const breakdown: Record<string, ReturnType<typeof quantitiesOf>> = {};
    // The day's cluster: where the person's newest hour of it was.
    let newest: HourSums | undefined;
    let newestAt = -Infinity;
    for (let i = 0; i < withHours.length;) {
      const namespace = withHours[i]!.namespace!;
      let j = i + 1;
      while (j < withHours.length && withHours[j]!.namespace === namespace) j++;
      breakdown[namespace] = quantitiesOf(sumsOf(withHours.slice(i, j)));
      for (; i < j; i++) {
        const lastAt = Date.parse(withHours[i]!.lastHour!);
        if (lastAt > newestAt) [newest, newestAt] = [withHours[i], lastAt];
      }
    }
    const namespaces = Object.values(breakdown);
    records.push({
      userId,
      date,
      hopsworksClusterId: newest?.clusterId ?? cluster.id,
      projectBreakdown: breakdown,
      // One namespace (one cluster): the day is its namespace's.
      ...(withHours.length === 1 ? namespaces[0]! : quantitiesOf(sumsOf(withHours))),
    });
  }
  const today = utcToday(now);
  for (let at = 0; at < records.length; at += MAX_INGEST_RECORDS) {
    await ingestUsage(trx, COLLECTOR_ACTOR, records.slice(at, at + MAX_INGEST_RECORDS), {
      today,
      mail: { mail: deps.mail, secrets: deps.secrets },
    });
  }
  return touched.size;
}

/**
 * A gap (more than GAP_HOURS completed hours not collected) raises `clusters.collection_gap`
 * once; it may be raised again after the cluster has caught up.
 */
async function checkGap(trx: Transaction, cluster: Cluster, now: Date): Promise<void> {
  // The cluster's row, locked for the rest of the transaction, with this run's time on it.
  const { rows } = await sql<{ gapAlertedAt: Date | null }>`
    INSERT INTO usage_collection_clusters AS c (cluster_id, last_run_at)
    VALUES (${cluster.id}::uuid, now())
    ON CONFLICT (cluster_id) DO UPDATE SET last_run_at = now()
    RETURNING c.gap_alerted_at`.execute(trx);
  const alerted = rows[0]!.gapAlertedAt !== null;
  const health = (await collectionHealth(trx, [cluster.id], now)).get(cluster.id)!;
  if (health.gap && !alerted) {
    await emitEvent(trx, {
      kind: 'clusters.collection_gap',
      payload: {
        clusterId: cluster.id,
        cluster: cluster.name,
        lastHour: health.lastHour,
        hoursBehind: health.hoursBehind,
        error: health.lastError,
      },
    });
  }
  if (health.gap !== alerted) {
    await trx
      .updateTable('usageCollectionClusters')
      .set({ gapAlertedAt: health.gap ? sql<Date>`now()` : null })
      .where('clusterId', '=', cluster.id)
      .execute();
  }
}
