// Input schemas shared by the procedures and the front ends' forms, and the API's unions (status,
// role, billing mode, pool, via) as zod enums with their `z.infer` types. The database's own types
// are generated from the migrations (kysely-codegen overrides from the CHECK constraints); db.ts
// fails to compile if an enum here disagrees with them. Every refusal is a sentence naming its
// field (input-sentences.ts). Client-safe.
import { z } from 'zod';
import { daysBetween, isDay } from './days.ts';
import { usdToCents } from './decimal.ts';
import { describeInputError, issueSentence, subjectOf } from './input-sentences.ts';

// Whoever reads these schemas (the API, the dashboard's forms, the bot) hears zod's own issues as
// sentences that name the field; a schema's own wording, where it has one, still comes first.
z.config({ customError: issueSentence });

export { describeInputError, fieldName } from './input-sentences.ts';

/**
 * A schema's own message that names the field it refused, from the issue's path ("The start date
 * must be…"), or `noun` when the value is parsed on its own ("The date must be…").
 */
export function aboutField(noun: string, rest: string) {
  return (issue: { path?: PropertyKey[] | undefined }) =>
    `${subjectOf(issue.path, `The ${noun}`)} ${rest}.`;
}

/**
 * The form in which two e-mail addresses are compared (SPEC §12): trimmed, ASCII letters
 * lower-cased and nothing else. Unicode case mapping is never applied: the Kelvin sign 'K' would
 * become 'k', and a mailbox that is not alice@… would match alice@…. The schema below refuses
 * every address such a mapping could change, so this key and PostgreSQL's lower() agree on every
 * address hops accepts.
 */
