// `ask`: the same handlers, against the real API, printed as text; and the script itself, which
// exits 1 (with the sentence on stderr) when a command fails.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ask, parseAskArgs } from '@hops/slackbot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLog, startStack, type Stack } from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

/** Runs the `ask` script as a developer does; resolves with its output and exit code. */
async function script(...args: string[]) {
  const root = dirname(createRequire(import.meta.url).resolve('@hops/slackbot/package.json'));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      resolve(root, 'node_modules/.bin/tsx'),
      ['src/ask.ts', ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          HOPS_API_URL: stack.apiConfig.url,
          HOPS_SERVICE_TOKEN: stack.apiConfig.serviceToken,
        },
      },
    );
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

const run = (line: string, options: { as?: string; yes?: boolean } = {}) =>
  ask(
    { line, as: options.as ?? 'admin@hops.test', yes: options.yes ?? false, json: false },
    stack.apiConfig,
    silentLog,
  );

describe('ask', () => {
  test('prints the reply of a command as text', async () => {
    const { output, ok } = await run('/hops whois alice@acme.test');
    expect(ok).toBe(true);
    expect(output).toContain('Alice Owner\n===========');
    expect(output).toContain('Role: Account owner (4 members)');
  });

  test('acts as the admin named by --as, and refuses anyone else', async () => {
    expect((await run('clusters', { as: 'second-admin@hops.test' })).output).toContain('Clusters');
    const refused = await run('clusters', { as: 'alice@acme.test' });
    expect(refused).toEqual({
      ok: false,
      output: 'Your hops user alice@acme.test is not an admin. Only hops admins can use /hops.',
    });
  });

  test('a mutating command shows its prompt; --yes confirms it', async () => {
    const prompt = await run('suspend mike@hooli.test "ask test"');
    expect(prompt.output).toContain('Suspend mike@hooli.test?');
    expect(prompt.output).toContain('(Nothing changed. Run again with --yes to confirm.)');
    const user = () => stack.admin.admin.users.get.query({ email: 'mike@hooli.test' });
    expect((await user()).user.status).toBe('active');
    const done = await run('suspend mike@hooli.test "ask test"', { yes: true });
    expect(done.output).toBe('✔ Suspended mike@hooli.test. Reason: ask test');
    expect((await user()).user.status).toBe('suspended');
  });

  test('arguments: one quoted line, or words re-quoted where the shell split a phrase', () => {
    expect(parseAskArgs(['/hops whois a@b.test'], 'admin@hops.test')).toEqual({
      line: '/hops whois a@b.test',
      as: 'admin@hops.test',
      yes: false,
      json: false,
    });
    expect(
      parseAskArgs(['--as', 'x@y.test', '-y', 'suspend', 'a@b.test', 'two words'], 'd@d.test'),
    ).toEqual({
      line: 'suspend a@b.test "two words"',
      as: 'x@y.test',
      yes: true,
      json: false,
    });
    expect(parseAskArgs([], 'd@d.test')).toEqual({
      message: expect.stringMatching(
        /^Give a command line\.\nUsage: pnpm --filter @hops\/slackbot ask/,
      ),
      exitCode: 1,
    });
    expect(parseAskArgs(['--help'], 'd@d.test')).toEqual({
      message: expect.stringMatching(/^Usage: pnpm --filter @hops\/slackbot ask/),
      exitCode: 0,
    });
    expect(parseAskArgs(['--as'], 'd@d.test')).toMatchObject({ exitCode: 1 });
  });

  test('a command that fails is not ok: wrong arguments, an unknown command, an API refusal', async () => {
    const wrong = await run('usage alice@acme.test -5');
    expect(wrong.ok).toBe(false);
    expect(wrong.output).toContain('The number of days must be a positive whole number');
    expect(await run('frobnicate')).toMatchObject({ ok: false });
    const unknown = await run('whois nobody@nowhere.test');
    expect(unknown.ok).toBe(false);
    expect(unknown.output).toMatch(/^⚠ .*nobody@nowhere\.test/);
    // Confirmed, and refused by the API: an admin cannot suspend themselves.
    const self = await run('suspend admin@hops.test "testing ask"', { yes: true });
    expect(self.ok).toBe(false);
    expect(self.output).toMatch(/^⚠ /);
    expect(
      (await stack.admin.admin.users.get.query({ email: 'admin@hops.test' })).user.status,
    ).toBe('active');
  });

  test('the script runs end to end', async () => {
    const { stdout, stderr, code } = await script('/hops clusters');
    expect(code).toBe(0);
    expect(stdout).toContain('Clusters\n========');
    expect(stdout).toMatch(/us-east-1-prod\s+\d+\/50/);
    expect(stderr).toBe('');
  });

  test('the script exits 1 when the command fails, with the sentence on stderr', async () => {
    const wrong = await script('/hops top -5');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain('The number of days must be a positive whole number');
    const notAdmin = await script('--as', 'alice@acme.test', '/hops clusters');
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain('is not an admin');
    const nothing = await script();
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('Give a command line.');
  });
});
