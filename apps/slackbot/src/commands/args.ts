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

export function readWholeNumber(
  word: string | undefined,
  what: string,
  range: { min: number; max: number; default: number },
): number {
  if (word === undefined) return range.default;
  if (!/^\d{1,6}$/.test(word))
    throw new UsageError(`${what} must be a whole number, not \`${word}\`.`);
  const n = Number(word);
  if (n < range.min || n > range.max) {
    throw new UsageError(`${what} must be between ${range.min} and ${range.max}.`);
  }
  return n;
}

/**
 * A positive amount of USD with at most 4 decimals ("25", "12.50", "$0.25"), returned as the
 * decimal string the API takes.
 */
export function readAmount(word: string | undefined): string {
  if (word === undefined) throw new UsageError('Give an amount in USD.');
  const match = /^\$?(\d{1,10})(?:\.(\d{1,4}))?$/.exec(word.replace(/,/g, ''));
  if (!match) {
    throw new UsageError(
      `\`${word}\` is not an amount: use a number of USD with at most 4 decimals, like 25 or 12.50.`,
    );
  }
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = match[2] ?? '';
  if (/^0+$/.test(whole) && /^0*$/.test(fraction)) {
    throw new UsageError('The amount must be greater than zero.');
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
