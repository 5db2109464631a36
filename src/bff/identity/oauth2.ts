// IDP_PROTOCOL=oauth2: a platform that speaks plain OAuth 2.0 (RFC 6749) with configured
// endpoints and its own user-info JSON: no discovery, no ID token. Authorization code, PKCE when
// the platform supports it (IDP_PKCE), state always.
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { PendingLogin, SessionTokens } from '../store/sessions.ts';
import { fieldText, identityFromClaims, pickCredential } from './claims.ts';
import { basicAuth, DEFAULT_TOKEN_SECONDS, jsonOf, platformFetch, providerUnavailable, transientRefusal } from './http.ts';
import type { IdpConfig } from './settings.ts';
import { freshPendingLogin, LoginFailedError, type IdentityAdapter, type LoginResult } from './types.ts';

export class OAuth2Adapter implements IdentityAdapter {
  readonly protocol = 'oauth2' as const;
  readonly #idp: IdpConfig;
  readonly #log: FastifyBaseLogger;
  readonly #redirectUri: string;

  constructor(idp: IdpConfig, redirectUri: string, log: FastifyBaseLogger) {
    this.#idp = idp;
    this.#log = log;
    this.#redirectUri = redirectUri;
  }

  async startLogin(returnTo: string): Promise<{ url: string; pending: PendingLogin }> {
    const pending = freshPendingLogin(returnTo);
    const url = new URL(this.#idp.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.#idp.clientId);
    url.searchParams.set('redirect_uri', this.#redirectUri);
    if (this.#idp.scope) url.searchParams.set('scope', this.#idp.scope);
    url.searchParams.set('state', pending.state);
    if (this.#idp.pkce) {
      url.searchParams.set('code_challenge', createHash('sha256').update(pending.verifier).digest('base64url'));
      url.searchParams.set('code_challenge_method', 'S256');
    }
    return { url: url.href, pending };
  }

  async finishLogin(query: Record<string, string | undefined>, pending: PendingLogin): Promise<LoginResult> {
    if (!query.code) throw new LoginFailedError('provider', 'no code on the callback');
    // RFC 9207: a platform that names itself must be the one we sent the holder to.
    if (query.iss !== undefined && this.#idp.issuer && query.iss !== this.#idp.issuer) throw new LoginFailedError('provider', 'issuer mismatch');
    const now = Date.now();
    const token = await this.#token({
      grant_type: 'authorization_code',
      code: query.code,
      redirect_uri: this.#redirectUri,
      ...(this.#idp.pkce ? { code_verifier: pending.verifier } : {}),
    });
    const info = await this.#userInfo(token.accessToken);
    return { identity: identityFromClaims(info, this.#idp.claims, this.#idp.staffRoles), tokens: this.#tokens(token, info, now) };
  }

  async #token(params: Record<string, string>): Promise<{ accessToken: string; refreshToken?: string; expiresIn?: number }> {
    const { clientId, clientSecret, clientAuth } = this.#idp;
    const body = new URLSearchParams(params);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (clientAuth === 'post') {
      body.set('client_id', clientId);
      body.set('client_secret', clientSecret);
    } else {
      headers.authorization = basicAuth(clientId, clientSecret);
    }
    const res = await platformFetch(this.#idp.tokenUrl, { method: 'POST', headers, body });
    const json = await jsonOf(res);
    if (!json || transientRefusal(res.status, fieldText(json, 'error'))) {
      this.#log.warn({ step: 'token', status: res.status }, 'identity platform answered no token');
      throw providerUnavailable();
    }
    const accessToken = fieldText(json, 'access_token');
    if (!res.ok || !accessToken) {
      this.#log.warn({ step: 'token', status: res.status, error: fieldText(json, 'error') }, 'identity platform refused the grant');
      throw new LoginFailedError('provider', fieldText(json, 'error') ?? `token HTTP ${res.status}`);
    }
    const expiresIn = Number(json.expires_in);
    return {
      accessToken,
      ...(fieldText(json, 'refresh_token') ? { refreshToken: fieldText(json, 'refresh_token') } : {}),
      ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresIn } : {}),
    };
  }

  /** The platform's own JSON; some platforms wrap it as `{ code, data: {...} }`. */
  async #userInfo(accessToken: string): Promise<Record<string, unknown>> {
    const res = await platformFetch(this.#idp.userinfoUrl, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
    const json = await jsonOf(res);
    if (res.status >= 500 || !json) throw providerUnavailable();
    if (!res.ok) {
      this.#log.warn({ step: 'userinfo', status: res.status }, 'identity platform refused user-info');
      throw new LoginFailedError('provider', `userinfo HTTP ${res.status}`);
    }
    const data = json.data;
    if (!fieldText(json, this.#idp.claims.subject) && typeof data === 'object' && data !== null && !Array.isArray(data)) return data as Record<string, unknown>;
    return json;
  }

  #tokens(token: { accessToken: string; refreshToken?: string; expiresIn?: number }, info: Record<string, unknown>, now: number): SessionTokens {
    return {
      credential: pickCredential(this.#idp.credential, { accessToken: token.accessToken }, info),
      credentialExpiresAt: now + (token.expiresIn ?? DEFAULT_TOKEN_SECONDS) * 1000,
      refreshToken: token.refreshToken ?? null,
      idToken: null,
    };
  }

  async refresh(refreshToken: string): Promise<SessionTokens | null> {
    const now = Date.now();
    try {
      const token = await this.#token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      const info = this.#idp.credential === 'access_token' ? {} : await this.#userInfo(token.accessToken);
      return this.#tokens({ refreshToken, ...token }, info, now);
    } catch (err) {
      if (err instanceof LoginFailedError) return null;
      throw err;
    }
  }

  async endSessionUrl(postLogoutRedirectUri: string): Promise<string | null> {
    if (!this.#idp.logoutUrl) return null;
    const url = new URL(this.#idp.logoutUrl);
    url.searchParams.set('client_id', this.#idp.clientId);
    url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
    return url.href;
  }

  /** Plain OAuth 2.0 platforms publish no revocation endpoint we could rely on. */
  async revoke(): Promise<void> {}

  singleLogoutIndex(): string | null {
    return null;
  }
}
