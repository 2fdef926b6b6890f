// The sign-in routes under /auth (SPEC §4): OIDC login and callback, logout, and in dev mode the
// dev login. Every sign-in goes through `signIn` from @hops/api, the one code path of SPEC §3.1.
import {
  AppError,
  DATABASE_DOWN,
  inactiveAccountMessage,
  isDatabaseUnavailable,
  listDevLoginUsers,
  signIn,
  signOut,
  type SignInClaims,
} from '@hops/api';
import type { Db } from '@hops/api';
import { describeInputError, email } from '@hops/api/schemas';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { WebEnv } from '../env.ts';
import { SignInRefused, type OidcClient } from './oidc.ts';
import {
  LOGIN_COOKIE,
  LOGIN_TTL_SECONDS,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  readSession,
  safeInviteSecret,
  safeReturnTo,
  seal,
  sealSession,
  unseal,
  type LoginState,
} from './session.ts';

export interface AuthRoutesOptions {
  db: Db;
  env: WebEnv;
  /** Null unless AUTH_MODE=oidc. */
  oidc: OidcClient | null;
}

const devLoginBody = z.object({
  sub: z.string().trim().min(1).max(200),
  email,
  name: z.string().trim().max(200).nullish(),
  inviteSecret: z.string().nullish(),
  returnTo: z.string().nullish(),
});

export function cookieOptions(
  env: WebEnv,
  maxAgeSeconds: number,
  path = '/',
): CookieSerializeOptions {
  return {
    path,
    httpOnly: true,
    sameSite: 'lax',
    secure: env.publicUrl.startsWith('https:'),
    maxAge: maxAgeSeconds,
  };
}

function loginPage(error: string): string {
  return `/login?error=${encodeURIComponent(error)}`;
}

function errorBody(message: string, code: string) {
  return { error: { message, code } };
}

