// `pnpm test`: runs every package's Vitest suite through turbo, then prints one closing line
// with the totals of all packages ("N passed, N failed, N skipped").
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const packages = [
  'packages/config',
  'packages/db',
  'packages/fakes',
  'packages/api',
  'apps/web',
  'apps/slackbot',
  'packages/app-tests',
];
const reportOf = (dir) => join(dir, '.vitest-report.json');
for (const dir of packages) rmSync(reportOf(dir), { force: true });

const run = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--concurrency=1', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of packages) {
  if (!existsSync(reportOf(dir))) continue;
  const report = JSON.parse(readFileSync(reportOf(dir), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status ?? 1);
