// Reading `/hops …` arguments: words, quoted phrases, e-mails, whole numbers and decimal amounts
// (kept as strings: money never passes through a float).
import { projectRole, type ProjectRole } from '@hops/api/schemas';

/** A wrong command or argument; the dispatcher answers it with the command's usage line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '«': '»' };

/**
 * Splits a command line into words. Quoted phrases ("…", '…', and the curly quotes Slack clients
 * type) are one word. Slack's escaping (&amp; &lt; &gt;) and its auto-links of e-mails and URLs
 * (<mailto:a@b.c|a@b.c>) are undone first.
 */
export function tokenize(line: string): string[] {
  const text = line
    .replace(/<mailto:([^|>]+)(\|[^>]*)?>/g, '$1')
    .replace(/<((?:https?):[^|>]+)(\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const close = QUOTES[ch];
    if (close) {
      const end = text.indexOf(close, i + 1);
      if (end === -1) throw new UsageError(`A quote (${ch}) is not closed.`);
      words.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end]!)) end += 1;
    words.push(text.slice(i, end));
    i = end;
  }
  return words;
}

const EMAIL = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;

export function readEmail(word: string | undefined, what = 'an e-mail address'): string {
  if (word === undefined) throw new UsageError(`Give ${what}.`);
  if (!EMAIL.test(word)) throw new UsageError(`\`${word}\` is not an e-mail address.`);
  return word;
}

/**
 * A whole number within a range (the default when absent). A refusal says which rule the word
 * broke — negative, decimals, out of range, not digits — not merely that it was not accepted.
 */
export function readWholeNumber(
  word: string | undefined,
  what: string,
  range: { min: number; max: number; default: number },
): number {
  if (word === undefined) return range.default;
  const { min, max } = range;
  const span = `from ${min} to ${max}`;
  const refuse = (rule: string) => new UsageError(`${what} must be ${rule}, not \`${word}\`.`);
  const belowMin = () =>
    min === 1 ? refuse(`a positive whole number (${span})`) : refuse(`at least ${min}`);
  const number = /^([+-]?)(\d+)(\.\d*)?$/.exec(word);
  if (!number) throw refuse(`a whole number written in digits (${span})`);
  const [, sign, digits, decimals] = number;
  if (sign === '-' && !/^0+$/.test(digits!)) throw belowMin();
  if (decimals !== undefined) throw refuse(`a whole number without decimals (${span})`);
  const n = Number(digits);
  if (n < min) throw belowMin();
  if (n > max) throw refuse(`at most ${max}`);
  return n;
}

/**
 * A positive amount of USD with at most 4 decimals ("25", "12.50", "$0.25"), returned as the
 * decimal string the API takes. A refusal names what is wrong with the amount.
 */
export function readAmount(word: string | undefined): string {
  if (word === undefined || word.trim() === '') throw new UsageError('Give an amount in USD.');
  const plain = word.replace(/,/g, '');
  const example = 'like 25 or 12.50';
  if (/^-\$?\d*\.?\d+$/.test(plain)) {
    throw new UsageError(
      `The amount must be positive, not \`${word}\`: give a number of USD ${example}.`,
    );
  }
  if (/^\$?(\.\d+|\d+\.)$/.test(plain)) {
    throw new UsageError(
      `\`${word}\` is not an amount: write digits on both sides of the point, ${example}.`,
    );
  }
  const match = /^\$?(\d+)(?:\.(\d+))?$/.exec(plain);
  if (!match) {
    throw new UsageError(
      `\`${word}\` is not an amount: write a number of USD in digits, ${example}, without a sign or exponent.`,
    );
  }
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = match[2] ?? '';
  if (fraction.length > 4) {
    throw new UsageError(
      `The amount can have at most 4 decimals, not ${fraction.length} (\`${word}\`).`,
    );
  }
  if (whole.length > 10) {
    throw new UsageError(`The amount is too large: at most 9999999999.9999 USD, not \`${word}\`.`);
  }
  if (/^0+$/.test(whole) && /^0*$/.test(fraction)) {
    throw new UsageError('The amount must be greater than zero.');
  }
  return fraction ? `${whole}.${fraction}` : whole;
}

/** The API's largest spending cap, in whole USD. */
const MAX_CAP_USD = 1_000_000_000;

/**
 * A monthly spending cap: a positive number of USD with at most 2 decimals, at most
 * $1,000,000,000 ("500", "1,250.50", "$99.99"), as the decimal string the API takes; `off` is
 * null (no cap). The API's own rules, checked before the prompt so a wrong cap gets no Confirm.
 */
export function readCap(word: string | undefined): string | null {
  const example = 'like 500 or 1250.50';
  if (word === undefined || word.trim() === '') {
    throw new UsageError(`Give the cap in USD, ${example}, or \`off\` for no cap.`);
  }
  if (['off', 'none', 'no'].includes(word.toLowerCase())) return null;
  const plain = word.replace(/,/g, '');
  if (/^-\$?\d*\.?\d+$/.test(plain)) {
    throw new UsageError(`A cap must be more than $0, not \`${word}\`; for no cap, write \`off\`.`);
  }
  const match = /^\$?(\d+)(?:\.(\d+))?$/.exec(plain);
  if (!match) {
    throw new UsageError(
      `\`${word}\` is not a cap: write a number of USD in digits, ${example}, or \`off\`.`,
    );
  }
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = match[2] ?? '';
  if (fraction.length > 2) {
    throw new UsageError(
      `A cap can have at most 2 decimals (cents), not ${fraction.length} (\`${word}\`).`,
    );
  }
  if (/^0+$/.test(whole) && /^0*$/.test(fraction)) {
    throw new UsageError('A cap must be more than $0; for no cap, write `off`.');
  }
  if (whole.length > 10 || Number(whole) + Number(`0.${fraction || '0'}`) > MAX_CAP_USD) {
    throw new UsageError(`A cap can be at most $1,000,000,000, not \`${word}\`.`);
  }
  return fraction ? `${whole}.${fraction}` : whole;
}

/** The rest of the words as one sentence (a reason); at least 3 characters. */
export function readReason(words: string[]): string {
  const reason = words.join(' ').trim();
  if (reason.length < 3) throw new UsageError('Give a reason (at least 3 characters).');
  if (reason.length > 500) throw new UsageError('Keep the reason under 500 characters.');
  return reason;
}

/** Fails when words are left over after a command's last argument. */
export function noMore(words: string[]): void {
  if (words.length > 0) throw new UsageError(`Unexpected \`${words.join(' ')}\`.`);
}

/** A project role from its words, case-insensitive; "owner", "scientist" and "observer" also do. */
export function readRole(words: string[]): ProjectRole | undefined {
  if (words.length === 0) return undefined;
  const text = words.join(' ').trim().toLowerCase().replace(/[-_]/g, ' ');
  const role = projectRole.options.find((r) => {
    const full = r.toLowerCase();
    return text === full || text === full.replace(/^data /, '');
  });
  if (!role)
    throw new UsageError(
      `\`${words.join(' ')}\` is not a role: use ${projectRole.options.join(', ')}.`,
    );
  return role;
}
