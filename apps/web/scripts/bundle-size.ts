// Prints the gzipped size of every asset the dashboard's first load fetches (the entry chunk and
// its static imports, from Vite's manifest), then the lazily loaded chunks, and fails the build
// when the first load's JavaScript passes the budget (250 KB gzipped unless BUNDLE_BUDGET_KB says).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8')) as Record<
  string,
  ManifestChunk
>;
const budgetKb = Number(process.env.BUNDLE_BUDGET_KB ?? 250);

const gzipped = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(7)} KB`;

/** Every chunk reachable from the entries through static imports: what the first load fetches. */
function firstLoad(): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const next of manifest[key]?.imports ?? []) visit(next);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  return seen;
}

const initial = firstLoad();
const files = new Map<string, 'js' | 'css'>();
for (const key of initial) {
  const chunk = manifest[key]!;
  files.set(chunk.file, 'js');
  for (const css of chunk.css ?? []) files.set(css, 'css');
}

let js = 0;
let css = 0;
console.log('\nFirst load (gzipped):');
for (const [file, kind] of [...files].sort()) {
  const size = gzipped(file);
  if (kind === 'js') js += size;
  else css += size;
  console.log(`  ${kb(size)}  ${file}`);
}
console.log(`  ${kb(js)}  JavaScript total (budget ${budgetKb} KB)`);
console.log(`  ${kb(css)}  CSS total`);

const lazy = Object.entries(manifest)
  .filter(([key, chunk]) => !initial.has(key) && chunk.file.endsWith('.js'))
  .map(([, chunk]) => ({ file: chunk.file, size: gzipped(chunk.file) }))
  .sort((a, b) => b.size - a.size);
console.log(
  `\nLoaded on demand: ${lazy.length} chunks, ${kb(lazy.reduce((n, c) => n + c.size, 0)).trim()} gzipped; the largest:`,
);
for (const chunk of lazy.slice(0, 8)) console.log(`  ${kb(chunk.size)}  ${chunk.file}`);

if (js > budgetKb * 1024) {
  console.error(
    `\nThe first load's JavaScript (${(js / 1024).toFixed(1)} KB) is over the ${budgetKb} KB budget.`,
  );
  process.exit(1);
}
