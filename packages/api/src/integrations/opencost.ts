// The one client module for a cluster's OpenCost (SPEC §9): one completed UTC hour at a time, by
// absolute, hour-aligned RFC 3339 windows (never relative ones, whose hours drift as the window
// shifts), aggregated by namespace. The answer is checked before anything is stored: `code` must
// be 200, every figure a finite, non-negative, plausible number, and every allocation's window the
// hour asked for; otherwise an IntegrationError names the cluster, the call and what was wrong.
import { IntegrationError, requestJson, type ClusterEndpoint } from './https.ts';

export interface OpenCostCluster {
  name: string;
  /** The OpenCost API base, e.g. through the Kubernetes API server's service proxy. */
  url: string;
  /** Bearer token, or null. */
  token: string | null;
  caCertificate: string | null;
  timeoutMs?: number;
}

/** The figures of one namespace in one hour, as exact decimal strings. */
export interface NamespaceHour {
  minutes: string;
  cpuCoreHours: string;
  gpuHours: string;
  ramByteHours: string;
  pvByteHours: string;
  networkTransferBytes: string;
}

/**
 * Upper bounds per namespace and hour past which a figure is a fault, not usage: an hour has 60
 * minutes; 100 000 cores or GPUs; 1 PiB of RAM or volumes held for the hour; 1 PiB moved.
 */
const LIMITS: Record<keyof NamespaceHour, number> = {
  minutes: 60,
  cpuCoreHours: 100_000,
  gpuHours: 100_000,
  ramByteHours: 2 ** 50,
  pvByteHours: 2 ** 50,
  networkTransferBytes: 2 ** 50,
};

const HOUR_MS = 3_600_000;

/** A finite JS number as a plain decimal string (no exponent): 1e-7 → "0.0000001". */
export function plainDecimal(value: number): string {
  const text = String(value);
  if (!text.includes('e')) return text;
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, rest = '', exp] = match;
  const digits = `${lead}${rest}`;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `2026-12-01T10:00:00Z`: RFC 3339, UTC, whole seconds. */
const rfc3339 = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function openCostClient(cluster: OpenCostCluster) {
  const endpoint: ClusterEndpoint = {
    system: 'OpenCost',
    cluster: cluster.name,
    caCertificate: cluster.caCertificate,
    ...(cluster.timeoutMs ? { timeoutMs: cluster.timeoutMs } : {}),
  };
  const base = cluster.url.replace(/\/+$/, '');

  return {
    /**
     * The allocations of the UTC hour starting at `hourStart` (which must be on the hour), by
     * namespace. Throws an IntegrationError for any answer that is not exactly that.
     */
    async hour(hourStart: Date): Promise<Map<string, NamespaceHour>> {
      if (hourStart.getTime() % HOUR_MS !== 0) {
        throw new Error(`An OpenCost hour starts on the hour, not at ${hourStart.toISOString()}.`);
      }
      const start = rfc3339(hourStart);
      const end = rfc3339(new Date(hourStart.getTime() + HOUR_MS));
      const call = `GET /allocation/compute ${start}`;
      const query = new URLSearchParams({
        window: `${start},${end}`,
        aggregate: 'namespace',
        step: '1h',
        accumulate: 'false',
        includeIdle: 'false',
      });
      const answer = await requestJson(endpoint, {
        call,
        url: `${base}/allocation/compute?${query}`,
        headers: cluster.token ? { authorization: `Bearer ${cluster.token}` } : {},
      });
      const wrong = (what: string) =>
        new IntegrationError('OpenCost', cluster.name, call, `answered ${what}.`, 200, true);
      if (!isRecord(answer)) throw wrong('something that is not an allocation set');
      if (answer.code !== 200) throw wrong(`code ${JSON.stringify(answer.code)} instead of 200`);
      if (!Array.isArray(answer.data)) throw wrong('no data');
      const hours = new Map<string, NamespaceHour>();
      // The window last found to be the hour's: the same strings again need no parsing.
      let hourStartText: unknown;
      let hourEndText: unknown;
      for (const set of answer.data) {
        if (set === null) continue; // an empty step
        if (!isRecord(set)) throw wrong('a step that is not a set of allocations');
        for (const namespace in set) {
          if (!Object.hasOwn(set, namespace)) continue;
          const allocation = set[namespace];
          if (!isRecord(allocation)) throw wrong(`no allocation for ${namespace}`);
          const window = isRecord(allocation.window) ? allocation.window : allocation;
          if (window.start !== hourStartText || window.end !== hourEndText) {
            const from = Date.parse(String(window.start ?? ''));
            const to = Date.parse(String(window.end ?? ''));
            if (from !== hourStart.getTime() || to !== hourStart.getTime() + HOUR_MS) {
              throw wrong(
                `the window ${String(window.start)} – ${String(window.end)} for ${namespace} instead of ${start} – ${end}`,
              );
            }
            hourStartText = window.start;
            hourEndText = window.end;
          }
          if (hours.has(namespace)) throw wrong(`${namespace} twice`);
          const figure = (field: keyof NamespaceHour): string => {
            const value = allocation[field];
            if (typeof value !== 'number' || !Number.isFinite(value)) {
              throw wrong(`${field} = ${JSON.stringify(value)} for ${namespace}, not a number`);
            }
            if (value < 0 || value > LIMITS[field]) {
              throw wrong(`${field} = ${value} for ${namespace}, outside 0 to ${LIMITS[field]}`);
            }
            return plainDecimal(value);
          };
          hours.set(namespace, {
            minutes: figure('minutes'),
            cpuCoreHours: figure('cpuCoreHours'),
            gpuHours: figure('gpuHours'),
            ramByteHours: figure('ramByteHours'),
            pvByteHours: figure('pvByteHours'),
            networkTransferBytes: figure('networkTransferBytes'),
          });
        }
      }
      return hours;
    },
  };
}

export type OpenCostClient = ReturnType<typeof openCostClient>;
