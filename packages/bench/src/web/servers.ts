// The servers the web benchmarks measure, each in a process of its own so that autocannon (in the
// benchmark's process) does not share their event loop: the real API server (@hops/web's
// server/main.ts, as `pnpm start` runs it), the raw-pg floor and PostGraphile 4.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from '@hops/db';
import { WEB_ROOT } from '@hops/web/server';

/** This package's folder: the floor's and PostGraphile's scripts run from it. */
const BENCH_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx <script> ...args` in `cwd`; ready once `ready` shows in its output, or
 * answers.
 */
export async function startProcess(
  cwd: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp | (() => Promise<boolean>),
  url: string,
): Promise<RunningServer> {
  // BENCH_PROFILE_DIR: each server writes a V8 CPU profile there when it stops (where the time goes).
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', script, ...args],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const deadline = Date.now() + 60_000;
  const isReady = () =>
    typeof ready === 'function' ? ready().catch(() => false) : Promise.resolve(ready.test(out));
  while (!(await isReady())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not start (exit ${child.exitCode}):\n${out.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ApiServer extends RunningServer {
  sessionSecret: string;
  serviceToken: string;
}

/** server/main.ts with production settings (OIDC configured, never contacted). */
export async function startApiServer(
  databaseUrl: string,
  options: { dashboard?: 'none' | 'dist'; authMode?: 'oidc' | 'dev' } = {},
): Promise<ApiServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sessionSecret = randomBytes(32).toString('base64url');
  const serviceToken = randomBytes(24).toString('base64url');
  const dev = options.authMode === 'dev';
  const server = await startProcess(
    WEB_ROOT,
    'server/main.ts',
    [`--dashboard=${options.dashboard ?? 'none'}`],
    {
      NODE_ENV: dev ? 'development' : 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATABASE_URL: databaseUrl,
      SEED_DEMO_DATA: 'false',
      SESSION_SECRET: sessionSecret,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SERVICE_TOKENS: serviceToken,
      LOG_LEVEL: 'warn',
      ...(dev
        ? { AUTH_MODE: 'dev' }
        : {
            AUTH_MODE: 'oidc',
            OIDC_ISSUER: 'https://issuer.invalid/',
            OIDC_CLIENT_ID: 'bench',
            OIDC_CLIENT_SECRET: 'bench',
          }),
    },
    async () => (await fetch(`${url}/healthz`)).ok,
    url,
  );
  return { ...server, sessionSecret, serviceToken };
}

export async function startRawServer(databaseUrl: string, statementsFile: string) {
  const port = await freePort();
  return startProcess(
    BENCH_ROOT,
    'src/web/raw-server.ts',
    [],
    { DATABASE_URL: databaseUrl, PORT: String(port), STATEMENTS: statementsFile },
    /raw floor listening/,
    `http://127.0.0.1:${port}`,
  );
}

export async function startPostGraphile(databaseUrl: string) {
  const port = await freePort();
  return startProcess(
    BENCH_ROOT,
    'src/web/postgraphile-server.ts',
    [],
    { DATABASE_URL: databaseUrl, PORT: String(port) },
    /postgraphile listening/,
    `http://127.0.0.1:${port}`,
  );
}
