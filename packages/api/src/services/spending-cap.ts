// Spending caps (SPEC §11): an account's monthly cap in USD and what reaching it does. The
// month-to-date cost is checked in the transaction of every ingestion (usage.ingest and the
// collector both go through ingestUsage), which holds the owners' rows locked: parallel ingestions
// of one account take turns here, so each threshold is crossed, alerted and mailed once. With the
// `suspend` policy, reaching 100 % deactivates the account's people on their cluster (the
// assignment stays) until the month turns, the cap rises above the month's cost or goes.
import { sql } from 'kysely';
import type { UserCaller } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Executor, Transaction } from '../db.ts';
import { monthStart, utcToday } from '../days.ts';
import { badRequest, forbidden } from '../errors.ts';
import { dec, round4 } from '../money.ts';
import { emitEvent } from '../outbox.ts';
import type { SpendingCapPolicy } from '../schemas.ts';
import { queueMail, type MailQueueDeps } from './mail/outbox.ts';
import { requestProvisioning } from './provisioning/requests.ts';
import { accountUserIds, lockUser } from './users.ts';

/** The thresholds of a cap, in %, lowest first. */
export const CAP_THRESHOLDS = [50, 80, 100] as const;
export type CapThreshold = (typeof CAP_THRESHOLDS)[number];

export interface SpendingCapView {
  ownerId: string;
  /** USD, 2 decimals; null: no cap. */
  capUsd: string | null;
  policy: SpendingCapPolicy;
  /** The month (first day) the figures are for. */
  month: string;
  /** The account's cost so far this month (every member's usage it pays for), 4 decimals. */
  monthToDateUsd: string;
  /** Month-to-date cost in % of the cap, rounded down; null without a cap. */
  percent: number | null;
  /** The thresholds already crossed this month under this cap. */
  crossed: CapThreshold[];
  /** Whether the account's people are deactivated on their cluster by the cap this month. */
  stopped: boolean;
}

const monthEnd = (month: string) => sql`(${month}::date + interval '1 month')::date`;

/** Month-to-date cost of accounts, by the payer fixed on each usage row. */
async function monthToDate(
  db: Executor,
  ownerIds: readonly string[],
  month: string,
): Promise<Map<string, string>> {
  const { rows } = await sql<{ ownerId: string; total: string }>`
    SELECT account_owner_id AS owner_id, sum(total_cost)::text AS total
    FROM usage_daily
    WHERE account_owner_id = ANY(${ownerIds}::text[])
      AND date >= ${month}::date AND date < ${monthEnd(month)}
    GROUP BY account_owner_id`.execute(db);
  return new Map(rows.map((r) => [r.ownerId, r.total]));
}

