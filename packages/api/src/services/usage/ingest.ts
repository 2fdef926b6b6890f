// usage.ingest (SPEC §3.4): set-based ingestion of daily usage, priced on the server, and the
// prepaid ledger moves it causes, in a constant number of statements whatever the batch size.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { copyInto } from '@hops/db';
import type { AuditActor } from '../../actor.ts';
import { recordAudit } from '../../audit.ts';
import type { Transaction } from '../../db.ts';
import { isDay, utcToday } from '../../days.ts';
import { PG, badRequest, pgCode } from '../../errors.ts';
import { sumDecimals } from '../../decimal.ts';
import { round4 } from '../../money.ts';
import { UUID } from '../../pagination.ts';
import {
  AMOUNT_FIELDS,
  columnOf,
  QUANTITY_FIELDS,
  type AmountField,
  type QuantityField,
} from '../../resources.ts';
import type { MailQueueDeps } from '../mail/outbox.ts';
import { bareArray, quotedArray } from '../../sql-arrays.ts';
import { checkSpendingCaps } from '../spending-cap.ts';
import {
  applyMoves,
  lockPayers,
  moveCredits,
  planMoves,
  type Moves,
  type WrittenRow,
} from './payers.ts';
import { FirstProblem, priceRecord, type PricedRecord, type UsageRecordInput } from './records.ts';

export type { QuantityInput, UsageRecordInput } from './records.ts';

export const MAX_INGEST_RECORDS = 10_000;

export interface IngestResult {
  /** New user-days. */
  inserted: number;
  /** Existing user-days whose data changed (an identical re-send counts as neither). */
  updated: number;
  /** Sum over the batch of new cost minus previous cost, USD. */
  costDelta: string;
}

interface BatchUser {
  id: string;
  email: string;
  accountOwnerId: string | null;
  /** The cluster the user is assigned to (a new day without one takes it); null if none. */
  assignedClusterId: string | null;
}

/**
 * usage.ingest: stores a batch of user-days in a constant number of statements, whatever its size.
 * A re-sent day replaces the stored one (same payer, new quantities and cost); an identical re-send
 * changes nothing. Any bad record refuses the whole batch. For prepaid payers the cost differences
 * move the owner's credits through the ledger in the same transaction.
 */
export async function ingestUsage(
  trx: Transaction,
  actor: AuditActor,
  records: readonly UsageRecordInput[],
  options: { today?: string; mail?: MailQueueDeps } = {},
): Promise<IngestResult> {
  if (records.length > MAX_INGEST_RECORDS) {
    throw badRequest(`Send at most 10 000 records per call; this batch has ${records.length}.`);
  }
  if (records.length === 0) return { inserted: 0, updated: 0, costDelta: round4(0) };
  const today = options.today ?? utcToday();

  // 1. The batch's users locked with their owners, which of their days may be stored, and which
  //    of the named clusters exist: three statements PostgreSQL answers while the records are
  //    priced here (each statement of a transaction is sent after the one before; the newness
  //    read runs after the lock, so it sees every ingest that committed before we got it).
  const userIds = [...new Set(records.map((r) => r.userId))];
  const firstDay = earliestDay(records);
  const clusterIds = [
    ...new Set(
      records.flatMap((r) =>
        r.hopsworksClusterId && UUID.test(r.hopsworksClusterId)
          ? [r.hopsworksClusterId.toLowerCase()]
          : [],
      ),
    ),
  ];
  const [checked, users, lastDays, knownClusters] = await Promise.all([
    // After the statements are sent (this turn of the event loop), not before.
    new Promise<ReturnType<typeof checkRecords>>((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(checkRecords(records, today));
        } catch (error) {
          reject(error);
        }
      }),
    ),
    lockBatchUsers(trx, userIds),
    firstDay === null ? new Map<string, string>() : lastStoredDays(trx, userIds, firstDay),
    existingClusters(trx, clusterIds),
  ]);
  const { problem, priced } = checked;

  // 2. Every user must exist, and every cluster named by a record that passed its own checks.
  const userById = new Map(users.map((u) => [u.id, u]));
  const unknownUser = records.findIndex((r) => !userById.has(r.userId));
  if (unknownUser >= 0) {
    problem.note(unknownUser, `there is no user ${records[unknownUser]!.userId}.`);
  }
  const unknownCluster = records.findIndex(
    (r, i) =>
      i < priced.length &&
      r.hopsworksClusterId &&
      !knownClusters.has(r.hopsworksClusterId.toLowerCase()),
  );
  if (unknownCluster >= 0) {
    problem.note(
      unknownCluster,
      `there is no cluster ${records[unknownCluster]!.hopsworksClusterId}.`,
    );
  }
  problem.throwIfAny();

  try {
    return await writeBatch(trx, actor, records, priced, userById, lastDays, options.mail, today);
  } catch (error) {
    if (pgCode(error) === PG.numericOutOfRange) {
      throw badRequest(
        'This batch would take a total past what the database holds (10 digits before the point). Nothing was saved.',
      );
    }
    throw error;
  }
}

