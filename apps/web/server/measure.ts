// Throughput of the API server (`pnpm --filter @hops/web measure`): a fresh embedded PostgreSQL
// with the demo data, the real server (main.ts, production settings) in its own process, and
// autocannon on usage.daily — one account, 30 days, as the signed-in owner — at 32 connections
// for 10 s. Prints requests/s and latency p50/p99.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startEmbeddedPostgres } from '@hops/db';
import autocannon from 'autocannon';
import { SESSION_COOKIE, sealSession } from './auth/session.ts';

const CONNECTIONS = 32;
const DURATION_S = 10;
const OWNER = 'dev|alice'; // the demo account with 4 members and 90 days of usage

const folder = mkdtempSync(join(tmpdir(), 'hops-measure-'));
console.log('starting a fresh embedded PostgreSQL…');
const postgres = await startEmbeddedPostgres({ dataDir: join(folder, 'data'), persistent: false });
const port = await freePort();
const sessionSecret = randomBytes(32).toString('base64url');
const base = `http://127.0.0.1:${port}`;

const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--dashboard=none'], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    DATABASE_URL: postgres.url,
    SEED_DEMO_DATA: 'true',
    SESSION_SECRET: sessionSecret,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SERVICE_TOKENS: randomBytes(24).toString('base64url'),
    // Production settings; the provider is never contacted because nobody signs in here.
    AUTH_MODE: 'oidc',
    OIDC_ISSUER: 'https://issuer.invalid/',
    OIDC_CLIENT_ID: 'measure',
    OIDC_CLIENT_SECRET: 'measure',
    LOG_LEVEL: 'warn',
  },
});

async function cleanUp(): Promise<void> {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await postgres.stop();
  rmSync(folder, { recursive: true, force: true });
}

try {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(`${base}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (server.exitCode !== null || Date.now() > deadline)
      throw new Error('the server did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const day = (offset: number) =>
    new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  const input = { from: day(30), to: day(1), accountOwnerId: OWNER };
  const url = `${base}/trpc/usage.daily?input=${encodeURIComponent(JSON.stringify(input))}`;
  const headers = { cookie: `${SESSION_COOKIE}=${sealSession(sessionSecret, OWNER)}` };

  // One call first: the answer must be the real thing, not a fast refusal.
  const probe = await fetch(url, { headers });
  const body = (await probe.json()) as { result?: { data: { totalCost: string }[] } };
  const rows = body.result?.data ?? [];
  if (probe.status !== 200 || rows.length !== 30) {
    throw new Error(
      `usage.daily did not answer 30 rows: ${probe.status} ${JSON.stringify(body).slice(0, 300)}`,
    );
  }
  const total = rows.reduce((sum, row) => sum + Number(row.totalCost), 0); // display only
  console.log(
    `usage.daily ${input.from}..${input.to} for ${OWNER}: 30 rows, $${total.toFixed(2)} in total`,
  );

  console.log(`autocannon: ${CONNECTIONS} connections for ${DURATION_S} s…`);
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S });
  const failed = result.errors + result.timeouts + result.non2xx;
  console.log('');
  console.log(`GET /trpc/usage.daily (30 days, one account, owner's session cookie)`);
  console.log(
    `  requests/s   ${result.requests.average.toFixed(0)} (average over ${DURATION_S} s, ${result.requests.total} requests)`,
  );
  console.log(`  latency p50  ${result.latency.p50} ms`);
  console.log(`  latency p99  ${result.latency.p99} ms`);
  console.log(
    `  failed       ${failed} (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`,
  );
  console.log(
    `  machine      ${availableParallelism()} CPU(s), load average ${loadavg()[0]!.toFixed(1)}, Node ${process.version}; ` +
      'the server, PostgreSQL and autocannon share them',
  );
  if (failed > 0) process.exitCode = 1;
} catch (error) {
  console.error(`measure failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
