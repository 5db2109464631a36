// IDP_PROTOCOL=oidc: the BFF as an OpenID Connect relying party of the unified identity platform
// (统一身份认证平台): discovery, authorization code + PKCE + state + nonce, an ID token, userinfo.
// The credential sent upstream (DB11/T 2290 6.6) is the access token unless IDP_CREDENTIAL says
// otherwise; it and the refresh / ID tokens stay on the server.
import * as oidc from 'openid-client';
import type { FastifyBaseLogger } from 'fastify';
import type { IdpConfig } from './settings.ts';
import { identityFromClaims, pickCredential } from './claims.ts';
import { providerUnavailable, queryString, transientRefusal, DEFAULT_TOKEN_SECONDS, HTTP_TIMEOUT_MS } from './http.ts';
import { LoginFailedError, type IdentityAdapter, type LoginResult } from './types.ts';
import type { PendingLogin, SessionTokens } from '../store/sessions.ts';

/** openid-client's codes for a call the provider did not answer in time: never a refusal. */
const GAVE_NO_ANSWER = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT']);
const DISCOVERY_ATTEMPTS = 3;
const DISCOVERY_PAUSE_MS = 300;

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

export class OidcAdapter implements IdentityAdapter {
  readonly protocol = 'oidc' as const;
  readonly #idp: IdpConfig;
  readonly #log: FastifyBaseLogger;
  readonly #redirectUri: string;
  #discovered: Promise<oidc.Configuration> | null = null;

  constructor(idp: IdpConfig, redirectUri: string, log: FastifyBaseLogger) {
    this.#idp = idp;
    this.#log = log;
    this.#redirectUri = redirectUri;
  }

  /**
   * Discovery happens on first use, not at boot: the embedded provider listens on the same port
   * as the BFF, so it is not there yet while the BFF starts. A failure is not cached.
   */
  async #provider(): Promise<oidc.Configuration> {
    this.#discovered ??= this.#discover().catch((err: unknown) => {
      this.#discovered = null;
      throw err;
    });
    return this.#discovered;
  }

  async #discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret, clientAuth } = this.#idp;
    const url = new URL(issuer);
    for (let attempt = 1; ; attempt++) {
      try {
        const auth = clientAuth === 'post' ? oidc.ClientSecretPost(clientSecret) : oidc.ClientSecretBasic(clientSecret);
        return await oidc.discovery(url, clientId, undefined, auth, {
          timeout: HTTP_TIMEOUT_MS / 1000,
          ...(url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
        });
      } catch (err) {
        this.#log.warn({ err, attempt }, 'identity provider discovery failed');
        if (attempt >= DISCOVERY_ATTEMPTS) throw providerUnavailable();
        await new Promise((r) => setTimeout(r, DISCOVERY_PAUSE_MS * attempt));
      }
    }
  }

  async startLogin(returnTo: string): Promise<{ url: string; pending: PendingLogin }> {
    const provider = await this.#provider();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingLogin = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier, returnTo };
    const url = oidc.buildAuthorizationUrl(provider, {
      redirect_uri: this.#redirectUri,
      scope: this.#idp.scope,
      ...(this.#idp.pkce ? { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } : {}),
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  async finishLogin(query: Record<string, string | undefined>, pending: PendingLogin): Promise<LoginResult> {
    const provider = await this.#provider();
    const current = new URL(`${this.#redirectUri}?${queryString(query)}`);
    const now = Date.now();
    let res: TokenResponse;
    try {
      res = await oidc.authorizationCodeGrant(provider, current, {
        ...(this.#idp.pkce ? { pkceCodeVerifier: pending.verifier } : {}),
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw this.#classify(err, 'code exchange');
    }
    const claims = await this.#claims(provider, res);
    return { identity: identityFromClaims(claims, this.#idp.claims, this.#idp.staffRoles), tokens: this.#tokens(res, claims, now) };
  }

  /** ID token claims, completed from userinfo: platforms keep the identity claims out of the ID token. */
  async #claims(provider: oidc.Configuration, res: TokenResponse): Promise<Record<string, unknown>> {
    const claims: Record<string, unknown> = { ...(res.claims() ?? {}) };
    try {
      const sub = typeof claims.sub === 'string' ? claims.sub : oidc.skipSubjectCheck;
      Object.assign(claims, await oidc.fetchUserInfo(provider, res.access_token, sub));
    } catch (err) {
      throw this.#classify(err, 'userinfo');
    }
    return claims;
  }

  #tokens(res: TokenResponse, claims: Record<string, unknown>, now: number): SessionTokens {
    const seconds = res.expiresIn() ?? DEFAULT_TOKEN_SECONDS;
    return {
      credential: pickCredential(this.#idp.credential, { accessToken: res.access_token, idToken: res.id_token }, claims),
      credentialExpiresAt: now + seconds * 1000,
      refreshToken: res.refresh_token ?? null,
      idToken: res.id_token ?? null,
    };
  }

  #classify(err: unknown, step: string): Error {
    if (err instanceof LoginFailedError) return err;
    const e = err as Error & { code?: string; error?: string; status?: number };
    const fromProvider = err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError;
    // oauth4webapi marks checks of what the browser brought (state, iss, nonce...) with OAUTH_* codes.
    const refused = fromProvider || (typeof e.code === 'string' && e.code.startsWith('OAUTH_'));
    this.#log.warn({ step, error: fromProvider ? e.error : e.code ?? e.name }, 'identity provider step failed');
    // A provider that is failing or overloaded (5xx, 429, temporarily_unavailable) has not refused
    // anyone: oauth4webapi reports such answers as ResponseBodyError or, without an OAuth error
    // body, as OAUTH_RESPONSE_IS_NOT_CONFORM carrying the Response.
    const status = e.status ?? (e.cause instanceof Response ? e.cause.status : 0);
    if (transientRefusal(status, e.error) || GAVE_NO_ANSWER.has(e.code ?? '')) return providerUnavailable();
    if (refused) return new LoginFailedError('provider', fromProvider ? String(e.error) : String(e.code));
    return providerUnavailable();
  }

  async refresh(refreshToken: string): Promise<SessionTokens | null> {
    const provider = await this.#provider();
    const now = Date.now();
    try {
      const res = await oidc.refreshTokenGrant(provider, refreshToken);
      const claims = this.#idp.credential === 'access_token' ? {} : await this.#claims(provider, res);
      return this.#tokens(res, claims, now);
    } catch (err) {
      const classified = this.#classify(err, 'refresh');
      if (classified instanceof LoginFailedError) return null;
      throw classified;
    }
  }

  /**
   * RP-initiated logout URL (ends the provider's session too), or null when the provider has none.
   * It names the client rather than carrying id_token_hint: the browser would otherwise hold, in
   * its history and the provider's access log, an ID token full of identity claims.
   */
  async endSessionUrl(postLogoutRedirectUri: string): Promise<string | null> {
    let provider: oidc.Configuration;
    try {
      provider = await this.#provider();
    } catch {
      return null;
    }
    if (!provider.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(provider, { post_logout_redirect_uri: postLogoutRedirectUri, client_id: this.#idp.clientId }).href;
  }

  async revoke(token: string): Promise<void> {
    try {
      const provider = await this.#provider();
      if (provider.serverMetadata().revocation_endpoint) await oidc.tokenRevocation(provider, token, { token_type_hint: 'refresh_token' });
    } catch (err) {
      this.#log.warn({ err }, 'token revocation failed');
    }
  }

  /** OIDC back-channel logout is not used: the platform's session ends through end_session. */
  singleLogoutIndex(): string | null {
    return null;
  }
}
