// The tRPC context: a pure inner context (db, caller, dependencies) that tests build directly, and
// the request-level resolution of the caller from a session, a service token, or both (act-as).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '@hops/db';
import type { Mailer } from './integrations/mail.ts';
import type { StripeApi } from './integrations/stripe.ts';
import type { SecretBox } from './secrets.ts';
import {
  auditActorOf,
  type AuditActor,
  type ServiceCaller,
  type ServiceScope,
  type UserActor,
} from './actor.ts';
import type { Via } from './schemas.ts';
import { forbidden, unauthorized, type AppError } from './errors.ts';
import { loadUserActor } from './services/users.ts';
import type { CallerCache } from './caller-cache.ts';

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface ApiDeps {
  secrets: SecretBox;
  /** Base URL of the dashboard; invite links are `${publicUrl}/invite/<secret>`. */
  publicUrl: string;
  log: Logger;
  /** The Stripe client (SPEC §8); absent or null when STRIPE_SECRET_KEY is unset (Stripe off). */
  stripe?: StripeApi | null;
  /** The mailer (SPEC §10); absent or null when mail is off (production without SMTP_URL). */
  mail?: Mailer | null;
}

export interface Context {
  db: Db;
  /** The signed-in user, or the user a service acts for. */
  user: UserActor | null;
  /** Set when the caller presented a valid service token. */
  service: ServiceCaller | null;
  /**
   * The names of every configured service token (an event consumer owned by none of them is free
   * again); null when not known (a context built directly).
   */
  serviceTokenNames: readonly string[] | null;
  via: Via;
  deps: ApiDeps;
  /** The caller as the audit log writes it. */
  actor: AuditActor;
  /** Set when the request presented credentials that were refused; every procedure answers it. */
  authError: AppError | null;
}

export function createContextInner(options: {
  db: Db;
  deps: ApiDeps;
  user?: UserActor | null;
  service?: ServiceCaller | null;
  serviceTokenNames?: readonly string[] | null;
  via?: Via;
  authError?: AppError | null;
}): Context {
  const user = options.user ?? null;
  const service = options.service ?? null;
  const via = options.via ?? (service ? (user ? 'slack' : 'service') : 'web');
  return {
    db: options.db,
    deps: options.deps,
    user,
    service,
    serviceTokenNames: options.serviceTokenNames ?? null,
    via,
    actor: auditActorOf(user, via, service),
    authError: options.authError ?? null,
  };
}

/** One configured service token (SERVICE_TOKENS entry `name:scopes:token`, SPEC §12). */
export interface ServiceToken {
  name: string;
  scopes: readonly ServiceScope[];
  token: string;
}

/** Compares a presented bearer token with the configured ones in constant time. */
function matchServiceToken(
  presented: string,
  tokens: readonly ServiceToken[],
): ServiceCaller | null {
  const digest = createHash('sha256').update(presented).digest();
  let found: ServiceCaller | null = null;
  for (const { name, scopes, token } of tokens) {
    const candidate = createHash('sha256').update(token).digest();
    if (timingSafeEqual(digest, candidate)) found = { name, scopes };
  }
  return found;
}

/** Why a token without the `act-as` scope may not name a person (nothing is done). */
export function actAsRefusal(service: ServiceCaller): AppError {
  return forbidden(
    `The service token "${service.name}" may not act for a person: it lacks the act-as scope.`,
  );
}

/**
 * Resolves the caller of one HTTP request. A bearer token must be a configured service token; with
 * `x-hops-act-as` (only for a token with the `act-as` scope) the service is held to that user's
 * rights. Otherwise the session's user, if any and if the session was not revoked.
 * Refused credentials do not throw here: they become `authError`, which every procedure answers.
 */
export async function createRequestContext(options: {
  db: Db;
  deps: ApiDeps;
  serviceTokens: readonly ServiceToken[];
  /** The web session's user and start (a session begun before a revocation is refused). */
  session?: { userId: string; issuedAt: Date } | null | undefined;
  authorization?: string | undefined;
  actAs?: string | undefined;
  /** Where callers' rows are kept between requests (caller-cache.ts); none: read each time. */
  callers?: CallerCache | null | undefined;
}): Promise<Context> {
  const { db, deps } = options;
  const loadCaller = (userId: string, issuedAt?: Date) =>
    options.callers
      ? options.callers.load(db, userId, issuedAt)
      : loadUserActor(db, userId, issuedAt);
  if (options.authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(options.authorization.trim());
    const service = match?.[1] ? matchServiceToken(match[1], options.serviceTokens) : null;
    if (!service) {
      return createContextInner({
        db,
        deps,
        authError: unauthorized('The service token is not valid.'),
      });
    }
    if (options.actAs) {
      // Refused before the user is looked up: such a token learns nothing about who exists.
      if (!service.scopes.includes('act-as')) {
        return createContextInner({ db, deps, service, authError: actAsRefusal(service) });
      }
      const user = await loadCaller(options.actAs);
      if (!user) {
        const authError = unauthorized(`There is no user ${options.actAs} to act for.`);
        return createContextInner({ db, deps, service, via: 'slack', authError });
      }
      return createContextInner({ db, deps, user, service, via: 'slack' });
    }
    const serviceTokenNames = options.serviceTokens.map((token) => token.name);
    return createContextInner({ db, deps, service, serviceTokenNames, via: 'service' });
  }
  if (options.actAs) {
    const authError = unauthorized('Acting for a user needs a service token.');
    return createContextInner({ db, deps, authError });
  }
  // A revoked session is no session: the caller is signed out, as without a cookie.
  const session = options.session;
  const user = session ? await loadCaller(session.userId, session.issuedAt) : null;
  return createContextInner({ db, deps, user, via: 'web' });
}