/** Each record on its own (priced), and duplicates inside the batch; stops at the first problem. */
function checkRecords(records: readonly UsageRecordInput[], today: string) {
  const problem = new FirstProblem();
  const priced: PricedRecord[] = [];
  const seen = new Map<string, number>();
  for (const [i, r] of records.entries()) {
    const checked = priceRecord(r, today);
    if (typeof checked === 'string') {
      problem.note(i, checked);
      break;
    }
    const key = `${r.userId}\u0000${r.date}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problem.note(
        i,
        `${r.userId} on ${r.date} is already in record ${first}; send each user-day once.`,
      );
      break;
    }
    seen.set(key, i);
    priced.push(checked);
  }
  return { problem, priced };
}

/**
 * Locks the users with their owners, in id order: concurrent ingests of the same user-day queue
 * here, and membership cannot change under us.
 */
async function lockBatchUsers(trx: Transaction, userIds: readonly string[]): Promise<BatchUser[]> {
  const ids = quotedArray(userIds);
  const { rows } = await sql<BatchUser>`
    SELECT u.id, u.email, u.account_owner_id, a.hopsworks_cluster_id AS assigned_cluster_id
    FROM users u
    LEFT JOIN user_hopsworks_assignments a ON a.user_id = u.id
    WHERE u.id = ANY(${ids}::text[])
       OR u.id IN (SELECT account_owner_id FROM users WHERE id = ANY(${ids}::text[]))
    ORDER BY u.id
    FOR NO KEY UPDATE OF u`.execute(trx);
  return rows;
}

/** The earliest well-formed day of the batch (records not checked yet); null if none. */
function earliestDay(records: readonly UsageRecordInput[]): string | null {
  let first: string | null = null;
  for (const r of records) {
    if (typeof r.date === 'string' && isDay(r.date) && (first === null || r.date < first)) {
      first = r.date;
    }
  }
  return first;
}

/** Each user's last stored day from `firstDay` on (users without one are left out). */
async function lastStoredDays(
  trx: Transaction,
  userIds: readonly string[],
  firstDay: string,
): Promise<Map<string, string>> {
  const { rows } = await sql<{ userId: string; lastDay: string }>`
    SELECT user_id, max(date)::text AS last_day FROM usage_daily
    WHERE user_id = ANY(${quotedArray(userIds)}::text[]) AND date >= ${firstDay}::date
    GROUP BY user_id`.execute(trx);
  return new Map(rows.map((row) => [row.userId, row.lastDay]));
}

/** Which of the (well-formed, lower-case) cluster ids exist. */
async function existingClusters(trx: Transaction, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM hopsworks_clusters WHERE id = ANY(${bareArray(ids)}::uuid[])`.execute(trx);
  return new Set(rows.map((row) => row.id));
}

// The usage_daily columns of the resources (quantities, costs, total), in resources.ts order,
// spelled once for each place the ingestion statements list them.
const AMOUNT_COLUMNS = AMOUNT_FIELDS.map((field) => ({ field, column: columnOf(field) }));
const AMOUNT_KEYS = AMOUNT_COLUMNS.map(({ field }) => field);
/** AMOUNT_FIELDS lists the quantities first, then the costs and the total. */
const QUANTITY_COUNT = QUANTITY_FIELDS.length;
const columns = (format: (column: string) => string) =>
  sql.raw(AMOUNT_COLUMNS.map(({ column }) => format(column)).join(', '));
const AMOUNTS = {
  input: columns((c) => `r.${c}`),
  names: columns((c) => c),
  set: columns((c) => `${c} = r.${c}`),
  stored: columns((c) => `d.${c}`),
};
/** What the payers' side needs of a written row (WrittenRow), new values. */
const WRITTEN = sql.raw(
  'd.id, d.user_id, d.account_owner_id, d.date, d.cpu_hours, d.gpu_hours, ' +
    'd.online_storage_gb, d.offline_storage_gb, d.total_cost',
);

/** The payer of a new row: the user's owner now (the owner's own id for owners). */
const payerOf = (user: BatchUser) => user.accountOwnerId ?? user.id;

/**
 * The batch as one typed array per column (parsed by PostgreSQL's array input, far cheaper than
 * a JSON document unpacked row by row): `r(id, user_id, account_owner_id, date,
 * hopsworks_cluster_id, <amounts>, rate_card, project_breakdown)`, in record order. For new rows
 * (`ids` given) the cluster is the record's or else the user's assigned one; for re-sent rows
 * only the record's (the stored one stays when it names none).
 */
function batchInput(
  records: readonly UsageRecordInput[],
  priced: readonly PricedRecord[],
  userById: Map<string, BatchUser>,
  ids?: readonly string[],
) {
  const n = records.length;
  const userIds: string[] = new Array<string>(n);
  const payers: string[] = new Array<string>(n);
  const dates: string[] = new Array<string>(n);
  const clusters: (string | null)[] = new Array<string | null>(n);
  const rateCards: string[] = new Array<string>(n);
  const breakdowns: (string | null)[] = new Array<string | null>(n);
  const amounts = AMOUNT_COLUMNS.map(() => new Array<string>(n));
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const { quantities, costs } = priced[i]!;
    const user = userById.get(r.userId)!;
    userIds[i] = r.userId;
    payers[i] = payerOf(user);
    dates[i] = r.date;
    clusters[i] = r.hopsworksClusterId || (ids ? user.assignedClusterId : null);
    rateCards[i] = costs.rateCard;
    breakdowns[i] = r.projectBreakdown ? JSON.stringify(r.projectBreakdown) : null;
    // Plain indexed reads: a spread of both objects and an entries() iterator per record cost
    // more than the rest of this loop together.
    for (let c = 0; c < QUANTITY_COUNT; c++)
      amounts[c]![i] = quantities[AMOUNT_KEYS[c] as QuantityField];
    for (let c = QUANTITY_COUNT; c < AMOUNT_KEYS.length; c++) {
      amounts[c]![i] = costs[AMOUNT_KEYS[c] as Exclude<AmountField, QuantityField>];
    }
  }
  // Array text (sql-arrays.ts). Bare elements were checked: ids are ours, days by priceRecord,
  // cluster ids against the database, amounts printed by the pricing; the rest are quoted.
  const amountArrays = sql.join(amounts.map((a) => sql`${bareArray(a)}::numeric[]`));
  return sql`unnest(${bareArray(ids ?? new Array<null>(n).fill(null))}::uuid[],
      ${quotedArray(userIds)}::text[], ${quotedArray(payers)}::text[], ${bareArray(dates)}::date[],
      ${bareArray(clusters)}::uuid[], ${amountArrays}, ${quotedArray(rateCards)}::text[],
      ${quotedArray(breakdowns)}::jsonb[])
    AS r(id, user_id, account_owner_id, date, hopsworks_cluster_id, ${AMOUNTS.names}, rate_card,
         project_breakdown)`;
}

