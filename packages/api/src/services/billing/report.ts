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
import {
  insertRevision,
  markIncluded,
  markSent,
  recordFailure,
  reportDays,
  reportedAccounts,
  usdOf,
  type LatestReport,
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
}

export type ReportDeps = Pick<BillingDeps, 'stripe'> & { log?: Logger | undefined };

/**
 * Stripe takes meter events up to 35 days back; a day this many days before today may already be
 * out of that window at the time of day the run happens, so it is never sent (flagged `late`).
 */
export const LATE_AFTER_DAYS = 35;

/** pg_try_advisory_lock key of the reporter (the outbox's is 7 060 001). */
const REPORT_LOCK = 7_060_002;

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

async function reportAll(
  db: Db,
  stripe: StripeApi,
  log: Logger | undefined,
  now: Date,
): Promise<ReportResult> {
  const run = { accounts: 0, events: 0, units: 0n, now, today: utcToday(now), stripe, db, log };
  for (const account of await reportedAccounts(db)) {
    const eventsBefore = run.events;
    const outcome = await reportAccount(run, account);
    if (run.events > eventsBefore) run.accounts += 1;
    if (outcome === 'stop') break;
  }
  return { accounts: run.accounts, events: run.events, units: run.units.toString() };
}

interface Run {
  db: Db;
  stripe: StripeApi;
  log: Logger | undefined;
  now: Date;
  today: string;
  accounts: number;
  events: number;
  units: bigint;
}

async function reportAccount(run: Run, account: ReportedAccount): Promise<Outcome> {
  for (const day of await reportDays(run.db, account.ownerId)) {
    const outcome = await reportDay(run, account, day);
    if (outcome !== 'ok') return outcome;
  }
  return 'ok';
}

async function reportDay(run: Run, account: ReportedAccount, day: ReportDay): Promise<Outcome> {
  let told = day.sentUnits;
  let latest = day.latest;
  // A revision left pending (a crash, or Stripe failing) goes out again with its own identifier
  // and timestamp: if Stripe took it before, it counts it once.
  if (latest?.state === 'pending') {
    const outcome = await send(run, account, day.date, latest);
    if (outcome === 'skip' || outcome === 'stop') return outcome;
    latest = { ...latest, state: outcome };
    if (outcome === 'sent') told = latest.units;
  }
  if (day.units === (told ?? 0n)) {
    // Unchanged; a day changed and changed back only needs its rows marked again.
    if (told !== null && !day.marked) {
      await run.db
        .transaction()
        .execute((trx) => markIncluded(trx, account.ownerId, day.date, told));
    }
    return 'ok';
  }
  // Already refused for good, or already flagged late, for exactly this total: say it once.
  if (latest && latest.state !== 'sent' && latest.units === day.units) return 'ok';

  if (daysBetween(day.date, run.today) >= LATE_AFTER_DAYS) {
    await run.db.transaction().execute(async (trx) => {
      const late = await insertRevision(
        trx,
        { ownerId: account.ownerId, date: day.date, units: day.units, state: 'late', now: run.now },
        `Stripe takes usage up to ${LATE_AFTER_DAYS} days back; this correction came too late.`,
      );
      await emitEvent(trx, {
        kind: 'billing.late_correction',
        payload: {
          ownerId: account.ownerId,
          email: account.email,
          date: day.date,
          revision: late.revision,
          reported: usdOf(told ?? 0n),
          stored: usdOf(day.units),
        },
      });
    });
    run.log?.warn(
      { ownerId: account.ownerId, date: day.date },
      'usage report: a correction older than 35 days cannot reach Stripe',
    );
    return 'ok';
  }

  const pending = await run.db.transaction().execute((trx) =>
    insertRevision(trx, {
      ownerId: account.ownerId,
      date: day.date,
      units: day.units,
      state: 'pending',
      now: run.now,
    }),
  );
  const outcome = await send(run, account, day.date, pending);
  return outcome === 'skip' || outcome === 'stop' ? outcome : 'ok';
}

/** The day's meter event; the row then says what happened (`sent`, `failed`, or still pending). */
async function send(
  run: Run,
  account: ReportedAccount,
  date: string,
  report: LatestReport,
): Promise<'sent' | 'failed' | 'skip' | 'stop'> {
  try {
    await run.stripe.sendMeterEvent({
      customerId: account.customerId,
      units: report.units,
      timestamp: timestampOf(date, report.createdAt),
      identifier: report.identifier,
    });
  } catch (error) {
    if (!(error instanceof StripeCallError)) throw error;
    await recordFailure(run.db, report.id, error.message, error.retryable ? 'pending' : 'failed');
    run.log?.warn(
      { ownerId: account.ownerId, date, identifier: report.identifier, status: error.status },
      `usage report: ${error.message}`,
    );
    if (!error.retryable) return 'failed';
    // Stripe said when to come back: the whole run stops. Otherwise only this account waits.
    return error.retryAfter !== null ? 'stop' : 'skip';
  }
  await run.db
    .transaction()
    .execute((trx) => markSent(trx, account.ownerId, { id: report.id, units: report.units, date }));
  run.events += 1;
  run.units += report.units;
  return 'sent';
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
