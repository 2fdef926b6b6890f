import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvError, loadDevSecrets, parseEnv } from './index.ts';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SESSION_SECRET: z.string().min(32),
  MODE: z.enum(['dev', 'oidc']),
});

describe('parseEnv', () => {
  it('parses and applies defaults', () => {
    const env = parseEnv(schema, { SESSION_SECRET: 'x'.repeat(32), MODE: 'dev' });
    expect(env).toEqual({ PORT: 3000, SESSION_SECRET: 'x'.repeat(32), MODE: 'dev' });
  });

  it('names every missing or malformed variable in one sentence', () => {
    expect(() => parseEnv(schema, { PORT: 'abc', SESSION_SECRET: 'short' })).toThrowError(EnvError);
    try {
      parseEnv(schema, { PORT: 'abc', SESSION_SECRET: 'short' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/^Configuration error: /);
      expect(message).toContain('PORT is invalid');
      expect(message).toContain('SESSION_SECRET is invalid');
      expect(message).toContain('MODE is missing');
    }
  });

  it('treats an empty string as unset', () => {
    expect(() => parseEnv(schema, { SESSION_SECRET: '', MODE: 'dev' })).toThrowError(
      /SESSION_SECRET is missing/,
    );
  });
});

describe('loadDevSecrets', () => {
  it('generates secrets once and returns the same ones afterwards', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hops-config-')), 'nested', 'dev-secrets.json');
    const first = loadDevSecrets(file);
    expect(first.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(first.ENCRYPTION_KEY, 'base64')).toHaveLength(32);
    expect(loadDevSecrets(file)).toEqual(first);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first);
  });
});
