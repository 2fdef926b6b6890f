// The usage resources (SPEC §2.1, §3.4): the one list every part of hops reads — ingestion, the
// pricing, the read statements, the dashboard's table, chart and CSV, the Slack bot's tables.
// Adding a resource touches a migration (its columns), this list, and the rate card (its price).
// Client-safe.

/**
 * The measured quantities of a user-day, in wire order: `unit` names a period's sum, `heading`
 * a table column, `suffix` what follows the number in a compact line ("12 h"); `cost` is the
 * cost column it is priced into, `rate` its price on the rate card (credits per `rateUnit`).
 */
export const QUANTITIES = [
  {
    field: 'cpuHours',
    label: 'CPU',
    unit: 'hours',
    heading: 'CPU h',
    suffix: 'h',
    cost: 'cpuCost',
    rate: 'cpuHour',
    rateUnit: 'hour',
  },
  {
    field: 'gpuHours',
    label: 'GPU',
    unit: 'hours',
    heading: 'GPU h',
    suffix: 'h',
    cost: 'gpuCost',
    rate: 'gpuHour',
    rateUnit: 'hour',
  },
  {
    field: 'ramGbHours',
    label: 'RAM',
    unit: 'GB-hours',
    heading: 'RAM GB·h',
    suffix: 'GB·h',
    cost: 'ramCost',
    rate: 'ramGbHour',
    rateUnit: 'GB-hour',
  },
  {
    // Each day holds that day's average GB, so a period sums to GB-days.
    field: 'onlineStorageGb',
    label: 'Online storage',
    unit: 'GB-days',
    heading: 'Online GB',
    suffix: 'GB online',
    cost: 'storageCost',
    rate: 'onlineStorageGbMonth',
    rateUnit: 'GB-month',
  },
  {
    field: 'offlineStorageGb',
    label: 'Offline storage',
    unit: 'GB-days',
    heading: 'Offline GB',
    suffix: 'GB offline',
    cost: 'storageCost',
    rate: 'offlineStorageGbMonth',
    rateUnit: 'GB-month',
  },
  {
    field: 'networkEgressGb',
    label: 'Network egress',
    unit: 'GB',
    heading: 'Egress GB',
    suffix: 'GB egress',
    cost: 'networkCost',
    rate: 'networkEgressGb',
    rateUnit: 'GB',
  },
] as const;

/**
 * The cost columns, in wire order; `totalCost` is their sum. `resource` names the column where
 * costs are listed by resource (`cpu`). A prorated column is priced per month and charged per day
 * as (Σ quantity × monthly price) ÷ the days of that month.
 */
export const COSTS = [
  { field: 'cpuCost', resource: 'cpu', label: 'CPU', prorated: false },
  { field: 'gpuCost', resource: 'gpu', label: 'GPU', prorated: false },
  { field: 'ramCost', resource: 'ram', label: 'RAM', prorated: false },
  { field: 'storageCost', resource: 'storage', label: 'Storage', prorated: true },
  { field: 'networkCost', resource: 'network', label: 'Network', prorated: false },
] as const;

export type Quantity = (typeof QUANTITIES)[number];
export type QuantityField = Quantity['field'];
export type CostField = (typeof COSTS)[number]['field'];
/** A cost column's resource: cpuCost → 'cpu'. */
export type ResourceKey = (typeof COSTS)[number]['resource'];
/** A rate card's keys: credits per unit of each quantity. */
export type RateKey = Quantity['rate'];

export const QUANTITY_FIELDS: readonly QuantityField[] = QUANTITIES.map((q) => q.field);
export const COST_FIELDS: readonly CostField[] = COSTS.map((c) => c.field);
/** Every summed figure of a period, in wire order: the quantities, the costs, the total. */
export const AMOUNT_FIELDS: readonly (QuantityField | CostField | 'totalCost')[] = [
  ...QUANTITY_FIELDS,
  ...COST_FIELDS,
  'totalCost',
];
export type AmountField = (typeof AMOUNT_FIELDS)[number];

/** Quantities and costs of a user-day or a period, decimal strings (4 decimals from the API). */
export type UsageAmounts = Record<AmountField, string>;

/** The quantities priced into one cost column (storage: online and offline). */
export function quantitiesOf(cost: CostField): readonly Quantity[] {
  return QUANTITIES.filter((q) => q.cost === cost);
}

/** The database column of a field: cpuHours → cpu_hours (the CamelCasePlugin's rule). */
export function columnOf(field: AmountField): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
