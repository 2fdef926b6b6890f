// One usage record on its own (SPEC §3.4): its shape as a collector sends it, its checks, and its
// price. Whatever needs the database (users, clusters) is checked by ingest.ts, for the batch.
import { isDay } from '../../days.ts';
import { badRequest } from '../../errors.ts';
import { UUID } from '../../pagination.ts';
import { NoRateCardError, priceUsage, quantityUnits, type Costs } from '../../rates.ts';
import { QUANTITY_FIELDS, type QuantityField } from '../../resources.ts';
import type { JsonValue } from '../../schemas.ts';

/** A quantity as a collector sends it: a decimal string ("1.25") or a JSON number. */
export type QuantityInput = string | number;

/** One user-day as a collector sends it: the day's cumulative quantities. */
export type UsageRecordInput = {
  userId: string;
  /** UTC day, YYYY-MM-DD. */
  date: string;
  hopsworksClusterId?: string | null | undefined;
  projectBreakdown?: Record<string, JsonValue> | null | undefined;
} & Record<QuantityField, QuantityInput>;

/** A record whose quantities were checked: decimal strings, as they are stored. */
type Quantities = Record<QuantityField, string>;

/** A record that passed its own checks: its quantities as stored, and their price. */
export interface PricedRecord {
  quantities: Quantities;
  costs: Costs;
}

/** A JSON number as the decimal it means (no exponent), a string trimmed; anything else null. */
function quantityText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number')
    return /e/i.test(String(value)) ? value.toFixed(10) : String(value);
  return null;
}

/** What is wrong with one record on its own (a sentence), or its quantities and price. */
export function priceRecord(r: UsageRecordInput, today: string): string | PricedRecord {
  const quantities = {} as Quantities;
  for (const field of QUANTITY_FIELDS) {
    const value = quantityText(r[field]);
    if (value === null || quantityUnits(value) === null) {
      return `${field} must be a non-negative number with at most 4 decimals and 10 digits before the point (got ${JSON.stringify(r[field])}).`;
    }
    quantities[field] = value;
  }
  if (typeof r.date !== 'string' || !isDay(r.date)) {
    return `date must be a day like 2026-01-31 (got ${JSON.stringify(r.date)}).`;
  }
  if (r.date > today) return `${r.date} is after today (${today}, UTC).`;
  if (r.hopsworksClusterId && !UUID.test(r.hopsworksClusterId)) {
    return `hopsworksClusterId ${JSON.stringify(r.hopsworksClusterId)} is not a cluster id.`;
  }
  let costs: Costs;
  try {
    costs = priceUsage(quantities, r.date);
  } catch (error) {
    if (error instanceof NoRateCardError) {
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
    }
    throw error;
  }
  // numeric(14,4) holds values below 10^10. totalCost is printed with 4 decimals, no sign and no
  // leading zeros: 11 or more digits before the point is 10^10 or more.
  if (costs.totalCost.length - 5 > 10) {
    return `its cost (${costs.totalCost} USD) is more than one usage row can hold.`;
  }
  return { quantities, costs };
}

/** The first bad record of a batch: the whole batch is refused with its index. */
export class FirstProblem {
  index = Number.POSITIVE_INFINITY;
  message = '';
  note(index: number, message: string): void {
    if (index < this.index) {
      this.index = index;
      this.message = message;
    }
  }
  throwIfAny(): void {
    if (Number.isFinite(this.index)) {
      throw badRequest(`Record ${this.index}: ${this.message} Nothing was saved.`);
    }
  }
}
