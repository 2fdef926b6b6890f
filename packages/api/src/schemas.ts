// Input schemas shared by the procedures and the front ends' forms, and the API's unions (status,
// role, billing mode, pool, via) as zod enums with their `z.infer` types. The database's own types
// are generated from the migrations (kysely-codegen overrides from the CHECK constraints); db.ts
// fails to compile if an enum here disagrees with them. Client-safe.
import { z } from 'zod';
import { daysBetween, isDay } from './days.ts';
import { usdToCents } from './decimal.ts';

export const email = z
  .string()
  .trim()
  .max(320)
  .pipe(z.email({ error: 'Enter a valid e-mail address' }));

/** A UTC day, `YYYY-MM-DD`, that exists in the calendar. */
export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Use a date like 2026-01-31' })
  .refine(isDay, 'That date does not exist');

/** Inclusive UTC day range; at most 400 days. */
export const dateRange = z
  .object({ from: day, to: day })
  .refine((r) => r.from <= r.to, { error: '`from` must not be after `to`', path: ['to'] })
  .refine((r) => daysBetween(r.from, r.to) < 400, {
    error: 'A range may span at most 400 days',
    path: ['to'],
  });

const DECIMAL = /^\d{1,10}(\.\d{1,4})?$/;

/**
 * A non-negative decimal with at most 4 decimals (numeric(14,4)), as a string or a JSON number;
 * always handed on as a string so no float ever reaches a sum.
 */
export const quantity = z
  .union([z.string().trim(), z.number().finite()])
  .transform((value) => (typeof value === 'number' ? numberToDecimal(value) : value))
  .refine((value) => DECIMAL.test(value), {
    error: 'Use a non-negative number with at most 4 decimals and 10 digits before the point',
  });

/** A positive amount of money in USD (credits are granted in USD, SPEC §2.1). */
export const money = quantity.refine((value) => Number(value) > 0, {
  error: 'The amount must be greater than zero',
});

/** The smallest and largest prepaid top-up (billing.buyCredits, SPEC §8), in US cents. */
export const TOP_UP_CENTS = { min: 1_000, max: 1_000_000 } as const;

/** A prepaid top-up in USD: 10 to 10 000, whole cents, as a string or a JSON number. */
export const topUpAmount = z
  .union([z.string().trim(), z.number().finite()])
  .transform((value) => (typeof value === 'number' ? numberToDecimal(value) : value))
  .refine((value) => usdToCents(value) !== null, {
    error: 'Enter an amount in US dollars with at most 2 decimals, like 25 or 49.99',
    abort: true,
  })
  .refine(
    (value) => {
      const cents = usdToCents(value) ?? 0;
      return cents >= TOP_UP_CENTS.min && cents <= TOP_UP_CENTS.max;
    },
    { error: 'Buy at least $10.00 and at most $10,000.00 of credits at a time' },
  );

function numberToDecimal(value: number): string {
  // JSON numbers arrive as floats; print them exactly as written where possible.
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(10).replace(/\.?0+$/, '') : text;
}

export const userId = z.string().trim().min(1).max(200);
export const uuid = z.uuid({ error: 'Use an id like 3f0c…, as shown in the list' });

export const projectRole = z.enum(['Data owner', 'Data scientist', 'Observer']);
export const billingMode = z.enum(['prepaid', 'postpaid']);
export const userStatus = z.enum(['active', 'suspended', 'deleted']);
export const clusterStatus = z.enum(['active', 'maintenance', 'full', 'inactive']);
export const creditPool = z.enum(['paid', 'free']);
/** A user's place in an account: its owner, or a member of someone else's. */
export const accountRole = z.enum(['owner', 'member']);
export const inviteStatus = z.enum(['open', 'expired', 'revoked', 'accepted']);
export const ledgerKind = z.enum(['purchase', 'grant', 'usage', 'refund', 'adjustment']);
/** How an action reached us, as the audit log records it. */
export const via = z.enum(['web', 'slack', 'service', 'system']);

export type ProjectRole = z.infer<typeof projectRole>;
export type BillingMode = z.infer<typeof billingMode>;
export type UserStatus = z.infer<typeof userStatus>;
export type ClusterStatus = z.infer<typeof clusterStatus>;
export type CreditPool = z.infer<typeof creditPool>;
export type AccountRole = z.infer<typeof accountRole>;
export type InviteStatus = z.infer<typeof inviteStatus>;
export type LedgerKind = z.infer<typeof ledgerKind>;
export type Via = z.infer<typeof via>;

export const page = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export const reason = z
  .string()
  .trim()
  .min(3, { error: 'Give a reason of at least 3 characters' })
  .max(500);

/** A cluster's name, like us-east-1-prod. */
export const clusterName = z
  .string()
  .trim()
  .min(1, { error: 'Give the cluster a name' })
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    error: 'Use letters, digits, dots, dashes and underscores, like us-east-1-prod',
  });
/** A cluster's API URL: https only. */
export const clusterApiUrl = z
  .string()
  .trim()
  .max(2000)
  .regex(/^https:\/\//i, { error: 'Use an https:// URL, like https://hopsworks.example.com' })
  .pipe(
    z.url({
      protocol: /^https$/,
      error: 'Use an https:// URL, like https://hopsworks.example.com',
    }),
  );
