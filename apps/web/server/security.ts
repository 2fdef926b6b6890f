// The browser-facing defences of the server (SPEC §12): security headers on every answer, and the
// refusal of state-changing requests another site could make a signed-in browser send.
//
// Cross-site requests: a browser attaches the session cookie to a form POST from any page, and
// SameSite=Lax still lets a page on a sibling subdomain (same-site) do it. So every request that
// is not GET/HEAD/OPTIONS and carries cookies must say it comes from this origin: Sec-Fetch-Site
// `same-origin` (or `none`, typed by the person), or — from a browser without Sec-Fetch-Site — an
// Origin equal to PUBLIC_URL's. A request without cookies has no ambient credentials to abuse, and
// one with an Authorization header is judged by its token alone (the API then ignores the cookie,
// and no page can add that header cross-site without a CORS preflight this server never grants):
// the Slack bot and the collector call with a bearer token and no cookie. Stripe's webhooks are
// signed and checked by their own route. tRPC mutations also take JSON only: tRPC would accept a
// multipart form (the one body an HTML form can send it) as the input of a mutation without one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebEnv } from './env.ts';

/** Methods that change nothing on this server (tRPC queries are GET). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CROSS_SITE_REFUSED =
  'This request came from another site, so hops refused it and changed nothing. Open hops itself and try again there.';

export const JSON_ONLY =
  'hops takes changes as JSON only (content-type: application/json); nothing was changed.';

export interface SecurityOptions {
  env: Pick<WebEnv, 'publicUrl'>;
  /** The dashboard through Vite (development): its hot-reload preamble is an inline script. */
  viteDev: boolean;
}

/** The content security policy of every answer (the built dashboard needs no inline script). */
export function contentSecurityPolicy(viteDev: boolean): string {
  return [
    "default-src 'self'",
    // Vite's development page starts React's hot reload with an inline module script.
    viteDev ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    // Mantine writes its CSS variables into a <style> element, and charts position with style="".
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    viteDev ? "connect-src 'self' ws: wss:" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers every answer carries, the API's and the pages' alike. */
export function securityHeaders(options: SecurityOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(options.viteDev),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy':
      'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
  };
  // Only over https: HSTS on a plain-http PUBLIC_URL (local development) would do nothing or harm.
  // Without includeSubDomains: the operator's other hosts under the same domain are not ours.
  if (options.env.publicUrl.startsWith('https:')) {
    headers['strict-transport-security'] = 'max-age=31536000';
  }
  return headers;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Why a state-changing request is refused as cross-site, or null when it may go on. */
export function crossSiteProblem(request: FastifyRequest, publicOrigin: string): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  if (/^\/webhooks\//.test(request.url)) return null; // signed by their sender, checked there
  if (!header(request, 'cookie') || header(request, 'authorization') !== undefined) return null;
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none' ? null : `Sec-Fetch-Site: ${site}`;
  }
  const origin = header(request, 'origin');
  if (origin === undefined) return 'neither Sec-Fetch-Site nor Origin';
  return origin === publicOrigin ? null : `Origin: ${origin}`;
}

/** Whether a POST to /trpc says its body is JSON (tRPC's client always does). */
function isJsonTrpcPost(request: FastifyRequest): boolean {
  if (request.method !== 'POST' || !/^\/trpc(\/|\?|$)/.test(request.url)) return true;
  const type = header(request, 'content-type');
  return type !== undefined && type.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

function refuse(reply: FastifyReply, status: number, message: string, code: string) {
  return reply.code(status).send({ error: { message, code } });
}

/**
 * Adds the headers and the refusals to every route of `app`, before anything else runs (the
 * request's body is not even read when it is refused).
 */
export function addSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const headers = securityHeaders(options);
  const publicOrigin = new URL(options.env.publicUrl).origin;
  app.addHook('onRequest', async (request, reply) => {
    // On the raw response, so answers written past Fastify (Vite's pages) carry them too.
    for (const [name, value] of Object.entries(headers)) reply.raw.setHeader(name, value);
    const problem = crossSiteProblem(request, publicOrigin);
    if (problem) {
      request.log.warn(
        { method: request.method, path: request.url.split('?')[0], problem },
        'cross-site request refused',
      );
      return refuse(reply, 403, CROSS_SITE_REFUSED, 'FORBIDDEN');
    }
    if (!isJsonTrpcPost(request)) {
      request.log.info(
        { path: request.url.split('?')[0], contentType: header(request, 'content-type') },
        'non-JSON mutation refused',
      );
      return refuse(reply, 415, JSON_ONLY, 'UNSUPPORTED_MEDIA_TYPE');
    }
    return undefined;
  });
}
