// The payers' side of an ingested batch: what the rows it wrote do to each payer's credits — the
// lifetime counters, and for prepaid payers the ledger.
import type { AuditActor } from '../../actor.ts';
import type { Transaction } from '../../db.ts';
import { daysInMonth } from '../../days.ts';
import { divideHalfEven, parseDecimal, printUnits, unitsAt } from '../../decimal.ts';
import { dec, type Decimal } from '../../money.ts';
import { chargeUsage, refundUsage, type CreditState } from '../credits/ledger.ts';
import {
  insertLedger,
  lockCredits,
  saveCredits,
  type StoredLedgerEntry,
} from '../credits/store.ts';
import { mailCreditThresholds } from '../mail/notices.ts';
import type { MailQueueDeps } from '../mail/outbox.ts';
import { lockUsers } from '../users.ts';

/** A stored row the batch wrote, with what the credits counters need of it before and after. */
export interface WrittenRow {
  id: string;
  userId: string;
  accountOwnerId: string;
  date: string;
  cpuHours: string;
  gpuHours: string;
  onlineStorageGb: string;
  offlineStorageGb: string;
  totalCost: string;
  /** null when the row is new */
  oldCpuHours: string | null;
  oldGpuHours: string | null;
  oldOnlineStorageGb: string | null;
  oldOfflineStorageGb: string | null;
  oldTotalCost: string | null;
}

/** Held storage of one row in GB-months (the lifetime counter's unit), rounded like a column. */
function gbMonths(online: string | null, offline: string | null, date: string): Decimal {
  if (online === null || offline === null) return dec(0);
  return dec(printUnits(gbMonthUnits(online, offline, date), 4));
}

/** The same in ten-thousandths, exactly (scaled integers, not decimal.js: a batch has thousands). */
function gbMonthUnits(online: string, offline: string, date: string): bigint {
  const held = unitsAt(parseDecimal(online), 4) + unitsAt(parseDecimal(offline), 4);
  return divideHalfEven(held, BigInt(daysInMonth(date)));
}

/** Σ of decimal strings in ten-thousandths. */
function sumUnits(values: readonly string[]): bigint {
  let total = 0n;
  for (const value of values) total += unitsAt(parseDecimal(value), 4);
  return total;
}

function nonNegative(value: Decimal): Decimal {
  return value.isNegative() ? dec(0) : value;
}

/**
 * The payers' side of a batch: lifetime counters for every payer with a credits row, and for
 * prepaid payers the cost differences through the ledger (refunds first, then charges, each in
 * date order), all in a constant number of statements.
 */
export async function moveCredits(
  trx: Transaction,
  actor: AuditActor,
  written: readonly WrittenRow[],
  /** The users locked by the caller (FOR NO KEY UPDATE), by id. */
  userById: Map<string, { email: string }>,
  /** Mail on: owners whose credits fell under a threshold are told (SPEC §10). */
  mail?: MailQueueDeps,
): Promise<void> {
  const states = await lockPayers(
    trx,
    written.map((w) => w.accountOwnerId),
    userById,
  );
  await applyMoves(trx, actor, planMoves(states, written, userById), mail);
}

/**
 * Locks the payers' credits (creating a prepaid payer's row), users rows first: `userById` holds
 * the users the caller locked (a batch's users and their owners, the payers of new rows); payers
 * of re-sent rows may be former owners, locked here.
 */
export async function lockPayers(
  trx: Transaction,
  payerIds: readonly string[],
  userById: Map<string, unknown>,
): Promise<Map<string, CreditState>> {
  const payers = [...new Set(payerIds)].sort();
  const unlocked = payers.filter((payer) => !userById.has(payer));
  if (unlocked.length > 0) await lockUsers(trx, unlocked);
  return lockCredits(trx, payers, { createFor: 'prepaid' });
}

/** What a batch's rows do to the locked payers' credits (their states changed in place). */
export interface Moves {
  states: Map<string, CreditState>;
  entries: StoredLedgerEntry[];
  /** Prepaid payers charged: their thresholds may have been crossed. */
  charged: CreditState[];
}

