// `pnpm bench`: generates the benchmark data set into a scratch database, runs the benchmarks of
// @hops/bench (packages/bench: the API's, the web server's, the Slack bot's) on it one after
// another (nothing else should load the machine meanwhile), drops the database, and writes
// BENCHMARKS.md at the repository root: the machine, the commands, the targets (met or not) and
// each benchmark's medians, ratios and query plans.
//
//   pnpm bench [--accounts 11000] [--days 365] [--quick]
//   pnpm bench --database-url URL [--data-json FILE]   (reuse a generated data set)
//
// Needs a PostgreSQL server to create scratch databases on: BENCH_SERVER_URL, or
// postgres://postgres@127.0.0.1:5432/postgres. The default is the issue's scale, 11 000 accounts × 365
// days (≈ 10 M usage rows, ≈ 20 minutes to load on 2 CPUs); --quick: 100 accounts × 30 days, short runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({
  options: {
    accounts: { type: 'string' },
    days: { type: 'string' },
    quick: { type: 'boolean', default: false },
    // An already generated data set (kept, not dropped), and the JSON its bench:data run wrote.
    'database-url': { type: 'string' },
    'data-json': { type: 'string' },
  },
});
const accounts = values.accounts ?? (values.quick ? '100' : '11000');
const days = values.days ?? (values.quick ? '30' : '365');
const out = mkdtempSync(join(tmpdir(), 'hops-bench-'));
const name = `hops_bench_${process.pid}`;
const quickEnv = values.quick
  ? {
      BENCH_READ_SECONDS: '2',
      BENCH_READ_WARMUP_SECONDS: '1',
      BENCH_INGEST_BATCHES: '3',
      BENCH_REPORT_OWNER_DAYS: '500',
      BENCH_COLLECTION_NAMESPACES: '100,20',
      BENCH_COLLECTION_ROUNDS: '2',
      BENCH_MAIL_COUNT: '200',
      BENCH_MAIL_ROUNDS: '1',
    }
  : {};

