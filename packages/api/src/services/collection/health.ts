// How a cluster's usage collection is going (SPEC §9), as the admin pages, `/hops clusters` and the
// collector's gap alert all read it: the newest hour collected, how far behind that is, the
// partial and failing hours and the namespaces billed to nobody in the collection window.
import { sql } from 'kysely';
import type { Executor } from '../../db.ts';

/** How many completed hours a run looks back (SPEC §9: at most 48). */
export const COLLECT_HOURS_BACK = 48;
/** More completed hours than this not collected is a gap (an alert). */
export const GAP_HOURS = 3;

export const HOUR_MS = 3_600_000;

export interface CollectionHealth {
  /** ISO start of the newest UTC hour collected (complete or partial), or null. */
  lastHour: string | null;
  /** Completed hours after `lastHour` not yet collected (0: up to date); null if none ever was. */
  hoursBehind: number | null;
  /** More than GAP_HOURS behind, or nothing collected although collection was tried. */
  gap: boolean;
  /** Hours of the window kept as partial (their allocations cover less than 60 minutes). */
  partialHours: number;
  /** Hours of the window whose latest try failed. */
  failedHours: number;
  /** The newest failure among those, naming the cluster and the call; null when none fails. */
  lastError: string | null;
  lastErrorAt: string | null;
  /** Distinct namespaces of the window billed to nobody. */
  unmappedNamespaces: number;
}

/** The start of the newest completed UTC hour at `now`. */
export const lastCompletedHour = (now: Date) =>
  Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS;

/** The first hour a run at `now` looks at. */
export const windowStart = (now: Date) =>
  lastCompletedHour(now) - (COLLECT_HOURS_BACK - 1) * HOUR_MS;

interface HealthRow {
  clusterId: string;
  lastHour: string | null;
  tried: boolean;
  partialHours: number;
  failedHours: number;
  lastError: string | null;
  lastErrorAt: string | null;
  unmappedNamespaces: number;
}

/** The collection health of each of `clusterIds` (all of them, collected or not). */
export async function collectionHealth(
  db: Executor,
  clusterIds: readonly string[],
  now: Date = new Date(),
): Promise<Map<string, CollectionHealth>> {
  if (clusterIds.length === 0) return new Map();
  const from = new Date(windowStart(now)).toISOString();
  const { rows } = await sql<HealthRow>`
    SELECT c.id::text AS cluster_id,
           to_json(l.last_hour)#>>'{}' AS last_hour,
           EXISTS (SELECT 1 FROM usage_collection_hours t WHERE t.cluster_id = c.id) AS tried,
           w.partial_hours, w.failed_hours,
           f.last_error, to_json(f.collected_at)#>>'{}' AS last_error_at,
           (SELECT count(DISTINCT u.namespace)::int FROM usage_hourly u
            WHERE u.cluster_id = c.id AND u.hour >= ${from}::timestamptz AND u.user_id IS NULL
           ) AS unmapped_namespaces
    FROM unnest(${[...clusterIds]}::uuid[]) AS c(id)
    CROSS JOIN LATERAL (
      SELECT max(h.hour) AS last_hour FROM usage_collection_hours h
      WHERE h.cluster_id = c.id AND h.state <> 'failed') l
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE h.state = 'partial')::int AS partial_hours,
             count(*) FILTER (WHERE h.state = 'failed')::int AS failed_hours
      FROM usage_collection_hours h
      WHERE h.cluster_id = c.id AND h.hour >= ${from}::timestamptz) w
    LEFT JOIN LATERAL (
      SELECT h.last_error, h.collected_at FROM usage_collection_hours h
      WHERE h.cluster_id = c.id AND h.hour >= ${from}::timestamptz AND h.state = 'failed'
      ORDER BY h.collected_at DESC, h.hour DESC LIMIT 1) f ON true`.execute(db);
  const newest = lastCompletedHour(now);
  return new Map(
    rows.map((r) => {
      const hoursBehind =
        r.lastHour === null
          ? null
          : Math.max(0, Math.round((newest - Date.parse(r.lastHour)) / HOUR_MS));
      return [
        r.clusterId,
        {
          lastHour: r.lastHour === null ? null : new Date(r.lastHour).toISOString(),
          hoursBehind,
          gap: hoursBehind === null ? r.tried : hoursBehind > GAP_HOURS,
          partialHours: r.partialHours,
          failedHours: r.failedHours,
          lastError: r.lastError,
          lastErrorAt: r.lastErrorAt === null ? null : new Date(r.lastErrorAt).toISOString(),
          unmappedNamespaces: r.unmappedNamespaces,
        },
      ];
    }),
  );
}

export type HourState = 'complete' | 'partial' | 'failed';
export type UnmappedReason = 'system' | 'no_project' | 'no_person';

export interface CollectedHour {
  hour: string;
  state: HourState;
  attempts: number;
  /** The hour's coverage in minutes (the most any namespace's allocation covers), decimal. */
  minutes: string;
  namespaces: number;
  unmapped: number;
  error: string | null;
  collectedAt: string;
}

export interface UnmappedNamespace {
  namespace: string;
  reason: UnmappedReason;
  /** Hours of the window it had usage in. */
  hours: number;
  lastHour: string;
  /** Its CPU core-hours over the window, decimal: what was billed to nobody. */
  cpuCoreHours: string;
}

/** `clusters.collection`: the health, the window's hours newest first, the unmapped namespaces. */
export async function clusterCollection(
  db: Executor,
  clusterId: string,
  now: Date = new Date(),
): Promise<{ hours: CollectedHour[]; unmapped: UnmappedNamespace[] }> {
  const from = new Date(windowStart(now)).toISOString();
  const { rows: hours } = await sql<CollectedHour>`
    SELECT to_json(hour)#>>'{}' AS hour, state, attempts, minutes::text AS minutes, namespaces,
           unmapped, last_error AS error, to_json(collected_at)#>>'{}' AS collected_at
    FROM usage_collection_hours
    WHERE cluster_id = ${clusterId}::uuid AND hour >= ${from}::timestamptz
    ORDER BY hour DESC`.execute(db);
  const { rows: unmapped } = await sql<UnmappedNamespace>`
    SELECT namespace, (array_agg(unmapped_reason ORDER BY hour DESC))[1] AS reason,
           count(*)::int AS hours, to_json(max(hour))#>>'{}' AS last_hour,
           sum(cpu_core_hours)::text AS cpu_core_hours
    FROM usage_hourly
    WHERE cluster_id = ${clusterId}::uuid AND hour >= ${from}::timestamptz AND user_id IS NULL
    GROUP BY namespace
    ORDER BY sum(cpu_core_hours) DESC, namespace`.execute(db);
  const iso = (at: string) => new Date(at).toISOString();
  return {
    hours: hours.map((h) => ({ ...h, hour: iso(h.hour), collectedAt: iso(h.collectedAt) })),
    unmapped: unmapped.map((u) => ({ ...u, lastHour: iso(u.lastHour) })),
  };
}
