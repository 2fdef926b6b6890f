// `ask`: the same handlers, against the real API, printed as text; and the script itself.
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
    expect(parseAskArgs([], 'd@d.test')).toMatch(/^Usage: pnpm --filter @hops\/slackbot ask/);
  });

  test('the script runs end to end', async () => {
    const root = dirname(createRequire(import.meta.url).resolve('@hops/slackbot/package.json'));
    const { stdout } = await promisify(execFile)(
      resolve(root, 'node_modules/.bin/tsx'),
      ['src/ask.ts', '/hops clusters'],
      {
        cwd: root,
        env: {
          ...process.env,
          HOPS_API_URL: stack.apiConfig.url,
          HOPS_SERVICE_TOKEN: stack.apiConfig.serviceToken,
        },
      },
    );
    expect(stdout).toContain('Clusters\n========');
    expect(stdout).toMatch(/us-east-1-prod\s+\d+\/50/);
  });
});
