// A real OpenID provider (oidc-provider) on loopback for the sign-in tests, and a tiny "browser"
// that follows the redirects and fills in the provider's login and consent forms.
import { createServer, type Server } from 'node:http';
import { freePort } from '@hops/db';
import Provider from 'oidc-provider';

export interface TestAccount {
  email: string;
  name?: string;
  /** The `email_verified` claim; default true, null leaves the claim out. */
  emailVerified?: boolean | null;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by `sub`; add to it at any time. */
  accounts: Map<string, TestAccount>;
  /** The authorization requests the provider received (to check PKCE, state and nonce). */
  authorizationRequests: URL[];
  close(): Promise<void>;
}

export async function startOidcProvider(options: { redirectUri: string }): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'hops-web';
  const clientSecret = 'hops-web-test-secret-0123456789abcdef';
  const accounts = new Map<string, TestAccount>();
  const authorizationRequests: URL[] = [];

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // PKCE is required of every client here, not only of public ones.
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: account.email,
          ...(account.emailVerified === null
            ? {}
            : { email_verified: account.emailVerified ?? true }),
          ...(account.name ? { name: account.name } : {}),
        }),
      };
    },
    features: { devInteractions: { enabled: true } },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    cookies: { keys: ['hops-test-provider-cookie-key'] },
  });

  const callback = provider.callback();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/auth?')) authorizationRequests.push(new URL(req.url, issuer));
    callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    authorizationRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cookies per origin, as a browser keeps them (enough for these flows; paths are ignored). */
export class CookieJar {
  readonly #byOrigin = new Map<string, Map<string, string>>();

  store(url: URL, response: Response): void {
    const jar = this.#byOrigin.get(url.origin) ?? new Map<string, string>();
    this.#byOrigin.set(url.origin, jar);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  get(url: URL | string, name: string): string | undefined {
    return this.#byOrigin.get(new URL(url).origin)?.get(name);
  }

  set(url: URL | string, name: string, value: string): void {
    const origin = new URL(url).origin;
    const jar = this.#byOrigin.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.#byOrigin.set(origin, jar);
  }

  header(url: URL): string {
    return [...(this.#byOrigin.get(url.origin) ?? new Map<string, string>())]
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }
}

export interface BrowserResult {
  /** Where the app finally sent the browser (path and query), e.g. `/` or `/login?error=…`. */
  landedAt: string;
  /** The app's answer that sent it there (the callback's redirect). */
  response: Response;
  jar: CookieJar;
}

/**
 * Starts at `startUrl` on the app and plays a browser: follows redirects, signs in at the
 * provider's login form as `login` (the account's `sub`), approves the consent form, and stops when
 * the app redirects to one of its own pages.
 */
export async function browseSignIn(
  startUrl: string,
  login: string,
  options: { jar?: CookieJar; appOrigin?: string } = {},
): Promise<BrowserResult> {
  const jar = options.jar ?? new CookieJar();
  const app = options.appOrigin ?? new URL(startUrl).origin;
  let url = new URL(startUrl);
  let init: RequestInit = { method: 'GET' };
  for (let step = 0; step < 20; step += 1) {
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(url, response);
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location') ?? '/', url);
      if (next.origin === app && !next.pathname.startsWith('/auth/')) {
        return { landedAt: `${next.pathname}${next.search}`, response, jar };
      }
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const html = await response.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form?.[1] || !form[2]) {
      throw new Error(
        `browseSignIn: stuck at ${url.href} (${response.status}): ${html.slice(0, 300)}`,
      );
    }
    const fields = new URLSearchParams();
    for (const input of form[2].matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
      const name = input[1]!;
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name === 'login') fields.set(name, login);
      else if (name === 'password') fields.set(name, 'any password');
      else fields.set(name, value ?? '');
    }
    url = new URL(form[1].replaceAll('&amp;', '&'), url);
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    };
  }
  throw new Error('browseSignIn: too many steps');
}
