// Shared pieces of the reliability suite: the database invariants every scenario ends on, a
// fingerprint of the state a refused call must leave untouched, and plain-HTTP tRPC calls that
// never throw (a network error is an answer too).
import { sql } from 'kysely';
import { COST_FIELDS, columnOf, QUANTITY_FIELDS, type QuantityField } from '@hops/api/resources';
import type { Db } from '@hops/db';

/** total_cost's parts, as the schema's check adds them. */
const COST_SUM = sql.raw(COST_FIELDS.map(columnOf).join(' + '));

/**
 * SPEC §2–§3 invariants; returns one sentence per violation (empty when all hold):
 * - current_users equals the number of assignments of each cluster;
 * - a cluster holds at most max_users account owners (only members may overflow it, §3.3);
 * - a team is never split: every member is on their owner's cluster (or both on none);
 * - for every owner, the ledger sums equal the user_credits totals, and nothing is overdrawn;
 * - at most one open invite per (owner, lower(email));
 * - every usage row's total_cost is the sum of its cost columns.
 */
export async function invariantViolations(db: Db): Promise<string[]> {
  const { rows } = await sql<{ problem: string }>`
    SELECT format('cluster %s: current_users %s but %s assignments', c.name, c.current_users,
                  coalesce(a.n, 0)) AS problem
    FROM hopsworks_clusters c
    LEFT JOIN (SELECT hopsworks_cluster_id, count(*) AS n FROM user_hopsworks_assignments
               GROUP BY 1) a ON a.hopsworks_cluster_id = c.id
    WHERE c.current_users <> coalesce(a.n, 0)
    UNION ALL
    SELECT format('cluster %s: %s owners on %s places', c.name, count(*), c.max_users)
    FROM hopsworks_clusters c
    JOIN user_hopsworks_assignments a ON a.hopsworks_cluster_id = c.id
    JOIN users u ON u.id = a.user_id AND u.account_owner_id IS NULL
    GROUP BY c.id, c.name, c.max_users
    HAVING count(*) > c.max_users
    UNION ALL
    SELECT format('member %s is not on the cluster of owner %s', m.id, m.account_owner_id)
    FROM users m
    LEFT JOIN user_hopsworks_assignments ma ON ma.user_id = m.id
    LEFT JOIN user_hopsworks_assignments oa ON oa.user_id = m.account_owner_id
    WHERE m.account_owner_id IS NOT NULL
      AND ma.hopsworks_cluster_id IS DISTINCT FROM oa.hopsworks_cluster_id
    UNION ALL
    SELECT format('owner %s: ledger does not match user_credits', c.user_id)
    FROM user_credits c
    WHERE c.total_purchased - c.total_used
            <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions t
                WHERE t.user_id = c.user_id AND t.pool = 'paid')
       OR c.free_credits_granted - c.free_credits_used
            <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions t
                WHERE t.user_id = c.user_id AND t.pool = 'free')
       OR c.total_used > c.total_purchased OR c.free_credits_used > c.free_credits_granted
       OR c.unpaid_usage < 0
    UNION ALL
    SELECT format('owner %s: %s open invites for %s', account_owner_id, count(*), lower(email))
    FROM team_invites WHERE accepted_at IS NULL AND revoked_at IS NULL
    GROUP BY account_owner_id, lower(email) HAVING count(*) > 1
    UNION ALL
    SELECT format('usage row %s: total_cost is not the sum of its parts', id)
    FROM usage_daily
    WHERE total_cost <> ${COST_SUM}`.execute(db);
  return rows.map((r) => r.problem);
}

/**
 * Everything a procedure may change, as one text: row counts of every table, the money, and the
 * mutable columns of users, clusters, invites and credits. Equal before and after a refused call.
 */