/** Runs a command from the repository root; returns its status, standard output and duration. */
function run(label, args, options = {}) {
  console.log(`\n[bench] ${label}: pnpm ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync('pnpm', args, {
    cwd: root,
    env: { ...process.env, BENCH_OUT: out, ...quickEnv, ...options.env },
    stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  const seconds = (Date.now() - started) / 1000;
  commands.push({ label, command: `pnpm ${args.join(' ')}`, seconds, status: result.status });
  return { status: result.status, stdout: result.stdout ?? '', seconds };
}

const commands = [];
const scratch = (...args) =>
  run(
    `scratch ${args[0]}`,
    ['--silent', '--filter', '@hops/bench', 'exec', 'tsx', 'src/scratch.ts', ...args],
    {
      capture: true,
    },
  );

const facts = scratch('facts');
if (facts.status !== 0) {
  console.error(
    '[bench] No PostgreSQL server to benchmark on: set BENCH_SERVER_URL, or start one at 127.0.0.1:5432.',
  );
  process.exit(1);
}
const server = JSON.parse(facts.stdout.trim().split('\n').at(-1));
const reused = values['database-url'];
let databaseUrl = reused;
if (!reused) {
  const created = scratch('create', name);
  if (created.status !== 0) process.exit(1);
  databaseUrl = created.stdout.trim().split('\n').at(-1);
}

const failures = [];
try {
  if (!reused) {
    const data = run('data', [
      '--filter',
      '@hops/bench',
      'bench:data',
      '--accounts',
      accounts,
      '--days',
      days,
      '--database-url',
      databaseUrl,
      '--json',
      join(out, 'data.json'),
    ]);
    if (data.status !== 0) failures.push('bench:data');
  } else if (values['data-json']) {
    writeFileSync(join(out, 'data.json'), readFileSync(values['data-json']));
  }
  const env = { BENCH_DATABASE_URL: databaseUrl };
  for (const bench of ['bench:api', 'bench:web', 'bench:slack', 'bench:partition']) {
    if (run(bench, ['--filter', '@hops/bench', bench], { env }).status !== 0) failures.push(bench);
  }
} finally {
  if (!reused) scratch('drop', name);
}

// ---- BENCHMARKS.md ------------------------------------------------------------------------------

const read = (file) =>
  existsSync(join(out, file)) ? JSON.parse(readFileSync(join(out, file), 'utf8')) : null;
const results = [
  'api-ingest',
  'api-assignment',
  'api-queries',
  'api-report',
  'api-collection',
  'api-mail',
  'web-reads',
  'web-first-load',
  'slack-ack',
  'partition',
]
  .map((file) => read(`${file}.json`))
  .filter(Boolean);
const data = read('data.json');
const fmt = (n, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const cell = (text) => String(text).replaceAll('|', '\\|');

const lines = [
  '# Benchmarks',
  '',
  `Written by \`pnpm bench\` (scripts/bench.mjs) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
    'Speed is stated as medians and as ratios against a baseline measured side by side in the same run; nothing here is a test assertion.',
  '',
  '## Machine',
  '',
  '| | |',
  '| --- | --- |',
  `| CPUs | ${availableParallelism()} (${cell(cpus()[0]?.model ?? 'unknown')}), shared with whatever else runs |`,
  `| memory | ${fmt(totalmem() / 2 ** 30, 1)} GiB |`,
  `| Node.js | ${process.version} |`,
  `| PostgreSQL | ${server.version} (${Object.entries(server.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}) |`,
  '',
  '## Commands',
  '',
  '| step | command | seconds | exit |',
  '| --- | --- | --- | --- |',
  ...commands.map(
    (c) =>
      `| ${c.label} | \`${cell(c.command.replace(databaseUrl, '<scratch database>').replace(out, '<out>'))}\` | ${fmt(c.seconds, 1)} | ${c.status} |`,
  ),
  '',
  '## Targets',
  '',
  '| target | measured | verdict |',
  '| --- | --- | --- |',
  ...results.flatMap((r) =>
    r.targets.map(
      (t) =>
        `| ${cell(t.target)} | ${cell(t.measured)} | ${t.met === null ? 'not measured' : t.met ? 'met' : '**not met**'} |`,
    ),
  ),
  '',
];
if (data) {
  lines.push(
    "## Data generation (usage.ingest's service, batches of 10 000)",
    '',
    `\`pnpm --filter @hops/bench bench:data --accounts ${data.accounts} --days ${data.days}\`: ${fmt(data.rows)} usage rows ` +
      `(${fmt(data.users)} users in ${fmt(data.accounts)} accounts with 0–3 members, one in ten prepaid; ${data.firstDay}..${data.lastDay}), ` +
      `${data.concurrency} workers on disjoint accounts, in ${fmt(data.seconds, 1)} s: **${fmt(data.rowsPerSecond)} rows/s**. ` +
      (data.rows >= data.fullScale.rows
        ? `The full ${fmt(data.accounts)} accounts × ${data.days} days loaded in **${fmt(data.seconds / 60, 1)} minutes**` +
          (reused
            ? ' (generated before this run into the database it reused, while other work ran on the same CPUs).'
            : '.')
        : `Extrapolated at that rate, 11 000 accounts × 365 days (${fmt(data.fullScale.rows)} rows) would take about ` +
          `**${fmt(data.fullScale.seconds / 60, 0)} minutes** (linear extrapolation; index maintenance grows slowly with the table, so expect somewhat more).`),
    '',
  );
}
for (const r of results) lines.push(`## ${r.title}`, '', `\`${r.command}\``, '', r.markdown, '');
if (failures.length > 0)
  lines.push('## Failed', '', `These did not finish: ${failures.join(', ')}.`, '');
writeFileSync(join(root, 'BENCHMARKS.md'), lines.join('\n'));
// Formatted like every other file of the repository (`pnpm lint` checks it).
spawnSync('pnpm', ['exec', 'prettier', '--write', 'BENCHMARKS.md'], { cwd: root, stdio: 'ignore' });
rmSync(out, { recursive: true, force: true });
console.log(
  `\n[bench] wrote BENCHMARKS.md${failures.length ? ` (failed: ${failures.join(', ')})` : ''}`,
);
process.exit(failures.length > 0 ? 1 : 0);
