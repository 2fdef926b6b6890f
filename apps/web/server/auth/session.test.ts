import { describe, expect, it } from 'vitest';
import {
  SESSION_TTL_SECONDS,
  safeInviteSecret,
  safeReturnTo,
  seal,
  readSession,
  sealSession,
  unseal,
} from './session.ts';

const secret = 'a-session-secret-of-at-least-32-characters';

describe('signed cookie values', () => {
  it('reads back what it sealed, until it expires', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const value = sealSession(secret, 'auth0|42', now);
    expect(readSession(secret, value, now)).toEqual({
      userId: 'auth0|42',
      issuedAt: new Date(now),
    });
    expect(readSession(secret, value, now + (SESSION_TTL_SECONDS - 1) * 1000)?.userId).toBe(
      'auth0|42',
    );
    expect(readSession(secret, value, now + SESSION_TTL_SECONDS * 1000)).toBeNull();
  });

  it('dates a session to the millisecond, and one sealed without that to its whole second', () => {
    const now = Date.parse('2026-03-01T12:00:00.789Z');
    expect(readSession(secret, sealSession(secret, 'auth0|42', now), now)?.issuedAt).toEqual(
      new Date(now),
    );
    // A cookie from before sessions carried `at`: its envelope's iat (seconds) is its start.
    const older = seal(secret, 'session', { uid: 'auth0|42' }, SESSION_TTL_SECONDS, now);
    expect(readSession(secret, older, now)).toEqual({
      userId: 'auth0|42',
      issuedAt: new Date('2026-03-01T12:00:00.000Z'),
    });
  });

  it('refuses a value signed with another secret, altered, truncated or empty', () => {
    const value = sealSession(secret, 'auth0|42');
    expect(readSession(secret, value)?.userId).toBe('auth0|42');
    expect(readSession('another-secret-of-at-least-32-characters!', value)).toBeNull();
    const [body, mac] = value.split('.');
    const altered = Buffer.from(
      Buffer.from(body!, 'base64url').toString().replace('auth0|42', 'auth0|43'),
    ).toString('base64url');
    expect(readSession(secret, `${altered}.${mac}`)).toBeNull();
    expect(readSession(secret, value.slice(0, -2))).toBeNull();
    expect(readSession(secret, body)).toBeNull();
    expect(readSession(secret, '')).toBeNull();
    expect(readSession(secret, undefined)).toBeNull();
  });

  it('never takes a sign-in state cookie for a session', () => {
    const login = seal(secret, 'login', { uid: 'auth0|42' }, 600);
    expect(unseal(secret, 'login', login)).toEqual({ uid: 'auth0|42' });
    expect(readSession(secret, login)).toBeNull();
  });
});

describe('safeReturnTo', () => {
  it('keeps paths on this site', () => {
    expect(safeReturnTo('/')).toBe('/');
    expect(safeReturnTo('/usage?from=2026-01-01#top')).toBe('/usage?from=2026-01-01#top');
    expect(safeReturnTo('/invite/abc')).toBe('/invite/abc');
  });

  it('refuses anything that could lead elsewhere', () => {
    for (const bad of [
      'https://evil.test/',
      '//evil.test',
      '/\\evil.test',
      '/a\\b',
      'evil.test',
      'javascript:alert(1)',
      '/x\ny',
      '/\t/evil.test',
      '/auth/login',
      '',
      42,
      undefined,
    ]) {
      expect(safeReturnTo(bad), String(bad)).toBeNull();
    }
  });
});

describe('safeInviteSecret', () => {
  it('accepts link secrets and refuses anything else', () => {
    expect(safeInviteSecret('Qm9vbS1ib29tLWJvb20tYm9vbS1ib29tLWJvb20tYm9v')).not.toBeNull();
    expect(safeInviteSecret('a'.repeat(64))).not.toBeNull();
    expect(safeInviteSecret('short')).toBeNull();
    expect(safeInviteSecret('../../etc/passwd-and-more-text')).toBeNull();
    expect(safeInviteSecret(['a'.repeat(64)])).toBeNull();
  });
});