/** Works out the moves of `written` on the states lockPayers gave (no database). */
export function planMoves(
  states: Map<string, CreditState>,
  written: readonly WrittenRow[],
  userById: Map<string, { email: string }>,
): Moves {
  const payers = [...new Set(written.map((w) => w.accountOwnerId))].sort();
  const entries: StoredLedgerEntry[] = [];
  // A usage entry names its row by usage_daily's key, (id, date).
  const forRow = (w: WrittenRow) => (e: StoredLedgerEntry) => ({ ...e, usageDailyDate: w.date });
  const charged: CreditState[] = [];
  const byDate = (a: WrittenRow, b: WrittenRow) =>
    // Code-unit order (days are YYYY-MM-DD): localeCompare's collation cost more than the moves.
    a.date < b.date
      ? -1
      : a.date > b.date
        ? 1
        : a.userId < b.userId
          ? -1
          : a.userId > b.userId
            ? 1
            : 0;
  const rowsByPayer = new Map<string, WrittenRow[]>();
  for (const w of written) {
    const rows = rowsByPayer.get(w.accountOwnerId);
    if (rows) rows.push(w);
    else rowsByPayer.set(w.accountOwnerId, [w]);
  }
  for (const payer of payers) {
    const state = states.get(payer);
    if (!state) continue;
    const rows = rowsByPayer.get(payer)!;
    // New rows only add to the counters (the floor at zero below never bites), so they are
    // summed exactly first, in scaled integers; the re-sent ones follow one by one. `written`
    // lists the new rows first, so this is the order they always had.
    const fresh = rows.filter((w) => w.oldTotalCost === null);
    if (fresh.length > 0) {
      const add = (counter: Decimal, units: bigint) =>
        nonNegative(counter.plus(printUnits(units, 4)));
      state.cpuHoursUsed = add(state.cpuHoursUsed, sumUnits(fresh.map((w) => w.cpuHours)));
      state.gpuHoursUsed = add(state.gpuHoursUsed, sumUnits(fresh.map((w) => w.gpuHours)));
      let held = 0n;
      for (const w of fresh) held += gbMonthUnits(w.onlineStorageGb, w.offlineStorageGb, w.date);
      state.storageGbMonths = add(state.storageGbMonths, held);
    }
    for (const w of rows) {
      if (w.oldTotalCost === null) continue;
      state.cpuHoursUsed = nonNegative(state.cpuHoursUsed.plus(w.cpuHours).minus(w.oldCpuHours!));
      state.gpuHoursUsed = nonNegative(state.gpuHoursUsed.plus(w.gpuHours).minus(w.oldGpuHours!));
      state.storageGbMonths = nonNegative(
        state.storageGbMonths
          .plus(gbMonths(w.onlineStorageGb, w.offlineStorageGb, w.date))
          .minus(gbMonths(w.oldOnlineStorageGb, w.oldOfflineStorageGb, w.date)),
      );
    }
    if (state.billingMode !== 'prepaid') continue;
    // Each row's cost difference once, in ten-thousandths.
    const deltas = rows.map((w) => ({
      w,
      units: sumUnits(
        w.oldTotalCost === null ? [w.totalCost] : [w.totalCost, `-${w.oldTotalCost}`],
      ),
    }));
    const label = (w: WrittenRow) =>
      `Usage ${w.date} (${userById.get(w.userId)?.email ?? w.userId})`;
    const inDateOrder = (a: { w: WrittenRow }, b: { w: WrittenRow }) => byDate(a.w, b.w);
    for (const { w, units } of deltas.filter((d) => d.units < 0n).sort(inDateOrder)) {
      entries.push(
        ...refundUsage(state, dec(printUnits(-units, 4)), w.id, `${label(w)} lowered`).map(
          forRow(w),
        ),
      );
    }
    const charges = deltas.filter((d) => d.units > 0n).sort(inDateOrder);
    for (const { w, units } of charges) {
      entries.push(...chargeUsage(state, dec(printUnits(units, 4)), w.id, label(w)).map(forRow(w)));
    }
    if (charges.length > 0) charged.push(state);
  }
  return { states, entries, charged };
}

/** Writes planned moves: the ledger entries, the credits rows, and the threshold mails. */
export async function applyMoves(
  trx: Transaction,
  actor: AuditActor,
  moves: Moves,
  mail?: MailQueueDeps,
): Promise<void> {
  await insertLedger(trx, actor, moves.entries);
  await saveCredits(trx, [...moves.states.values()]);
  if (mail) await mailCreditThresholds(trx, mail, moves.charged);
}
