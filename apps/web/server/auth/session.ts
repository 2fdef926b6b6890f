// Signed cookie values (HMAC-SHA256 with SESSION_SECRET): the web session and the short-lived
// sign-in state. Signed, not encrypted: they hold nothing the browser may not see, only nothing
// it may change. A session carries when it began, so the API refuses one issued before its user's
// sessions were revoked (SPEC §12).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'hops_session';
export const LOGIN_COOKIE = 'hops_login';
export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
export const LOGIN_TTL_SECONDS = 10 * 60;

/** Every value names what it is for, so a sign-in cookie can never pass as a session. */
type Purpose = 'session' | 'login';

interface Envelope<T> {
  p: Purpose;
  iat: number;
  exp: number;
  d: T;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function seal<T>(
  secret: string,
  purpose: Purpose,
  data: T,
  ttlSeconds: number,
  now = Date.now(),
): string {
  const iat = Math.floor(now / 1000);
  const envelope: Envelope<T> = { p: purpose, iat, exp: iat + ttlSeconds, d: data };
  const body = Buffer.from(JSON.stringify(envelope)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** The envelope of a value sealed for `purpose`, or null when it is forged, altered or expired. */
function open<T>(
  secret: string,
  purpose: Purpose,
  value: string | undefined,
  now: number,
): Envelope<T> | null {
  if (!value) return null;
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return null;
  const body = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(mac(secret, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Envelope<T>;
    if (envelope.p !== purpose || typeof envelope.exp !== 'number') return null;
    if (envelope.exp * 1000 <= now) return null;
    return envelope;
  } catch {
    return null; // a correctly signed but unreadable value cannot come from us; treat as absent
  }
}

/** The data of a value sealed for `purpose`, or null when it is forged, altered or expired. */
export function unseal<T>(
  secret: string,
  purpose: Purpose,
  value: string | undefined,
  now = Date.now(),
): T | null {
  return open<T>(secret, purpose, value, now)?.d ?? null;
}

export interface SessionData {
  /** The user's id (the identity provider's `sub`). */
  uid: string;
  /**
   * When the session began, in milliseconds. The envelope's `iat` is whole seconds: too coarse to
   * tell a cookie copied just before a logout from a sign-in just after it (SPEC §12).
   */
  at?: number;
}

/** A session as a request presents it: whose, and since when (revocation compares the two). */
export interface Session {
  userId: string;
  issuedAt: Date;
}

export function sealSession(secret: string, userId: string, now = Date.now()): string {
  return seal<SessionData>(secret, 'session', { uid: userId, at: now }, SESSION_TTL_SECONDS, now);
}

/** The session a cookie value carries, or null when it is absent, forged, altered or expired. */
export function readSession(
  secret: string,
  value: string | undefined,
  now = Date.now(),
): Session | null {
  const envelope = open<SessionData>(secret, 'session', value, now);
  const uid = envelope?.d?.uid;
  if (!envelope || typeof uid !== 'string' || uid.length === 0) return null;
  // A cookie sealed before `at` existed began within its whole second `iat`.
  const at = typeof envelope.d.at === 'number' ? envelope.d.at : envelope.iat * 1000;
  if (!Number.isFinite(at)) return null;
  return { userId: uid, issuedAt: new Date(at) };
}

/** What the sign-in needs to remember between /auth/login and /auth/callback. */
export interface LoginState {
  codeVerifier: string;
  state: string;
  nonce: string;
  invite: string | null;
  returnTo: string | null;
}

/**
 * A path on this site to return to after sign-in, or null. Refuses anything that could leave the
 * site: absolute URLs, protocol-relative `//host`, backslashes browsers read as slashes, controls.
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  // Control characters (tabs and newlines are dropped by URL parsers, making `/\t/evil` `//evil`).
  if ([...value].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return null;
  if (value.startsWith('/auth/')) return null; // never bounce back into the sign-in routes
  return value;
}

/** An invite secret as the links carry it (hex or base64url), or null. */
export function safeInviteSecret(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{16,200}$/.test(value) ? value : null;
}
