// main.ts as an operator runs it: a separate process, configured by the environment. Shared by the
// start-up tests and the reliability suite's shutdown test.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_TOKEN } from './helpers.ts';

const webRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A complete configuration for main.ts on `databaseUrl`, listening on a free port. */
export function mainEnv(databaseUrl: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SERVICE_TOKENS: SERVICE_TOKEN,
    LOG_LEVEL: 'info',
    // Mails a test causes are written here, never into the checkout's .data/mail.
    MAIL_DIR: join(tmpdir(), `hops-test-mail-${randomBytes(6).toString('hex')}`),
  };
}

export interface MainProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves at exit, with the moment (performance.now()) it happened. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function spawnMain(env: Record<string, string | undefined>): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--dashboard=none'], {
    cwd: webRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The base URL main.ts prints once it listens; throws with its output if it never does. */
export async function listeningUrl(proc: MainProcess): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const match = /hops is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stdout());
    if (match) return match[1]!;
    if (proc.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not start:\n${proc.stdout()}\n${proc.stderr()}`);
}