/** "2026-12-01" → "December 2026", for mails. */
const monthName = (month: string) =>
  new Date(`${month}T00:00:00Z`).toLocaleString('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

interface CappedOwner {
  id: string;
  email: string;
  spendingCapUsd: string;
  spendingCapPolicy: SpendingCapPolicy;
  spendingSuspendedMonth: string | null;
}

/**
 * After usage of `ownerIds` was written in `trx` (their rows locked by the caller): each account
 * with a cap whose month-to-date cost crossed a threshold gets its event and mail, once; a
 * `suspend` account that reached its cap is stopped.
 */
export async function checkSpendingCaps(
  trx: Transaction,
  ownerIds: readonly string[],
  deps: { mail?: MailQueueDeps | undefined; today?: string },
): Promise<void> {
  if (ownerIds.length === 0) return;
  const month = monthStart(deps.today ?? utcToday());
  const owners = await trx
    .selectFrom('users')
    .select(['id', 'email', 'spendingCapUsd', 'spendingCapPolicy', 'spendingSuspendedMonth'])
    .where('id', 'in', [...new Set(ownerIds)])
    .where('spendingCapUsd', 'is not', null)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
  if (owners.length === 0) return;
  const spent = await monthToDate(
    trx,
    owners.map((o) => o.id),
    month,
  );
  for (const owner of owners) {
    await evaluate(trx, owner as CappedOwner, spent.get(owner.id) ?? '0', month, deps.mail);
  }
}

async function evaluate(
  trx: Transaction,
  owner: CappedOwner,
  monthToDateUsd: string,
  month: string,
  mail: MailQueueDeps | undefined,
): Promise<void> {
  const cap = dec(owner.spendingCapUsd);
  const spent = dec(monthToDateUsd);
  const reached = CAP_THRESHOLDS.filter((t) => spent.gte(cap.times(t).dividedBy(100)));
  if (reached.length === 0) return;
  const stop =
    owner.spendingCapPolicy === 'suspend' &&
    reached.includes(100) &&
    owner.spendingSuspendedMonth !== month;
  if (stop) {
    await trx
      .updateTable('users')
      .set({ spendingSuspendedMonth: month })
      .where('id', '=', owner.id)
      .execute();
    const people = await accountUserIds(trx, owner.id);
    await requestProvisioning(
      trx,
      people.map((userId) => ({ userId })),
      'spending_cap',
      { today: month },
    );
  }
  // One row per threshold, month and cap: the first ingestion to cross it inserts it.
  const fresh = await trx
    .insertInto('spendingCapAlerts')
    .values(
      reached.map((threshold) => ({
        ownerId: owner.id,
        month,
        capUsd: owner.spendingCapUsd,
        threshold,
        monthToDateUsd: round4(spent),
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('threshold')
    .execute();
  // One warning per ingestion: the highest threshold it crossed (a jump from 40 % to 120 % says
  // 100 %, not three mails); the lower ones are recorded as crossed.
  if (fresh.length === 0) return;
  const highest = Math.max(...fresh.map((f) => f.threshold)) as CapThreshold;
  const capUsd = cap.toFixed(2);
  await emitEvent(trx, {
    kind: 'account.spending_cap',
    payload: {
      ownerId: owner.id,
      email: owner.email,
      month: month.slice(0, 7),
      threshold: highest,
      capUsd,
      monthToDateUsd: round4(spent),
      policy: owner.spendingCapPolicy,
      suspended: highest === 100 && owner.spendingCapPolicy === 'suspend',
    },
  });
  if (mail) {
    await queueMail(trx, mail, {
      kind: 'spending_cap',
      to: owner.email,
      toUserId: owner.id,
      params: {
        percent: highest,
        capUsd,
        spentUsd: round4(spent),
        month: monthName(month),
        policy: owner.spendingCapPolicy,
      },
      dedupeKey: `spending-cap:${owner.id}:${month}:${capUsd}:${highest}`,
    });
  }
}

/** Lifts an account's stop (its people activated again where they are assigned). */
async function lift(trx: Transaction, ownerId: string, today: string): Promise<void> {
  await trx
    .updateTable('users')
    .set({ spendingSuspendedMonth: null })
    .where('id', '=', ownerId)
    .execute();
  const people = await accountUserIds(trx, ownerId);
  await requestProvisioning(
    trx,
    people.map((userId) => ({ userId })),
    'spending_cap_lifted',
    { today },
  );
}

/** The account's cap and the month's progress towards it. */
export async function readSpendingCap(
  db: Executor,
  ownerId: string,
  today: string = utcToday(),
): Promise<SpendingCapView> {
  const month = monthStart(today);
  const owner = await db
    .selectFrom('users')
    .select(['id', 'spendingCapUsd', 'spendingCapPolicy', 'spendingSuspendedMonth'])
    .where('id', '=', ownerId)
    .executeTakeFirstOrThrow();
  const spent = (await monthToDate(db, [ownerId], month)).get(ownerId) ?? '0';
  const crossed = owner.spendingCapUsd
    ? await db
        .selectFrom('spendingCapAlerts')
        .select('threshold')
        .where('ownerId', '=', ownerId)
        .where('month', '=', month)
        .where('capUsd', '=', owner.spendingCapUsd)
        .orderBy('threshold')
        .execute()
    : [];
  return {
    ownerId,
    capUsd: owner.spendingCapUsd ? dec(owner.spendingCapUsd).toFixed(2) : null,
    policy: owner.spendingCapPolicy,
    month,
    monthToDateUsd: round4(spent),
    percent: owner.spendingCapUsd
      ? dec(spent).times(100).dividedBy(owner.spendingCapUsd).floor().toNumber()
      : null,
    crossed: crossed.map((c) => c.threshold as CapThreshold),
    stopped: owner.spendingSuspendedMonth === month,
  };
}

/**
 * `account.setSpendingCap`: the owner for their account, or an admin for any owner's. A cap at or
 * under what the month already cost takes effect at once (its warnings, and the stop with
 * `suspend`); a stop is lifted by a cap above the month's cost, no cap, or `notify`.
 */
export async function setSpendingCap(
  trx: Transaction,
  actor: UserCaller,
  deps: { mail?: MailQueueDeps | undefined; today?: string },
  input: { userId?: string | undefined; monthlyCapUsd: string | null; policy: SpendingCapPolicy },
): Promise<SpendingCapView> {
  const ownerId = input.userId ?? actor.user.id;
  if (ownerId !== actor.user.id && !actor.isAdmin) {
    throw forbidden("Only the account's owner or an admin can set its spending cap.");
  }
  const owner = await lockUser(trx, ownerId);
  if (owner.accountOwnerId !== null) {
    throw badRequest(
      ownerId === actor.user.id
        ? "A spending cap belongs to the whole account; ask your account's owner to set it."
        : `${owner.email} is a member of another account; set the cap on the account's owner.`,
    );
  }
  if (owner.status === 'deleted') {
    throw badRequest('This account was deleted; it takes no spending cap.');
  }
  const today = deps.today ?? utcToday();
  const before = await readSpendingCap(trx, ownerId, today);
  await trx
    .updateTable('users')
    .set({ spendingCapUsd: input.monthlyCapUsd, spendingCapPolicy: input.policy })
    .where('id', '=', ownerId)
    .execute();
  await recordAudit(
    trx,
    actor,
    'account.setSpendingCap',
    { type: 'user', id: ownerId },
    {
      email: owner.email,
      from: { capUsd: before.capUsd, policy: before.policy },
      to: {
        capUsd: input.monthlyCapUsd === null ? null : dec(input.monthlyCapUsd).toFixed(2),
        policy: input.policy,
      },
    },
  );
  const spent = dec(before.monthToDateUsd);
  if (
    before.stopped &&
    (input.monthlyCapUsd === null ||
      input.policy === 'notify' ||
      dec(input.monthlyCapUsd).gt(spent))
  ) {
    await lift(trx, ownerId, today);
  }
  await checkSpendingCaps(trx, [ownerId], { ...deps, today });
  return readSpendingCap(trx, ownerId, today);
}

/**
 * At the turn of the month (crontab, and harmless at any time): every account stopped in an
 * earlier month is let go, its people activated again. Answers how many accounts.
 */
export async function liftSpendingStops(
  trx: Transaction,
  today: string = utcToday(),
): Promise<number> {
  const month = monthStart(today);
  const stale = await trx
    .selectFrom('users')
    .select('id')
    .where('spendingSuspendedMonth', '<', month)
    .orderBy('id')
    .forNoKeyUpdate()
    .execute();
  for (const { id } of stale) await lift(trx, id, today);
  return stale.length;
}
