// main.ts as an operator runs it: a separate process, configured by the environment, stopped by a
// signal.
import { request } from 'node:http';
import { useTestDatabase } from '@hops/db/testing';
import { describe, expect, it } from 'vitest';
import { SERVICE_TOKEN } from './test/helpers.ts';
import { listeningUrl, mainEnv, spawnMain } from './test/main-process.ts';

const { url: databaseUrl } = await useTestDatabase();
const baseEnv = mainEnv(databaseUrl);
const run = spawnMain;

describe('starting with a bad configuration', () => {
  it('stops with exit code 1 and a sentence naming a missing SESSION_SECRET in production', async () => {
    const proc = run({
      ...baseEnv,
      NODE_ENV: 'production',
      SESSION_SECRET: undefined,
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: 'https://idp.example.com/',
      OIDC_CLIENT_ID: 'c',
      OIDC_CLIENT_SECRET: 's',
    });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr().trim()).toBe(
      'Configuration error: SESSION_SECRET is missing (required when NODE_ENV=production).',
    );
    expect(proc.stdout()).toBe('');
  });

  it('refuses a short SESSION_SECRET, without a stack trace', async () => {
    const proc = run({ ...baseEnv, SESSION_SECRET: 'short' });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr().trim()).toBe(
      'Configuration error: SESSION_SECRET is invalid: use at least 32 characters.',
    );
    expect(proc.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('service tokens at start (SPEC §12)', () => {
  it('refuses an unknown scope with a sentence that shows no token', async () => {
    const proc = run({ ...baseEnv, SERVICE_TOKENS: `bot:events+root:${SERVICE_TOKEN}` });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr().trim()).toBe(
      'Configuration error: SERVICE_TOKENS entry 1 (bot) is invalid: unknown scope "root"; use ingest, events, act-as, billing joined by +.',
    );
    expect(proc.stderr()).not.toContain(SERVICE_TOKEN);
  });

  it('takes a bare token as legacy, warning once, and a scoped one without a word', async () => {
    const bare = run(baseEnv);
    await listeningUrl(bare);
    const legacyWarnings = bare
      .stdout()
      .split('\n')
      .filter((line) => line.includes('SERVICE_TOKENS has a bare token'));
    expect(legacyWarnings).toHaveLength(1);
    expect(JSON.parse(legacyWarnings[0]!)).toMatchObject({ level: 40 });
    bare.child.kill('SIGTERM');
    expect((await bare.exited).code).toBe(0);

    const scoped = run({ ...baseEnv, SERVICE_TOKENS: `slackbot:events+act-as:${SERVICE_TOKEN}` });
    await listeningUrl(scoped);
    expect(scoped.stdout()).not.toContain('SERVICE_TOKENS');
    scoped.child.kill('SIGTERM');
    expect((await scoped.exited).code).toBe(0);
  });
});

describe('a running server', () => {
  it('prints its URL, serves, and on SIGTERM finishes the request in flight and exits 0', async () => {
    const proc = run(baseEnv);
    const url = await listeningUrl(proc);
    expect(proc.stdout()).toContain('Sign in at');
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true, db: 'up' });

    // A request still uploading its body when the signal arrives.
    const body = JSON.stringify({ records: [] });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${url}/trpc/usage.ingest`,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            authorization: `Bearer ${SERVICE_TOKEN}`,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        proc.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 500);
      }, 200);
    });
    const signalled = Date.now();
    const result = await answer;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.text)).toEqual({
      result: { data: { inserted: 0, updated: 0, costDelta: expect.any(String) } },
    });

    const exit = await proc.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(proc.stdout()).toContain('"msg":"stopped"');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('takes a Ctrl-C delivered twice (to it and to the tsx in front of it) as one graceful stop', async () => {
    const proc = run(baseEnv);
    const url = await listeningUrl(proc);
    // A request in flight keeps the stop busy while the second SIGINT arrives, as tsx's copy does.
    const body = JSON.stringify({ records: [] });
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(
        `${url}/trpc/usage.ingest`,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            authorization: `Bearer ${SERVICE_TOKEN}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5), () => {
        proc.child.stdout!.on('data', (chunk: Buffer) => {
          if (!chunk.toString().includes('SIGINT: finishing requests')) return;
          proc.child.kill('SIGINT');
          setTimeout(() => req.end(body.slice(5)), 300);
        });
        proc.child.kill('SIGINT');
      });
    });
    expect(await answer).toBe(200);
    const exit = await proc.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(proc.stdout()).toContain('"msg":"stopped"');
    expect(proc.stdout()).not.toContain('again');
    expect(proc.stderr()).toBe('');
  });
});