export function emailKey(value: string): string {
  return value.trim().replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Whether two e-mail addresses name the same mailbox, as hops matches them (`emailKey`). */
export function sameEmail(a: string, b: string): boolean {
  return emailKey(a) === emailKey(b);
}

/** The most characters of an address, and of its part before the @ (RFC 5321). */
export const EMAIL_LENGTH = { max: 254, local: 64 } as const;

/**
 * The first character of `value` that Unicode normalisation (NFKC) or case mapping would turn
 * into another one ('K' Kelvin sign → 'K', 'ß' → 'SS', dotless 'ı' → 'I', 'ﬁ' → 'fi', 'É' → 'é'),
 * or a combining sequence NFKC would compose; undefined when there is none. ASCII is left alone:
 * its case is what `emailKey` folds.
 */
export function ambiguousEmailCharacter(value: string): string | undefined {
  for (const character of value) {
    if (character.charCodeAt(0) < 0x80) continue;
    if (
      character.normalize('NFKC') !== character ||
      character.toLowerCase() !== character ||
      character.toUpperCase().toLowerCase() !== character
    ) {
      return character;
    }
  }
  if (value.normalize('NFKC') !== value) {
    return [...value].find((character) => /\p{M}/u.test(character)) ?? value;
  }
  return undefined;
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * An e-mail address, checked the one way every path checks it (SPEC §12: forms, the API, the
 * identity provider's claim): trimmed; at most 254 characters and 64 before the @; no character
 * that Unicode normalisation or case mapping would change, so that two different mailboxes never
 * match one another; ASCII only (internationalised mailboxes need SMTPUTF8 all the way and a
 * comparison rule of their own, which hops does not have); then the address pattern.
 */
export const email = z
  .string()
  .trim()
  .min(1, { error: 'Give an e-mail address', abort: true })
  .max(EMAIL_LENGTH.max, {
    error: `An e-mail address has at most ${EMAIL_LENGTH.max} characters`,
    abort: true,
  })
  .refine((value) => ambiguousEmailCharacter(value) === undefined, {
    error: (issue) => {
      const character = ambiguousEmailCharacter(String(issue.input));
      return `This e-mail address holds “${character}” (${codePoint(character ?? '')}), which could be read as another letter, so two different mailboxes could match. Type the address in plain letters (a–z, digits, . _ ' + -)`;
    },
    abort: true,
  })
  .refine((value) => /^[\x20-\x7e]*$/.test(value), {
    error:
      "An e-mail address can hold plain characters only (a–z, digits, . _ ' + -, and an international domain in its xn-- form)",
    abort: true,
  })
  .refine((value) => value.split('@')[0]!.length <= EMAIL_LENGTH.local, {
    error: `The part of an e-mail address before the @ has at most ${EMAIL_LENGTH.local} characters`,
    abort: true,
  })
  .pipe(z.email({ error: 'Enter a valid e-mail address' }));

/**
 * Why `value` is not an e-mail address hops accepts (the schema's sentence), or null: for paths
 * that check an address outside a procedure's input, such as the identity provider's claim.
 */
export function emailProblem(value: unknown): string | null {
  const result = email.safeParse(value);
  return result.success ? null : describeInputError(result.error);
}

/** A UTC day, `YYYY-MM-DD`, that exists in the calendar. */
export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, {
    error: aboutField('date', 'must be a date like 2026-01-31'),
    abort: true,
  })
  .refine(isDay, { error: aboutField('date', 'is not a day of the calendar'), abort: true });

/** The most days one date range may span (both ends counted), SPEC §12. */
export const MAX_RANGE_DAYS = 400;

/** Inclusive UTC day range; at most MAX_RANGE_DAYS days. */
export const dateRange = z
  .object({ from: day, to: day })
  .refine((r) => r.from <= r.to, {
    error: 'The start date is after the end date. Pick a start on or before the end',
    path: ['to'],
  })
  .refine((r) => daysBetween(r.from, r.to) < MAX_RANGE_DAYS, {
    error: (issue) => {
      const range = issue.input as { from: string; to: string };
      const days = daysBetween(range.from, range.to) + 1;
      return `A date range can span at most ${MAX_RANGE_DAYS} days; ${range.from} to ${range.to} spans ${days}. Pick a shorter one, or ask for it in parts`;
    },
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
    error: aboutField(
      'amount',
      'must be a non-negative number with at most 4 decimals and 10 digits before the point',
    ),
    abort: true,
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

/** A monthly spending cap in USD (SPEC §11): above zero, whole cents, at most $1,000,000,000. */
export const spendingCapUsd = z
  .union([z.string().trim(), z.number().finite()])
  .transform((value) => (typeof value === 'number' ? numberToDecimal(value) : value))
  .refine((value) => /^\d{1,10}(\.\d{1,2})?$/.test(value), {
    error: 'Enter the cap in US dollars with at most 2 decimals, like 500 or 1250.50',
    abort: true,
  })
  .refine((value) => Number(value) > 0, {
    error: 'A cap must be more than $0; to have no cap, turn it off',
    abort: true,
  })
  .refine((value) => Number(value) <= 1_000_000_000, {
    error: 'A cap can be at most $1,000,000,000',
  });
export const spendingCapPolicy = z.enum(['notify', 'suspend']);

function numberToDecimal(value: number): string {
  // JSON numbers arrive as floats; print them exactly as written where possible.
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(10).replace(/\.?0+$/, '') : text;
}

export const userId = z.string().trim().min(1).max(200);
export const uuid = z.uuid({
  error: aboutField(
    'id',
    'must look like 3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6 (copy it from the list)',
  ),
});

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
export type SpendingCapPolicy = z.infer<typeof spendingCapPolicy>;
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
    error:
      'A cluster name can hold letters, digits, dots, dashes and underscores, like us-east-1-prod',
  });
const HTTPS_ONLY = 'Use an https:// URL for the API URL, like https://hopsworks.example.com';

/** A cluster's API URL: https only. */
export const clusterApiUrl = z
  .string()
  .trim()
  .max(2000)
  .regex(/^https:\/\//i, { error: HTTPS_ONLY })
  .pipe(z.url({ protocol: /^https$/, error: HTTPS_ONLY }));

/** A cluster's OpenCost API base (SPEC §9): https only, like its Hopsworks URL. */
export const clusterOpenCostUrl = clusterApiUrl;

/**
 * A PEM certificate a cluster's calls trust besides the system's roots (SPEC §9). Its shape is
 * checked here; that it parses as a certificate, in the service.
 */
export const clusterCaCertificate = z
  .string()
  .trim()
  .max(20_000, {
    error: 'The CA certificate is too long for one PEM certificate (at most 20 000 characters).',
  })
  .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/, {
    error:
      'Paste the CA certificate in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.',
  });

/** The most and fewest users a cluster can be made for (`max_users`, CHECK > 0). */
export const CLUSTER_CAPACITY = { min: 1, max: 1_000_000 } as const;

/** A cluster's capacity in users: a whole number from 1 to 1 000 000. */
export const clusterCapacity = z
  .number({ error: 'Capacity must be a whole number of users, like 25' })
  .int({ error: 'Capacity must be a whole number of users, like 25' })
  .min(CLUSTER_CAPACITY.min, { error: 'Capacity must be at least 1 user' })
  .max(CLUSTER_CAPACITY.max, { error: 'Capacity can be at most 1,000,000 users' });

/**
 * The capacity as typed into a form: digits only (no sign, point, comma or exponent), then the
 * capacity's own rule. What was typed is what is saved, or the sentence says why not.
 */
export const clusterCapacityText = z
  .string()
  .trim()
  .min(1, { error: 'Give the capacity, in users', abort: true })
  .regex(/^\d+$/, { error: 'Capacity must be a whole number of users, like 25' })
  .transform(Number)
  .pipe(clusterCapacity);

/** A JSON value, as a free-form field holds it. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** How deeply any procedure's input may nest (SPEC §12); the deepest valid input nests 4 levels. */
export const MAX_INPUT_DEPTH = 64;

/**
 * Whether `value` nests objects or lists more than `maxDepth` levels deep (the value itself is
 * level 1). Walked with a stack of its own and stopping at the first level too deep, so any depth
 * of input is answered without recursion: a guard that can run on a raw input before any schema,
 * JSON.stringify or jsonb parser walks it.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
}

/** The sentence for an input that nests too deeply. */
export const TOO_DEEP_INPUT = `This request nests its data more than ${MAX_INPUT_DEPTH} levels deep, which no hops procedure takes. Send flatter JSON.`;

/** How deep and how big a free-form JSON object may be (a project breakdown, cluster metadata). */
export const JSON_OBJECT_LIMITS = { depth: 32, values: 10_000, stringLength: 10_000 } as const;

/**
 * What is wrong with `value` as a free-form JSON object, or null. Walked with a stack of its own,
 * never by recursion: a value nested 100 000 deep is refused with a sentence here, instead of
 * overflowing the call stack in a validator, JSON.stringify or PostgreSQL's jsonb parser (a 500).
 * NUL characters are refused too, since jsonb cannot hold them.
 */
export function jsonObjectProblem(
  value: unknown,
  limits: { depth: number; values: number; stringLength: number } = JSON_OBJECT_LIMITS,
): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'must be a JSON object, like {"name": "value"}';
  }
  const pending: [unknown, number][] = [[value, 1]];
  let values = 0;
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    values += 1;
    if (values > limits.values) return `can hold at most ${limits.values} values`;
    if (typeof item === 'string') {
      if (item.length > limits.stringLength) {
        return `can hold texts of at most ${limits.stringLength} characters`;
      }
      if (item.includes('\u0000')) return 'cannot hold the NUL character (\\u0000)';
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) return 'can hold finite numbers only';
    } else if (item !== null && typeof item === 'object') {
      if (depth > limits.depth) return `can be nested at most ${limits.depth} levels deep`;
      const entries = Array.isArray(item)
        ? item.map((v) => ['', v] as const)
        : Object.entries(item);
      for (const [key, child] of entries) {
        if (key.length > limits.stringLength) {
          return `can hold names of at most ${limits.stringLength} characters`;
        }
        if (key.includes('\u0000')) return 'cannot hold the NUL character (\\u0000)';
        pending.push([child, depth + 1]);
      }
    } else if (typeof item !== 'boolean' && item !== null) {
      return 'can hold only JSON values (texts, numbers, true, false, null, lists and objects)';
    }
  }
  return null;
}

/**
 * A free-form JSON object within `JSON_OBJECT_LIMITS` (`noun` names it in the refusal): checked
 * before anything walks it, so no depth or size of input reaches a recursive walk.
 */
export function jsonObject(noun: string) {
  return z.custom<Record<string, JsonValue>>((value) => jsonObjectProblem(value) === null, {
    error: (issue) => `${subjectOf(issue.path, `The ${noun}`)} ${jsonObjectProblem(issue.input)}.`,
  });
}
