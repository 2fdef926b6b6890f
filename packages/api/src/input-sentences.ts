// Input refusals as sentences for a person, naming the field: "The capacity can be at most
// 1,000,000." — never zod's own "Too big: expected number to be <=1000000". schemas.ts installs
// `issueSentence` as zod's message for every issue a schema does not word itself, so the API, the
// dashboard's forms and the Slack bot all say the same thing. Client-safe.
import type { z } from 'zod';

/** How people call the fields of the API's inputs, where the camelCase name is not enough. */
const FIELD_NAMES: Record<string, string> = {
  id: 'id',
  userId: 'user id',
  memberId: 'member id',
  ownerId: 'account owner id',
  accountOwnerId: 'account owner id',
  inviteId: 'invite id',
  clusterId: 'cluster',
  jobId: 'job id',
  email: 'e-mail address',
  apiUrl: 'API URL',
  apiKey: 'API key',
  maxUsers: 'capacity',
  from: 'start date',
  to: 'end date',
  pool: 'credit pool',
  isAdmin: 'admin flag',
  token: 'invite link',
  cursor: 'page position',
  limit: 'number of rows',
  hopsworksClusterId: 'cluster id',
  opencostUrl: 'OpenCost URL',
  opencostToken: 'OpenCost token',
  caCertificate: 'CA certificate',
  monthlyCapUsd: 'monthly cap',
};

const ACRONYMS = new Set(['cpu', 'gpu', 'ram', 'gb', 'api', 'url', 'ca', 'usd', 'csv', 'ip']);

/** "ramGbHours" → "RAM GB hours"; an all-capitals name (an environment variable) stays. */
function words(key: string): string {
  const known = FIELD_NAMES[key];
  if (known) return known;
  if (/^[A-Z0-9_]+$/.test(key)) return key;
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_]+/)
    .map((word) => {
      const lower = word.toLowerCase();
      return ACRONYMS.has(lower) ? lower.toUpperCase() : lower;
    })
    .join(' ');
}

/**
 * The field a path points at, in words, or null for a value parsed on its own:
 * ['maxUsers'] → "capacity", ['records', 0, 'cpuHours'] → "CPU hours of record 1".
 */
export function fieldName(path: readonly PropertyKey[] | undefined): string | null {
  if (!path || path.length === 0) return null;
  const keys = path.map((part) => (typeof part === 'symbol' ? String(part.description) : part));
  const last = keys[keys.length - 1]!;
  if (typeof last === 'number') {
    const holder = keys[keys.length - 2];
    const item = typeof holder === 'string' ? words(holder).replace(/s$/, '') : 'item';
    return `${item} ${last + 1}`;
  }
  let name = words(last);
  // Name the list item a field belongs to ("of record 3"), the nearest one only.
  for (let i = keys.length - 2; i >= 0; i -= 1) {
    const part = keys[i];
    if (typeof part === 'number') {
      const holder = keys[i - 1];
      const item = typeof holder === 'string' ? words(holder).replace(/s$/, '') : 'item';
      name = `${name} of ${item} ${part + 1}`;
      break;
    }
  }
  return name;
}

/** "The capacity", or `fallback` ("This value") when the value stands alone. */
export function subjectOf(path: readonly PropertyKey[] | undefined, fallback = 'This value') {
  const name = fieldName(path);
  return name ? `The ${name}` : fallback;
}

const plural = (subject: string) => /[^s]s$/.test(subject.replace(/ of .*$/, ''));

function number(value: number | bigint): string {
  return typeof value === 'bigint' ? value.toLocaleString('en-US') : value.toLocaleString('en-US');
}

function quoted(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `“${v}”` : String(v)));
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

const KINDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a set of fields',
  record: 'a set of fields',
  date: 'a date',
  bigint: 'a whole number',
};

const FORMATS: Record<string, string> = {
  email: 'must be an e-mail address, like alice@example.com',
  uuid: 'must look like 3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6 (copy it from the list)',
  guid: 'must look like 3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6 (copy it from the list)',
  url: 'must be a URL, like https://example.com',
  date: 'must be a date like 2026-01-31',
  datetime: 'must be a date and time like 2026-01-31T12:00:00Z',
  time: 'must be a time like 12:00',
  base64: 'must be base64 text',
};

