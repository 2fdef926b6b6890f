// The usage reporter (SPEC §8): for every postpaid account with a subscription, each UTC day whose
// stored total differs from what Stripe was last told goes out as one meter event with the day's
// whole total. One run at a time across replicas; nothing lost, nothing counted twice.
import { sql } from 'kysely';
import type { Db } from '@hops/db';
import type { Logger } from '../../context.ts';
import { daysBetween, utcToday } from '../../days.ts';
import { conflict } from '../../errors.ts';
import { StripeCallError, type StripeApi } from '../../integrations/stripe.ts';
import { emitEvent } from '../../outbox.ts';
import { requireStripe, type BillingDeps } from './account.ts';
import { enqueue } from '../../jobs/queue.ts';
import {
  insertRevisions,
  markIncluded,
  markSent,
  recordFailure,
  reportDays,
  reportedAccounts,
  usdOf,
  type Included,
  type LatestReport,
  type NewRevision,
  type ReportDay,
  type ReportedAccount,
} from './report-store.ts';

export interface ReportResult {
  /** Accounts that had at least one meter event accepted in this run. */
  accounts: number;
  /** Meter events Stripe accepted in this run (re-sends after a crash included). */
  events: number;
  /** Their units (ten-thousandths of a USD), summed, as an integer string. */
  units: string;
  /**
   * Seconds Stripe asked us to wait (429 with Retry-After) when that stopped the run, else null.
   * The next run is then already queued for that moment.
   */
  retryAfter: number | null;
}

export type ReportDeps = Pick<BillingDeps, 'stripe'> & { log?: Logger | undefined };

/**
 * Stripe takes meter events up to 35 days back; a day this many days before today may already be
 * out of that window at the time of day the run happens, so it is never sent (flagged `late`).
 */
export const LATE_AFTER_DAYS = 35;

/** Accounts whose candidate days are read in one query. */
const CHUNK = 200;

/** pg_try_advisory_lock key of the reporter (the outbox's is 7 060 001). */
const REPORT_LOCK = 7_060_002;

/** The reporter's job: one waiting run at most; a failing run is retried a few times. */
export const REPORT_JOB = { jobKey: 'billing:report-usage', maxAttempts: 3 } as const;

export const REPORT_BUSY =
  'A usage report is already running on another server; it will include this change. Try again in a minute.';

/**
 * One run. The lock is a session-level advisory lock on a connection reserved for the whole run:
 * it covers the periodic job and billing.reportNow alike (a queue job key alone would not stop an
 * admin's reportNow, nor a tick's job while the previous one still runs), and dies with its
 * connection if the process does. Throws CONFLICT (REPORT_BUSY) when another run holds it.
 */