export async function authRoutes(app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const { db, env, oidc } = options;

  interface Completed {
    userId: string;
    redirectTo: string;
    joined: boolean;
    inviteProblem: string | null;
  }

  /** What an OIDC callback and a dev login share: signIn, the session cookie, where to go next. */
  async function completeSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    claims: SignInClaims,
    context: { invite: string | null; returnTo: string | null; source: 'oidc' | 'dev' },
  ): Promise<Completed> {
    const result = await signIn(db, claims, {
      inviteSecret: context.invite,
      bootstrapAdminEmails: env.bootstrapAdminEmails,
      ip: request.ip,
      source: context.source,
    });
    if (result.user.status !== 'active') {
      throw new AppError('FORBIDDEN', inactiveAccountMessage(result.user.status));
    }
    reply.setCookie(
      SESSION_COOKIE,
      sealSession(env.sessionSecret, result.user.id),
      cookieOptions(env, SESSION_TTL_SECONDS),
    );
    const { invite, returnTo } = context;
    let redirectTo = returnTo ?? '/';
    if (invite && result.joined) redirectTo = `/invite/${invite}?joined=1`;
    else if (invite && result.inviteProblem) {
      redirectTo = `/invite/${invite}?problem=${encodeURIComponent(result.inviteProblem)}`;
    } else if (invite && !returnTo) redirectTo = `/invite/${invite}`;
    request.log.info(
      { userId: result.user.id, source: context.source, joined: Boolean(result.joined) },
      'signed in',
    );
    return {
      userId: result.user.id,
      redirectTo,
      joined: Boolean(result.joined),
      inviteProblem: result.inviteProblem,
    };
  }

  app.get('/auth/mode', async () => ({ mode: env.authMode }));

  app.get('/auth/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const invite = safeInviteSecret(query.invite);
    const returnTo = safeReturnTo(query.returnTo);
    if (!oidc) {
      // Dev mode: the dashboard's sign-in page offers the seeded users.
      const params = new URLSearchParams();
      if (invite) params.set('invite', invite);
      if (returnTo) params.set('returnTo', returnTo);
      const search = params.toString();
      return reply.redirect(search ? `/login?${search}` : '/login');
    }
    try {
      const { url, state } = await oidc.start({ invite, returnTo });
      reply.setCookie(
        LOGIN_COOKIE,
        seal<LoginState>(env.sessionSecret, 'login', state, LOGIN_TTL_SECONDS),
        cookieOptions(env, LOGIN_TTL_SECONDS, '/auth'),
      );
      return reply.redirect(url.href);
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      request.log.warn({ err: error.cause }, error.message);
      return reply.redirect(loginPage(error.message));
    }
  });

  app.get('/auth/callback', async (request, reply) => {
    if (!oidc)
      return reply
        .code(404)
        .send(errorBody('Sign-in with an identity provider is not enabled.', 'NOT_FOUND'));
    const state = unseal<LoginState>(env.sessionSecret, 'login', request.cookies[LOGIN_COOKIE]);
    reply.clearCookie(LOGIN_COOKIE, { path: '/auth' });
    if (!state) {
      return reply.redirect(
        loginPage(
          'Your sign-in took too long or was started in another browser. Please sign in again.',
        ),
      );
    }
    try {
      const claims = await oidc.finish(new URL(request.url, env.publicUrl), state);
      const done = await completeSignIn(request, reply, claims, {
        invite: state.invite,
        returnTo: state.returnTo,
        source: 'oidc',
      });
      return reply.redirect(done.redirectTo);
    } catch (error) {
      if (error instanceof SignInRefused || error instanceof AppError) {
        request.log.info({ err: error.cause ?? undefined }, `sign-in refused: ${error.message}`);
        return reply.redirect(loginPage(error.message));
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'sign-in: database not reachable');
        return reply.redirect(loginPage(DATABASE_DOWN));
      }
      request.log.error({ err: error }, 'sign-in failed');
      return reply.redirect(
        loginPage('Something went wrong while signing you in. Please try again.'),
      );
    }
  });

  app.post('/auth/logout', async (request, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    // Logging out ends every session of the person (SPEC §12), a copy of this cookie included.
    const session = readSession(env.sessionSecret, request.cookies[SESSION_COOKIE]);
    if (session) {
      const ended = await signOut(db, session);
      request.log.info({ userId: session.userId, ended }, 'signed out');
    }
    // A plain HTML form gets a page to land on; the dashboard's fetch gets an empty answer.
    if ((request.headers.accept ?? '').includes('text/html')) return reply.redirect('/login', 303);
    return reply.code(204).send();
  });

  // Dev sign-in: only with AUTH_MODE=dev, and never in production (the routes do not exist there).
  if (env.authMode !== 'dev' || env.nodeEnv === 'production') return;

  app.post('/auth/dev-login', async (request, reply) => {
    const parsed = devLoginBody.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply
        .code(400)
        .send(
          errorBody(
            `Send JSON like {"sub": "dev|alice", "email": "alice@acme.test"}. ${describeInputError(parsed.error)}`,
            'BAD_REQUEST',
          ),
        );
    }
    const body = parsed.data;
    const invite = safeInviteSecret(body.inviteSecret);
    if (body.inviteSecret && !invite) {
      return reply
        .code(400)
        .send(
          errorBody(
            'This invite link is not valid. Check that it was copied whole.',
            'BAD_REQUEST',
          ),
        );
    }
    try {
      const done = await completeSignIn(
        request,
        reply,
        // Dev sign-in trusts whatever it is told (any seeded user, admins included), so the
        // address counts as verified; the route never exists in production.
        { sub: body.sub, email: body.email, emailVerified: true, name: body.name ?? null },
        { invite, returnTo: safeReturnTo(body.returnTo), source: 'dev' },
      );
      return done;
    } catch (error) {
      if (error instanceof AppError) {
        const status = {
          BAD_REQUEST: 400,
          UNAUTHORIZED: 401,
          FORBIDDEN: 403,
          NOT_FOUND: 404,
          CONFLICT: 409,
        }[error.kind as string];
        request.log.info(`dev sign-in refused: ${error.message}`);
        return reply.code(status ?? 400).send(errorBody(error.message, error.kind));
      }
      throw error;
    }
  });

  app.get('/auth/dev-users', async () => ({ users: await listDevLoginUsers(db) }));
}
