// The /auth routes of the API server: sign out, and the dev-mode login picker.
import { leaveTo } from './navigate.ts';
import type { Me } from './trpc.ts';

/** Signs out, which ends every session of the person (SPEC §12), then loads `then`. */
export async function signOut(then = '/login'): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(
    () => undefined,
  );
  leaveTo(then);
}

/** The login page, carrying an invite secret and where to come back to. */
export function loginPath(options: { returnTo?: string; invite?: string | null } = {}): string {
  const params = new URLSearchParams();
  if (options.invite) params.set('invite', options.invite);
  if (options.returnTo && options.returnTo !== '/') params.set('returnTo', options.returnTo);
  const query = params.toString();
  return query ? `/login?${query}` : '/login';
}

export interface DevUser {
  id: string;
  email: string;
  name: string | null;
  role: Me['role'];
  isAdmin: boolean;
}

/** The server's sign-in mode: 'dev' offers the picker below, 'oidc' the identity provider. */
async function fetchAuthMode(): Promise<'dev' | 'oidc'> {
  const response = await fetch('/auth/mode', { credentials: 'same-origin' });
  const body = (await response.json().catch(() => null)) as { mode?: string } | null;
  return body?.mode === 'dev' ? 'dev' : 'oidc';
}

/** The dev picker's users, or null when the server offers no dev sign-in. */
export async function fetchDevUsers(): Promise<DevUser[] | null> {
  if ((await fetchAuthMode()) !== 'dev') return null;
  const response = await fetch('/auth/dev-users', { credentials: 'same-origin' });
  if (!response.ok) return null;
  const body = (await response.json().catch(() => null)) as { users?: DevUser[] } | null;
  return Array.isArray(body?.users) ? body.users : null;
}

export interface DevLogin {
  sub: string;
  email: string;
  name?: string;
  inviteSecret?: string;
  returnTo?: string;
}

interface ErrorBody {
  error?: { message?: string };
}

/**
 * Signs in through POST /auth/dev-login (what an OIDC sign-in with those claims does) and
 * answers where to go next; throws the server's sentence when it refuses.
 */
export async function devLogin(login: DevLogin): Promise<{ redirectTo: string }> {
  const response = await fetch('/auth/dev-login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(login),
  });
  const body = (await response.json().catch(() => null)) as
    (ErrorBody & { redirectTo?: string }) | null;
  if (!response.ok) {
    throw new Error(body?.error?.message ?? `Sign-in failed (HTTP ${response.status}).`);
  }
  return { redirectTo: body?.redirectTo ?? login.returnTo ?? '/' };
}

/** Where the OIDC sign-in starts, carrying an invite and the page to come back to. */
export function oidcLoginUrl(options: { returnTo: string; invite?: string | null }): string {
  const params = new URLSearchParams({ returnTo: options.returnTo });
  if (options.invite) params.set('invite', options.invite);
  return `/auth/login?${params.toString()}`;
}
