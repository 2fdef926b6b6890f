// The payers' side of an ingested batch: what the rows it wrote do to each payer's credits — the
// lifetime counters, and for prepaid payers the ledger.
import type { AuditActor } from '../../actor.ts';
import type { Transaction } from '../../db.ts';
import { daysInMonth } from '../../days.ts';
import { dec, round4, type Decimal } from '../../money.ts';
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
  return dec(round4(dec(online).plus(offline).dividedBy(daysInMonth(date))));
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
  const payers = [...new Set(written.map((w) => w.accountOwnerId))].sort();
  // `userById` holds the users ingestUsage locked (the batch's users and their owners): the payers
  // of new rows. Payers of re-sent rows may be former owners not locked yet: users rows before
  // user_credits.
  const unlocked = payers.filter((payer) => !userById.has(payer));
  if (unlocked.length > 0) await lockUsers(trx, unlocked);
  const states = await lockCredits(trx, payers, { createFor: 'prepaid' });
  const entries: StoredLedgerEntry[] = [];
  // A usage entry names its row by usage_daily's key, (id, date).
  const forRow = (w: WrittenRow) => (e: StoredLedgerEntry) => ({ ...e, usageDailyDate: w.date });
  const charged: CreditState[] = [];
  const byDate = (a: WrittenRow, b: WrittenRow) =>
    a.date.localeCompare(b.date) || a.userId.localeCompare(b.userId);
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
    for (const w of rows) {
      const old = w.oldTotalCost !== null;
      state.cpuHoursUsed = nonNegative(
        state.cpuHoursUsed.plus(w.cpuHours).minus(old ? w.oldCpuHours! : 0),
      );
      state.gpuHoursUsed = nonNegative(
        state.gpuHoursUsed.plus(w.gpuHours).minus(old ? w.oldGpuHours! : 0),
      );
      state.storageGbMonths = nonNegative(
        state.storageGbMonths
          .plus(gbMonths(w.onlineStorageGb, w.offlineStorageGb, w.date))
          .minus(gbMonths(w.oldOnlineStorageGb, w.oldOfflineStorageGb, w.date)),
      );
    }
    if (state.billingMode !== 'prepaid') continue;
    const delta = (w: WrittenRow) => dec(w.totalCost).minus(w.oldTotalCost ?? 0);
    const label = (w: WrittenRow) =>
      `Usage ${w.date} (${userById.get(w.userId)?.email ?? w.userId})`;
    for (const w of rows.filter((r) => delta(r).lt(0)).sort(byDate)) {
      entries.push(
        ...refundUsage(state, delta(w).neg(), w.id, `${label(w)} lowered`).map(forRow(w)),
      );
    }
    const charges = rows.filter((r) => delta(r).gt(0)).sort(byDate);
    for (const w of charges) {
      entries.push(...chargeUsage(state, delta(w), w.id, label(w)).map(forRow(w)));
    }
    if (charges.length > 0) charged.push(state);
  }
  await insertLedger(trx, actor, entries);
  await saveCredits(trx, [...states.values()]);
  if (mail) await mailCreditThresholds(trx, mail, charged);
}