export async function stateFingerprint(db: Db): Promise<string> {
  const { rows } = await sql<{ fingerprint: string }>`
    SELECT concat_ws(' | ',
      'users ' || (SELECT count(*) FROM users),
      'invites ' || (SELECT count(*) FROM team_invites),
      'credits ' || (SELECT count(*) FROM user_credits),
      'usage ' || (SELECT count(*) FROM usage_daily),
      'clusters ' || (SELECT count(*) FROM hopsworks_clusters),
      'assignments ' || (SELECT count(*) FROM user_hopsworks_assignments),
      'ledger ' || (SELECT count(*) || '/' || coalesce(sum(amount), 0) FROM credit_transactions),
      'audit ' || (SELECT count(*) FROM audit_log),
      'events ' || (SELECT count(*) FROM events),
      'cursors ' || (SELECT md5(coalesce(string_agg(consumer || last_event_id, ',' ORDER BY consumer), ''))
                     FROM event_cursors),
      'cost ' || (SELECT coalesce(sum(total_cost), 0) FROM usage_daily),
      'user rows ' || (SELECT md5(coalesce(string_agg(concat_ws(',', id, email, status, is_admin,
                         account_owner_id, billing_mode, feature_flags::text), ';' ORDER BY id), ''))
                       FROM users),
      'cluster rows ' || (SELECT md5(coalesce(string_agg(concat_ws(',', id, name, api_url, api_key,
                         kubeconfig, max_users, current_users, status), ';' ORDER BY id), ''))
                          FROM hopsworks_clusters),
      'assignment rows ' || (SELECT md5(coalesce(string_agg(user_id || hopsworks_cluster_id, ';'
                         ORDER BY user_id), '')) FROM user_hopsworks_assignments),
      'invite rows ' || (SELECT md5(coalesce(string_agg(concat_ws(',', id, token, expires_at,
                         accepted_at, revoked_at, project_role), ';' ORDER BY id), ''))
                         FROM team_invites),
      'credit rows ' || (SELECT md5(coalesce(string_agg(concat_ws(',', user_id, total_purchased,
                         total_used, free_credits_granted, free_credits_used, unpaid_usage), ';'
                         ORDER BY user_id), '')) FROM user_credits)
    ) AS fingerprint`.execute(db);
  return rows[0]!.fingerprint;
}

export interface Answer {
  /** HTTP status; 0 when no answer came (the error code is in `error`). */
  status: number;
  body: {
    result?: { data: unknown };
    error?: { message?: unknown; code?: unknown; data?: { code?: string; httpStatus?: number } };
  } | null;
  /** Network error code, when there was no answer. */
  error?: string;
  ms: number;
}

/** An HTTP response as an Answer: its status, its body when it is JSON (else null), the time taken. */
export async function answerOf(response: Response, started: number): Promise<Answer> {
  const text = await response.text();
  let body: Answer['body'] = null;
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = null;
  }
  return { status: response.status, body, ms: performance.now() - started };
}

/** One tRPC call over HTTP as curl makes it (GET for queries, POST for mutations); never throws. */
export async function call(
  baseUrl: string,
  path: string,
  kind: 'query' | 'mutation',
  input: unknown,
  headers: Record<string, string> = {},
  options: { timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  try {
    const response =
      kind === 'query'
        ? await fetch(
            `${baseUrl}/trpc/${path}${
              input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`
            }`,
            { headers, signal },
          )
        : await fetch(`${baseUrl}/trpc/${path}`, {
            method: 'POST',
            // As the dashboard's browser sends it; without it a cookie caller is refused (SPEC §12).
            headers: {
              'content-type': 'application/json',
              'sec-fetch-site': 'same-origin',
              ...headers,
            },
            body: input === undefined ? '' : JSON.stringify(input),
            signal,
          });
    return await answerOf(response, started);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return {
      status: 0,
      body: null,
      error: cause?.code ?? (error as Error).name ?? String(error),
      ms: performance.now() - started,
    };
  }
}

/** The refusal's sentence, or null when the answer is not a refusal with a readable message. */
export function refusalMessage(answer: Answer): string | null {
  const message = answer.body?.error?.message;
  if (typeof message !== 'string' || message.trim().length === 0) return null;
  // No stack traces, no internal error names: a sentence for a person.
  if (/\n\s+at |TRPCError|TypeError|ReferenceError|undefined is not/.test(message)) return null;
  return message;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts of answers by status (and network error code), for the failure messages. */
export function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status === 0 ? `network:${a.error}` : String(a.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** One user-day of usage with small, varied quantities (decimal strings, as collectors send). */
export function usageRecord(userId: string, date: string, seed: number) {
  const q = (factor: number) =>
    ((((seed * 7919 + factor * 104729) % 100000) + 1) / 1000).toFixed(3);
  const quantities = QUANTITY_FIELDS.map((field, i) => [
    field,
    field === 'gpuHours' && seed % 3 !== 0 ? '0' : q(i + 1),
  ]);
  return { userId, date, ...(Object.fromEntries(quantities) as Record<QuantityField, string>) };
}