type RawIssue = z.core.$ZodRawIssue;

/** What is wrong with the value, after its subject: "can be at most 1,000,000". */
function predicate(issue: RawIssue, subject: string): string {
  const be = plural(subject) ? 'are' : 'is';
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      if (expected === 'nonoptional' || expected === 'undefined') return 'must be left out';
      return `must be ${KINDS[expected] ?? expected}`;
    }
    case 'too_big': {
      const max = number(issue.maximum);
      switch (issue.origin) {
        case 'string':
          return issue.exact
            ? `must be exactly ${max} characters long`
            : `can be at most ${max} characters long`;
        case 'array':
        case 'set':
          return `can hold at most ${max} ${Number(issue.maximum) === 1 ? 'item' : 'items'}`;
        case 'file':
          return `can be at most ${max} bytes`;
        case 'date':
          return `must be on or before ${new Date(Number(issue.maximum)).toISOString().slice(0, 10)}`;
        default:
          return issue.inclusive === false ? `must be less than ${max}` : `can be at most ${max}`;
      }
    }
    case 'too_small': {
      const min = number(issue.minimum);
      switch (issue.origin) {
        case 'string':
          return issue.exact
            ? `must be exactly ${min} characters long`
            : `must be at least ${min} ${Number(issue.minimum) === 1 ? 'character' : 'characters'} long`;
        case 'array':
        case 'set':
          return `must hold at least ${min} ${Number(issue.minimum) === 1 ? 'item' : 'items'}`;
        case 'file':
          return `must be at least ${min} bytes`;
        case 'date':
          return `must be on or after ${new Date(Number(issue.minimum)).toISOString().slice(0, 10)}`;
        default:
          return issue.inclusive === false
            ? `must be greater than ${min}`
            : `must be at least ${min}`;
      }
    }
    case 'invalid_format': {
      if (issue.format === 'starts_with') return `must start with “${String(issue.prefix)}”`;
      if (issue.format === 'ends_with') return `must end with “${String(issue.suffix)}”`;
      if (issue.format === 'includes') return `must contain “${String(issue.includes)}”`;
      return FORMATS[issue.format] ?? `${be} not written the way it should be`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${number(issue.divisor)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quoted(issue.values)}`
        : `must be one of ${quoted(issue.values)}`;
    case 'invalid_key':
      return 'has a key that is not valid';
    case 'invalid_element':
      return 'has an item that is not valid';
    default:
      return `${be} not valid`;
  }
}

/**
 * zod's message for an issue its schema does not word itself: one sentence naming the field.
 * A required field that is missing reads "Give the …".
 */
export function issueSentence(issue: RawIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = fieldName(issue.path);
    const keys = issue.keys.map((k) => `“${k}”`).join(', ');
    return `${where ? `The ${where} has` : 'This request has'} ${issue.keys.length === 1 ? 'a field' : 'fields'} hops does not know: ${keys}.`;
  }
  const name = fieldName(issue.path);
  const missing =
    issue.input === undefined &&
    (issue.code === 'invalid_type' ||
      (issue.code === 'invalid_union' && (issue.errors?.length ?? 0) > 0));
  if (missing && !(issue.code === 'invalid_type' && issue.expected === 'undefined')) {
    return name ? `Give the ${name}.` : 'Give a value.';
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) {
    return name ? `Give the ${name}.` : 'Fill this in.';
  }
  const subject = name ? `The ${name}` : 'This value';
  return `${subject} ${predicate(issue, subject)}.`;
}

/** One issue as a sentence: its message, with its field's name put before a bare predicate. */
function finished(issue: z.core.$ZodIssue): string {
  let text = issue.message.trim();
  // A message written as a predicate ("must be a decimal number, …") continues its field's name.
  if (/^[a-z]/.test(text)) text = `${subjectOf(issue.path)} ${text}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Why an input was refused, in sentences (at most three, the rest counted). */
export function describeInputError(error: { issues: readonly z.core.$ZodIssue[] }): string {
  const sentences = [...new Set(error.issues.map(finished))];
  const shown = sentences.slice(0, 3);
  const more = sentences.length - shown.length;
  if (more > 0)
    shown.push(`${more === 1 ? 'One more field needs' : `${more} more fields need`} fixing too.`);
  return shown.join(' ') || 'This input is not valid.';
}
