// `pnpm dev` as a developer runs it — the root script, the API/web server (with Vite) and the Slack
// bot — stopped with Ctrl-C: every process of the group gets SIGINT, as a terminal sends it. A
// normal stop looks normal: exit code 0, both apps stop gracefully, and no error is printed (no
// "ELIFECYCLE Command failed", no lost database connection).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from '@hops/db';
import { createTestDatabase, type TestDatabase } from '@hops/db/testing';
import { SERVICE_TOKEN } from '@hops/web/testing';
import { mainEnv } from '@hops/web/testing/main-process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

/** Starts `pnpm <script>` in a process group of its own, as a terminal runs a foreground command. */
async function startScript(script: string) {
  const [webPort, botPort] = [await freePort(), await freePort()];
  const env = {
    ...mainEnv(database.url),
    PORT: String(webPort),
    SLACKBOT_PORT: String(botPort),
    HOPS_API_URL: `http://127.0.0.1:${webPort}`,
    HOPS_SERVICE_TOKEN: SERVICE_TOKEN,
    SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
    SLACK_BOT_TOKEN: 'xoxb-dev-process-test',
    JOB_WORKERS: '1',
  };
  const child = spawn('pnpm', ['run', script], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const output = () => `${stdout}\n--- stderr ---\n${stderr}`;
  /** Resolves once every text has been printed; throws with the output if the script ends first. */
  const waitFor = async (...texts: string[]) => {
    const deadline = Date.now() + 90_000;
    while (!texts.every((text) => stdout.includes(text))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`pnpm ${script} did not get ready:\n${output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, exited, waitFor, stdout: () => stdout, stderr: () => stderr, output };
}

/** Lines that report a problem: pino records at error level or above, or any other line naming one. */
function errorLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/^\S+\s+│ /, ''))
    .filter((line) => {
      if (line.startsWith('{')) {
        try {
          return (JSON.parse(line) as { level?: number }).level! >= 50;
        } catch {
          return true; // a broken log line is worth seeing
        }
      }
      return /error|ELIFECYCLE|failed|lost|terminat|killed/i.test(line);
    });
}

describe('pnpm dev, stopped with Ctrl-C', () => {
  test('exits 0 after both apps stopped gracefully, with no error printed', async () => {
    const dev = await startScript('dev');
    await dev.waitFor('hops is listening on', 'Slack bot listening');

    process.kill(-dev.child.pid!, 'SIGINT'); // Ctrl-C: the whole foreground process group
    const { code, signal } = await dev.exited;

    expect({ code, signal }, dev.output()).toEqual({ code: 0, signal: null });
    expect(dev.stdout()).toMatch(
      /^web\s+│ .*"SIGINT: finishing requests in flight, then stopping"/m,
    );
    expect(dev.stdout()).toMatch(/^web\s+│ .*"msg":"stopped"/m);
    expect(dev.stdout()).toMatch(/^slackbot\s+│ .*"msg":"stopped"/m);
    expect(dev.stdout()).not.toContain('SIGINT again');
    expect(errorLines(dev.output()), dev.output()).toEqual([]);
  }, 150_000);
});
