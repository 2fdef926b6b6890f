// Shared pieces of every benchmark: medians and percentiles, number formatting, and the result
// each benchmark hands to scripts/bench.mjs (a Markdown section and its targets), written to
// BENCH_OUT/<name>.json, or printed when run on its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Target {
  /** What the target says, e.g. "Slack ack p99 < 100 ms". */
  target: string;
  /** What was measured, in words and numbers. */
  measured: string;
  /** true met, false not met, null not measured here (extrapolated or skipped). */
  met: boolean | null;
  note?: string;
}

export interface BenchResult {
  /** Section title in BENCHMARKS.md. */
  title: string;
  /** The command that produced it. */
  command: string;
  markdown: string;
  targets: Target[];
  /** Raw numbers, for whoever wants them. */
  data?: unknown;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

/** 12 345 → "12,345"; 1.234 → "1.23"; for tables. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export const ms = (value: number) => `${fmt(value, value < 10 ? 2 : 1)} ms`;
export const ratio = (value: number) => `${fmt(value, 2)}×`;

/** A Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Fenced text (a query plan). */
export const fenced = (text: string) => `\`\`\`\n${text.trimEnd()}\n\`\`\``;

/** Hands the result to scripts/bench.mjs (BENCH_OUT), or prints it. */
export function publish(name: string, result: BenchResult): void {
  const out = process.env.BENCH_OUT;
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${name}.json`), JSON.stringify(result, null, 2));
  }
  console.log(`\n## ${result.title}\n\n${result.markdown}\n`);
  for (const t of result.targets) {
    const verdict = t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met';
    console.log(`target: ${t.target} — ${t.measured} — ${verdict}`);
  }
}

/** Prints progress to stderr, so stdout stays the report. */
export const say = (line: string) => console.error(`[bench] ${line}`);
