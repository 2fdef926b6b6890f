import { describe, expect, it } from 'vitest';
import {
  SESSION_TTL_SECONDS,
  safeInviteSecret,
  safeReturnTo,
  seal,
  sealSession,
  sessionUserId,
  unseal,
} from './session.ts';

const secret = 'a-session-secret-of-at-least-32-characters';

describe('signed cookie values', () => {
  it('reads back what it sealed, until it expires', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const value = sealSession(secret, 'auth0|42', now);
    expect(sessionUserId(secret, value, now)).toBe('auth0|42');
    expect(sessionUserId(secret, value, now + (SESSION_TTL_SECONDS - 1) * 1000)).toBe('auth0|42');
    expect(sessionUserId(secret, value, now + SESSION_TTL_SECONDS * 1000)).toBeNull();
  });

  it('refuses a value signed with another secret, altered, truncated or empty', () => {
    const value = sealSession(secret, 'auth0|42');
    expect(sessionUserId('another-secret-of-at-least-32-characters!', value)).toBeNull();
    const [body, mac] = value.split('.');
    const altered = Buffer.from(
      Buffer.from(body!, 'base64url').toString().replace('auth0|42', 'auth0|43'),
    ).toString('base64url');
    expect(sessionUserId(secret, `${altered}.${mac}`)).toBeNull();
    expect(sessionUserId(secret, value.slice(0, -2))).toBeNull();
    expect(sessionUserId(secret, body)).toBeNull();
    expect(sessionUserId(secret, '')).toBeNull();
    expect(sessionUserId(secret, undefined)).toBeNull();
  });

  it('never takes a sign-in state cookie for a session', () => {
    const login = seal(secret, 'login', { uid: 'auth0|42' }, 600);
    expect(unseal(secret, 'login', login)).toEqual({ uid: 'auth0|42' });
    expect(sessionUserId(secret, login)).toBeNull();
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
