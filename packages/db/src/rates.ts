// The versioned rate card (SPEC §3.4): prices in credits per unit, 1 credit = USD 0.25. A usage
// row keeps the id of the card that priced it; a new card is a new entry with its effective day.
import { dec, round4, sum, type Decimal, type DecimalInput } from './money.ts';

export const USD_PER_CREDIT = '0.25';

export interface RateCard {
  id: string;
  /** First UTC day (YYYY-MM-DD) the card prices. */
  effectiveFrom: string;
  creditsPerUnit: {
    cpuHour: string;
    gpuHour: string;
    ramGbHour: string;
    onlineStorageGbMonth: string;
    offlineStorageGbMonth: string;
    networkEgressGb: string;
  };
}

export const RATE_CARDS: readonly RateCard[] = [
  {
    id: '2025-08',
    effectiveFrom: '2025-08-01',
    creditsPerUnit: {
      cpuHour: '0.5',
      gpuHour: '10',
      ramGbHour: '0.05',
      onlineStorageGbMonth: '2',
      offlineStorageGbMonth: '0.12',
      networkEgressGb: '0.4',
    },
  },
];

export class NoRateCardError extends Error {
  override name = 'NoRateCardError';
}

/** The card in force on a UTC day. */
export function rateCardFor(date: string): RateCard {
  let found: RateCard | undefined;
  for (const card of RATE_CARDS) {
    if (card.effectiveFrom <= date && (!found || card.effectiveFrom > found.effectiveFrom)) {
      found = card;
    }
  }
  if (!found) {
    throw new NoRateCardError(
      `No rate card is in force on ${date}; the first starts ${RATE_CARDS[0]?.effectiveFrom}.`,
    );
  }
  return found;
}

export interface Quantities {
  cpuHours: DecimalInput;
  gpuHours: DecimalInput;
  ramGbHours: DecimalInput;
  onlineStorageGb: DecimalInput;
  offlineStorageGb: DecimalInput;
  networkEgressGb: DecimalInput;
}

export interface Costs {
  cpuCost: string;
  gpuCost: string;
  ramCost: string;
  storageCost: string;
  networkCost: string;
  totalCost: string;
  rateCard: string;
}

export function daysInMonth(date: string): number {
  const [year, month] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** USD per unit on the card. */
function usd(credits: string): Decimal {
  return dec(credits).times(USD_PER_CREDIT);
}

/**
 * Prices one user-day. Each cost column is computed exactly and rounded once (4 decimals,
 * half-even); the total is the sum of the rounded columns. Storage is held GB × monthly rate ÷
 * the days of that month, online and offline together.
 */
export function priceUsage(q: Quantities, date: string, card: RateCard = rateCardFor(date)): Costs {
  const r = card.creditsPerUnit;
  const days = daysInMonth(date);
  const cpuCost = round4(dec(q.cpuHours).times(usd(r.cpuHour)));
  const gpuCost = round4(dec(q.gpuHours).times(usd(r.gpuHour)));
  const ramCost = round4(dec(q.ramGbHours).times(usd(r.ramGbHour)));
  const storageCost = round4(
    dec(q.onlineStorageGb)
      .times(usd(r.onlineStorageGbMonth))
      .plus(dec(q.offlineStorageGb).times(usd(r.offlineStorageGbMonth)))
      .dividedBy(days),
  );
  const networkCost = round4(dec(q.networkEgressGb).times(usd(r.networkEgressGb)));
  const totalCost = round4(sum([cpuCost, gpuCost, ramCost, storageCost, networkCost]));
  return { cpuCost, gpuCost, ramCost, storageCost, networkCost, totalCost, rateCard: card.id };
}
