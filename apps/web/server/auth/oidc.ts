// OpenID Connect sign-in (authorization code flow with PKCE, state and nonce) with openid-client.
import * as client from 'openid-client';
import type { SignInClaims } from '@hops/api';
import type { LoginState } from './session.ts';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `${PUBLIC_URL}/auth/callback`, registered with the provider. */
  redirectUri: string;
  /** Plain-http issuers are allowed outside production only (a local provider in tests/dev). */
  allowHttpIssuer: boolean;
}

/** A sign-in the provider or the callback refused; its message is for the person signing in. */
export class SignInRefused extends Error {
  override name = 'SignInRefused';
}

export interface OidcClient {
  /** Where to send the browser, and what to remember until the callback. */
  start(options: {
    invite: string | null;
    returnTo: string | null;
  }): Promise<{ url: URL; state: LoginState }>;
  /** Checks the provider's answer against the remembered state and returns the person's claims. */
  finish(callbackUrl: URL, state: LoginState): Promise<SignInClaims>;
}

export function createOidcClient(settings: OidcSettings): OidcClient {
  // Discovered on first use (and again after a failure), so the server starts while the provider
  // is unreachable and sign-in works as soon as it answers.
  let configuration: Promise<client.Configuration> | null = null;
  const config = (): Promise<client.Configuration> => {
    configuration ??= client
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        client.ClientSecretBasic(settings.clientSecret),
        settings.allowHttpIssuer && settings.issuer.startsWith('http:')
          ? { execute: [client.allowInsecureRequests] }
          : undefined,
      )
      .catch((error: unknown) => {
        configuration = null;
        throw new SignInRefused(
          'The sign-in service cannot be reached right now. Please try again in a moment.',
          { cause: error },
        );
      });
    return configuration;
  };

  return {
    async start({ invite, returnTo }) {
      const codeVerifier = client.randomPKCECodeVerifier();
      const state: LoginState = {
        codeVerifier,
        state: client.randomState(),
        nonce: client.randomNonce(),
        invite,
        returnTo,
      };
      const url = client.buildAuthorizationUrl(await config(), {
        redirect_uri: settings.redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: state.state,
        nonce: state.nonce,
      });
      return { url, state };
    },

    async finish(callbackUrl, state) {
      const providerError = callbackUrl.searchParams.get('error');
      if (providerError) {
        throw new SignInRefused(
          providerError === 'access_denied'
            ? 'The sign-in was cancelled.'
            : `The identity provider refused the sign-in (${callbackUrl.searchParams.get('error_description') ?? providerError}).`,
        );
      }
      const configuration = await config();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: state.codeVerifier,
          expectedState: state.state,
          expectedNonce: state.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw new SignInRefused('The sign-in could not be completed. Please sign in again.', {
          cause: error,
        });
      }
      const idToken = tokens.claims();
      if (!idToken)
        throw new SignInRefused('The identity provider sent no identity. Please sign in again.');
      let email = typeof idToken.email === 'string' ? idToken.email : undefined;
      let name = typeof idToken.name === 'string' ? idToken.name : undefined;
      let verified = idToken.email_verified;
      if (!email) {
        // Some providers keep the e-mail out of the ID token; the userinfo endpoint has it.
        const info = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        email = info.email;
        name ??= info.name;
        verified = info.email_verified;
      }
      if (!email) {
        throw new SignInRefused(
          'Your identity provider did not share your e-mail address, which hops needs.',
        );
      }
      // Invites and admin rights follow the e-mail address, so it must be one the person owns.
      if (verified === false) {
        throw new SignInRefused(
          `Please verify your e-mail address ${email} with your identity provider first.`,
        );
      }
      // Only a literal `true` counts as verified (a bootstrap admin needs it; SPEC §12).
      return { sub: idToken.sub, email, emailVerified: verified === true, name: name ?? null };
    },
  };
}
