// `pnpm dev` and `pnpm start`: the API/web server and the Slack bot side by side (each package's own
// `dev` or `start` script), their output line by line behind the app's name, and a normal stop:
// Ctrl-C (or SIGTERM, SIGHUP) stops both gracefully and exits 0.
//
// Ctrl-C signals every process of the terminal's foreground process group. Under `turbo run dev`
// that was pnpm, a shell, turbo, per package pnpm and a shell again, tsx, the app, and the embedded
// PostgreSQL the web server starts: the database shut down under the server while it drained (a
// lost-connection error), each app got the signal twice (once more from tsx), and every pnpm and
// shell on the way reported the interrupt as a failure ("ELIFECYCLE Command failed"). Here each app
// runs in a process group of its own, so Ctrl-C reaches only pnpm and this script, which passes
// one signal to each app and waits; the web server then closes its database itself. The root
// package.json `exec`s this script: a shell between pnpm and it (dash) would die of the Ctrl-C
// itself, which pnpm reports as ELIFECYCLE.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const APPS = [
  { name: 'web', dir: 'apps/web' },
  { name: 'slackbot', dir: 'apps/slackbot' },
];
/** The apps get this long to stop (the web server's own deadline is 10 s), then they are killed. */
const STOP_DEADLINE_MS = 15_000;
/** A signal this soon after the first is the same Ctrl-C (pnpm passes it on to this script too). */
const SAME_STOP_MS = 1_000;

const task = process.argv[2];
if (task !== 'dev' && task !== 'start') {
  console.error('Usage: node scripts/apps.mjs dev|start');
  process.exit(2);
}

const width = Math.max(...APPS.map((app) => app.name.length));
function print(name, stream, line) {
  stream.write(`${name.padEnd(width)} │ ${line}\n`);
}

function start(app) {
  const dir = join(root, app.dir);
  const script = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.[task];
  if (!script) throw new Error(`${app.dir}/package.json has no "${task}" script.`);
  // `exec`: the shell becomes the script's command, so the signal sent to the child reaches it.
  const child = spawn('sh', ['-c', `exec ${script}`], {
    cwd: dir,
    env: {
      ...process.env,
      PATH: [join(dir, 'node_modules/.bin'), join(root, 'node_modules/.bin'), process.env.PATH]
        .filter(Boolean)
        .join(delimiter),
    },
    // A process group of its own: the terminal's Ctrl-C does not reach the app or its database.
    detached: true,
    // No stdin: a background process group that reads the terminal would be stopped (SIGTTIN).
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) =>
      print(app.name, to, line),
    );
  }
  const exited = new Promise((resolveExit) => {
    child.on('error', (error) => {
      print(app.name, process.stderr, `could not start: ${error.message}`);
      resolveExit({ code: 1, signal: null });
    });
    child.on('exit', (code, signal) => resolveExit({ code, signal }));
  });
  return { app, child, exited, done: false };
}

const running = APPS.map(start);
let stopping = null;
let failed = false;

/** Kills what is left of every app, its process group included (say an embedded database). */
function killAll() {
  for (const { child, done } of running) {
    if (done || child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already: nothing left to kill.
    }
  }
}

function stop(signal) {
  const now = Date.now();
  if (stopping) {
    if (now - stopping.at < SAME_STOP_MS) return;
    console.error(`${signal} again: killing the apps now.`);
    killAll();
    process.exit(1);
  }
  stopping = { signal, at: now };
  // Each app's tsx passes the signal on to the app, which stops gracefully.
  const forward = signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
  for (const { child, done } of running) if (!done) child.kill(forward);
  setTimeout(() => {
    const left = running.filter((r) => !r.done).map((r) => r.app.name);
    console.error(
      `${left.join(' and ')} did not stop within ${STOP_DEADLINE_MS / 1000} s; killed.`,
    );
    killAll();
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));

await Promise.all(
  running.map(async (entry) => {
    const { code, signal } = await entry.exited;
    entry.done = true;
    const clean = code === 0 && stopping !== null;
    if (clean) return;
    failed = true;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (stopping) {
      print(entry.app.name, process.stderr, `${how} while stopping.`);
    } else {
      print(entry.app.name, process.stderr, `${how}; stopping the others.`);
      stop('SIGTERM');
    }
  }),
);
process.exit(failed ? 1 : 0);