export async function reportUsage(
  db: Db,
  deps: ReportDeps,
  options: { now?: Date } = {},
): Promise<ReportResult> {
  const stripe = requireStripe(deps);
  return db.connection().execute(async (lockConnection) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_lock(${REPORT_LOCK}) AS locked`.execute(lockConnection);
    if (!rows[0]!.locked) throw conflict(REPORT_BUSY);
    try {
      return await reportAll(db, stripe, deps.log, options.now ?? new Date());
    } finally {
      await sql`SELECT pg_advisory_unlock(${REPORT_LOCK})`.execute(lockConnection);
    }
  });
}

/** Why a run stops an account (`skip`) or itself (`stop`: Stripe asked us to wait). */
type Outcome = 'ok' | 'skip' | 'stop';

interface Run {
  db: Db;
  stripe: StripeApi;
  log: Logger | undefined;
  now: Date;
  today: string;
  accounts: number;
  events: number;
  units: bigint;
  retryAfter: number | null;
}

async function reportAll(
  db: Db,
  stripe: StripeApi,
  log: Logger | undefined,
  now: Date,
): Promise<ReportResult> {
  const run: Run = {
    db,
    stripe,
    log,
    now,
    today: utcToday(now),
    accounts: 0,
    events: 0,
    units: 0n,
    retryAfter: null,
  };
  const accounts = await reportedAccounts(db);
  chunks: for (let at = 0; at < accounts.length; at += CHUNK) {
    const chunk = accounts.slice(at, at + CHUNK);
    const days = await reportDays(
      db,
      chunk.map((a) => a.ownerId),
    );
    for (const account of chunk) {
      const owned = days.get(account.ownerId);
      if (!owned) continue;
      const eventsBefore = run.events;
      const outcome = await reportAccount(run, account, owned);
      if (run.events > eventsBefore) run.accounts += 1;
      if (outcome === 'stop') break chunks;
    }
  }
  if (run.retryAfter !== null) {
    // Stripe said when to come back: the next run is queued for then, not for the next tick.
    const runAt = new Date(Date.now() + run.retryAfter * 1000);
    await db
      .transaction()
      .execute((trx) => enqueue(trx, 'billing.reportUsage', {}, { ...REPORT_JOB, runAt }));
  }
  return {
    accounts: run.accounts,
    events: run.events,
    units: run.units.toString(),
    retryAfter: run.retryAfter,
  };
}

/**
 * One account: revisions left pending by an earlier run go out first (their own identifiers and
 * timestamps, so Stripe counts each once); then every changed day gets its next revision, all
 * written in one transaction before any is sent, and goes out; what Stripe took is marked in one
 * more. A crash anywhere leaves rows pending, and the next run re-sends them as they were.
 */
async function reportAccount(
  run: Run,
  account: ReportedAccount,
  candidates: ReportDay[],
): Promise<Outcome> {
  let days = candidates;
  const leftovers = days.filter((d) => d.latest?.state === 'pending');
  if (leftovers.length > 0) {
    const outcome = await sendAll(
      run,
      account,
      leftovers.map((d) => ({ ...d.latest!, date: d.date })),
    );
    if (outcome !== 'ok') return outcome;
    days = (await reportDays(run.db, [account.ownerId])).get(account.ownerId) ?? [];
  }

  const plan = planDays(days, run.today);
  const pending = await run.db.transaction().execute(async (trx) => {
    await markIncluded(trx, account.ownerId, plan.mark);
    const late = await insertRevisions(
      trx,
      account.ownerId,
      plan.late.map(({ day }) => ({
        date: day.date,
        units: day.units,
        revision: (day.latest?.revision ?? 0) + 1,
        state: 'late' as const,
        error: `Stripe takes usage up to ${LATE_AFTER_DAYS} days back; this correction came too late.`,
      })),
      run.now,
    );
    for (const [i, { day }] of plan.late.entries()) {
      await emitEvent(trx, {
        kind: 'billing.late_correction',
        payload: {
          ownerId: account.ownerId,
          email: account.email,
          date: day.date,
          revision: late[i]!.revision,
          reported: usdOf(day.sentUnits ?? 0n),
          stored: usdOf(day.units),
        },
      });
    }
    return insertRevisions(trx, account.ownerId, plan.send, run.now);
  });
  for (const { day } of plan.late) {
    run.log?.warn(
      { ownerId: account.ownerId, date: day.date },
      'usage report: a correction older than 35 days cannot reach Stripe',
    );
  }
  return sendAll(run, account, pending);
}

interface Plan {
  /** Unchanged days whose rows are not all marked (changed, then changed back). */
  mark: Included[];
  /** Changed days too old for Stripe. */
  late: { day: ReportDay }[];
  /** Changed days' next revisions, to go out. */
  send: NewRevision[];
}

/** What each day needs, from what is stored and what Stripe was last told (no pending rows). */
function planDays(days: readonly ReportDay[], today: string): Plan {
  const plan: Plan = { mark: [], late: [], send: [] };
  for (const day of days) {
    const told = day.sentUnits;
    const latest = day.latest;
    if (latest?.state === 'pending') continue; // left by a send that stopped this account
    if (day.units === (told ?? 0n)) {
      if (told !== null && !day.marked) plan.mark.push({ date: day.date, units: told });
      continue;
    }
    // Already refused for good, or already flagged late, for exactly this total: said once.
    if (latest && latest.state !== 'sent' && latest.units === day.units) continue;
    if (daysBetween(day.date, today) >= LATE_AFTER_DAYS) {
      plan.late.push({ day });
      continue;
    }
    const revision = (latest?.revision ?? 0) + 1;
    plan.send.push({ date: day.date, units: day.units, revision, state: 'pending' });
  }
  return plan;
}

/**
 * Sends the revisions in order until Stripe refuses in a way that stops the account or the run,
 * then marks what it took in one transaction.
 */
async function sendAll(
  run: Run,
  account: ReportedAccount,
  reports: readonly (LatestReport & { date: string })[],
): Promise<Outcome> {
  const sent: (LatestReport & { date: string })[] = [];
  let outcome: Outcome = 'ok';
  for (const report of reports) {
    const result = await send(run, account, report);
    if (result === 'sent') sent.push(report);
    if (result === 'skip' || result === 'stop') {
      outcome = result;
      break;
    }
  }
  if (sent.length > 0) {
    await run.db.transaction().execute((trx) => markSent(trx, account.ownerId, sent));
    run.events += sent.length;
    for (const report of sent) run.units += report.units;
  }
  return outcome;
}

/** The day's meter event; a refusal is written on its row (`failed`, or still `pending`). */
async function send(
  run: Run,
  account: ReportedAccount,
  report: LatestReport & { date: string },
): Promise<'sent' | 'failed' | 'skip' | 'stop'> {
  try {
    await run.stripe.sendMeterEvent({
      customerId: account.customerId,
      units: report.units,
      timestamp: timestampOf(report.date, report.createdAt),
      identifier: report.identifier,
    });
    return 'sent';
  } catch (error) {
    if (!(error instanceof StripeCallError)) throw error;
    await recordFailure(run.db, report.id, error.message, error.retryable ? 'pending' : 'failed');
    run.log?.warn(
      {
        ownerId: account.ownerId,
        date: report.date,
        identifier: report.identifier,
        status: error.status,
      },
      `usage report: ${error.message}`,
    );
    if (!error.retryable) return 'failed';
    // Stripe said when to come back: the whole run stops. Otherwise only this account waits.
    if (error.retryAfter === null) return 'skip';
    run.retryAfter = error.retryAfter;
    return 'stop';
  }
}

/**
 * The day's noon (UTC), or the moment the revision was written while that noon is still to come.
 * Derived from the stored row, so a re-send is the very same request.
 */
export function timestampOf(date: string, createdAt: Date): Date {
  const noon = new Date(`${date}T12:00:00Z`);
  const written = new Date(Math.floor(createdAt.getTime() / 1000) * 1000);
  return written < noon ? written : noon;
}