/**
 * The batch's records (by index) whose day is surely not stored yet (after the user's last stored
 * day from the batch's first day on), and the others.
 */
function sortByNewness(
  records: readonly UsageRecordInput[],
  lastDays: Map<string, string>,
): { surelyNew: number[]; maybeStored: number[] } {
  const surelyNew: number[] = [];
  const maybeStored: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const last = lastDays.get(records[i]!.userId);
    (last === undefined || records[i]!.date > last ? surelyNew : maybeStored).push(i);
  }
  return { surelyNew, maybeStored };
}

interface NewDays {
  records: readonly UsageRecordInput[];
  priced: readonly PricedRecord[];
  userById: Map<string, BatchUser>;
  ids: readonly string[];
}

/** The ids of the days inserted, leaving any day already stored as it is. */
async function insertDaysSkippingStored(trx: Transaction, days: NewDays): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO usage_daily AS d (
      id, user_id, account_owner_id, date, hopsworks_cluster_id, ${AMOUNTS.names},
      project_breakdown, rate_card)
    SELECT r.id, r.user_id, r.account_owner_id, r.date, r.hopsworks_cluster_id, ${AMOUNTS.input},
           coalesce(r.project_breakdown, '{}'::jsonb), r.rate_card
    FROM ${batchInput(days.records, days.priced, days.userById, days.ids)}
    ON CONFLICT (user_id, date) DO NOTHING
    RETURNING d.id`.execute(trx);
  return rows.map((row) => row.id);
}

const COPY_COLUMNS =
  'id, user_id, account_owner_id, date, hopsworks_cluster_id, ' +
  `${AMOUNT_COLUMNS.map(({ column }) => column).join(', ')}, project_breakdown, rate_card`;
const COPY_NEEDS_ESCAPE = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};
/** Text as a field of COPY's text format (backslash, tab, newline and return escaped). */
const copyField = (text: string) =>
  COPY_NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : text;
/** Rows per chunk sent: PostgreSQL stores one while the next is made. */
const COPY_CHUNK_ROWS = 500;

/**
 * New days as COPY's text rows, chunk by chunk (the same values batchInput gives new rows; ids,
 * days, cluster ids and amounts were checked and need no escaping).
 */
function* copyRows(days: NewDays): Generator<string> {
  const { records, priced, userById, ids } = days;
  for (let start = 0; start < records.length; start += COPY_CHUNK_ROWS) {
    let chunk = '';
    for (let i = start; i < Math.min(records.length, start + COPY_CHUNK_ROWS); i++) {
      const r = records[i]!;
      const { quantities, costs } = priced[i]!;
      const user = userById.get(r.userId)!;
      let line = `${ids[i]}\t${copyField(r.userId)}\t${copyField(payerOf(user))}\t${r.date}\t${
        r.hopsworksClusterId || user.assignedClusterId || '\\N'
      }`;
      for (let c = 0; c < QUANTITY_COUNT; c++) {
        line += `\t${quantities[AMOUNT_KEYS[c] as QuantityField]}`;
      }
      for (let c = QUANTITY_COUNT; c < AMOUNT_KEYS.length; c++) {
        line += `\t${costs[AMOUNT_KEYS[c] as Exclude<AmountField, QuantityField>]}`;
      }
      const breakdown = r.projectBreakdown ? JSON.stringify(r.projectBreakdown) : '{}';
      chunk += `${line}\t${copyField(breakdown)}\t${copyField(costs.rateCard)}\n`;
    }
    yield chunk;
  }
}

/**
 * Days the caller knows are not stored, by COPY (PostgreSQL's cheapest way in: no array to
 * unpack, no conflict check), streamed so PostgreSQL stores the first rows while the next are
 * made. A day that was stored after all fails it (the unique key), as it should.
 */
async function copyNewDays(
  trx: Transaction,
  days: NewDays,
  /** Work done once every row is sent, while PostgreSQL stores them (copyInto's whileStoring). */
  whileStoring?: () => void,
): Promise<void> {
  await copyInto(
    trx,
    `COPY usage_daily (${COPY_COLUMNS}) FROM STDIN`,
    copyRows(days),
    whileStoring ? { whileStoring } : {},
  );
}

async function writeBatch(
  trx: Transaction,
  actor: AuditActor,
  records: readonly UsageRecordInput[],
  priced: readonly PricedRecord[],
  userById: Map<string, BatchUser>,
  /** Each batch user's last stored day from the batch's first day on (lastStoredDays). */
  lastDays: Map<string, string>,
  mail: MailQueueDeps | undefined,
  today: string,
): Promise<IngestResult> {
  // The batch's users are locked (ingestUsage), and only ingestion writes usage_daily: no other
  // transaction can add or change one of these user-days until we commit. A user's days after the
  // last one stored (from the batch's first day on; read after the lock, so it saw every ingest
  // that committed before we got it) are surely new: by COPY (copyNewDays). The other days may be
  // stored: INSERT … ON CONFLICT DO NOTHING leaves those, and only they are looked at again. So
  // one statement for a batch of new days (the usual case), more when some may be re-sent. New
  // rows get their ids here, so only ids come back (which were new), and the rest of a new row's
  // WrittenRow is what was sent.
  const ids = records.map(() => randomUUID());
  const { surelyNew, maybeStored } = sortByNewness(records, lastDays);
  const freshRow = (i: number): WrittenRow => {
    const r = records[i]!;
    const { quantities, costs } = priced[i]!;
    return {
      id: ids[i]!,
      userId: r.userId,
      accountOwnerId: payerOf(userById.get(r.userId)!),
      date: r.date,
      cpuHours: quantities.cpuHours,
      gpuHours: quantities.gpuHours,
      onlineStorageGb: quantities.onlineStorageGb,
      offlineStorageGb: quantities.offlineStorageGb,
      totalCost: costs.totalCost,
      oldCpuHours: null,
      oldGpuHours: null,
      oldOnlineStorageGb: null,
      oldOfflineStorageGb: null,
      oldTotalCost: null,
    };
  };

  let written: WrittenRow[];
  let moves: Moves | undefined;
  if (maybeStored.length === 0) {
    // Every day is new (the usual batch). The payers' credits are locked before the COPY (users
    // rows first, as everywhere: ingestUsage locked them), so what the rows do to the credits is
    // worked out while PostgreSQL is still storing the rows.
    const states = await lockPayers(
      trx,
      records.map((r) => payerOf(userById.get(r.userId)!)),
      userById,
    );
    let planned: { written: WrittenRow[]; moves: Moves } | undefined;
    await copyNewDays(trx, { records, priced, userById, ids }, () => {
      const rows = records.map((_, i) => freshRow(i));
      planned = { written: rows, moves: planMoves(states, rows, userById) };
    });
    ({ written, moves } = planned!);
  } else {
    written = await writeSomeStored(
      trx,
      records,
      priced,
      userById,
      ids,
      surelyNew,
      maybeStored,
      freshRow,
    );
  }

  const inserted = written.filter((w) => w.oldTotalCost === null).length;
  const updated = written.length - inserted;
  // New costs minus the replaced ones, summed exactly (scaled integers: 10 000 rows' decimal.js
  // arithmetic cost more).
  const costs: string[] = [];
  for (const w of written) {
    costs.push(w.totalCost);
    if (w.oldTotalCost !== null) costs.push(`-${w.oldTotalCost}`);
  }
  const costDelta = sumDecimals(costs);

  if (written.length > 0) {
    if (moves) await applyMoves(trx, actor, moves, mail);
    else await moveCredits(trx, actor, written, userById, mail);
    // The payers are locked above (owners of the batch's users), so caps are crossed once.
    await checkSpendingCaps(trx, [...new Set(written.map((w) => w.accountOwnerId))], {
      mail,
      today,
    });
  }
  const result = { inserted, updated, costDelta };
  await recordAudit(trx, actor, 'usage.ingest', null, { records: records.length, ...result });
  return result;
}

/** A batch some of whose days may be stored: the new ones by COPY, the others as before. */
async function writeSomeStored(
  trx: Transaction,
  records: readonly UsageRecordInput[],
  priced: readonly PricedRecord[],
  userById: Map<string, BatchUser>,
  ids: readonly string[],
  surelyNew: readonly number[],
  maybeStored: readonly number[],
  freshRow: (i: number) => WrittenRow,
): Promise<WrittenRow[]> {
  const pick = <T>(values: readonly T[], indexes: readonly number[]) =>
    indexes.map((i) => values[i]!);
  if (surelyNew.length > 0) {
    await copyNewDays(trx, {
      records: pick(records, surelyNew),
      priced: pick(priced, surelyNew),
      userById,
      ids: pick(ids, surelyNew),
    });
  }
  const stored = await insertDaysSkippingStored(trx, {
    records: pick(records, maybeStored),
    priced: pick(priced, maybeStored),
    userById,
    ids: pick(ids, maybeStored),
  });
  // The days that were stored already: those of maybeStored the INSERT left.
  const inserted = new Set(stored);
  const wasStored = new Uint8Array(records.length);
  for (const i of maybeStored) if (!inserted.has(ids[i]!)) wasStored[i] = 1;
  const fresh: WrittenRow[] = [];
  const resent: number[] = [];
  for (let i = 0; i < records.length; i++) {
    if (wasStored[i]) resent.push(i);
    else fresh.push(freshRow(i));
  }
  if (resent.length === 0) return fresh;
  return fresh.concat(
    await updateResent(
      trx,
      resent.map((i) => records[i]!),
      resent.map((i) => priced[i]!),
      userById,
    ),
  );
}

/**
 * The re-sent days of a batch: each replaces the stored day (its payer fixed at the first
 * ingestion; cluster and project breakdown kept when the record omits them). A day whose data is
 * identical is not touched, so it is not returned. `old` reads the stored values (every part of
 * one statement sees the same snapshot: the values before the UPDATE), for what the payers'
 * counters must take back.
 */
async function updateResent(
  trx: Transaction,
  records: readonly UsageRecordInput[],
  priced: readonly PricedRecord[],
  userById: Map<string, BatchUser>,
): Promise<WrittenRow[]> {
  const { rows } = await sql<WrittenRow>`
    WITH r AS MATERIALIZED (SELECT * FROM ${batchInput(records, priced, userById)}),
    old AS MATERIALIZED (
      SELECT d.id, d.date, d.cpu_hours, d.gpu_hours, d.online_storage_gb, d.offline_storage_gb,
             d.total_cost
      FROM r JOIN usage_daily d ON d.user_id = r.user_id AND d.date = r.date
    ),
    updated AS (
      UPDATE usage_daily AS d SET
        hopsworks_cluster_id = coalesce(r.hopsworks_cluster_id, d.hopsworks_cluster_id),
        ${AMOUNTS.set},
        project_breakdown = coalesce(r.project_breakdown, d.project_breakdown),
        rate_card = r.rate_card,
        -- changed figures must reach Stripe again
        reported_to_stripe = false
      FROM r
      WHERE d.user_id = r.user_id AND d.date = r.date
        AND (d.hopsworks_cluster_id, ${AMOUNTS.stored}, d.project_breakdown, d.rate_card)
          IS DISTINCT FROM
            (coalesce(r.hopsworks_cluster_id, d.hopsworks_cluster_id), ${AMOUNTS.input},
             coalesce(r.project_breakdown, d.project_breakdown), r.rate_card)
      RETURNING ${WRITTEN}
    )
    SELECT u.*, o.cpu_hours AS old_cpu_hours, o.gpu_hours AS old_gpu_hours,
           o.online_storage_gb AS old_online_storage_gb,
           o.offline_storage_gb AS old_offline_storage_gb, o.total_cost AS old_total_cost
    FROM updated u
    JOIN old o ON o.id = u.id AND o.date = u.date`.execute(trx);
  return rows;
}
