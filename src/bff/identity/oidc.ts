// The BFF as an OpenID Connect relying party of the unified identity platform (统一身份认证平台):
// authorization code + PKCE + state + nonce. The provider's access token becomes the holder
// `credential` of DB11/T 2290 6.6; it and the refresh / ID tokens stay on the server.
import * as oidc from 'openid-client';
import type { FastifyBaseLogger } from 'fastify';
import type { Role } from '../../contract/bff.ts';
import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';
import type { PendingLogin, SessionIdentity, SessionTokens } from '../store/sessions.ts';

/** `identity` is the platform's scope for identity_type, identity_num, role, org_name, org_code. */
export const LOGIN_SCOPE = 'openid profile phone identity';

const DISCOVERY_ATTEMPTS = 3;
const DISCOVERY_PAUSE_MS = 300;
/** Seconds; the provider's HTTP calls (discovery, token, userinfo) never hang a request. */
const HTTP_TIMEOUT_S = 10;
/** Assumed when the token response carries no expires_in. */
const DEFAULT_TOKEN_SECONDS = 600;

export class LoginFailedError extends Error {
  constructor(readonly reason: string) {
    super(`login failed: ${reason}`);
    this.name = 'LoginFailedError';
  }
}

export interface LoginResult {
  identity: SessionIdentity;
  tokens: SessionTokens;
}

const providerUnavailable = (): ApiError => new ApiError(503, 'UPSTREAM_UNAVAILABLE', '统一身份认证平台暂时无法访问，请稍后再试');

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function tokensOf(res: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number): SessionTokens {
  const seconds = res.expiresIn() ?? DEFAULT_TOKEN_SECONDS;
  return {
    credential: res.access_token,
    credentialExpiresAt: now + seconds * 1000,
    refreshToken: res.refresh_token ?? null,
    idToken: res.id_token ?? null,
  };
}

export class RelyingParty {
  readonly #config: Config;
  readonly #log: FastifyBaseLogger;
  readonly #redirectUri: string;
  #discovered: Promise<oidc.Configuration> | null = null;

  constructor(config: Config, log: FastifyBaseLogger) {
    this.#config = config;
    this.#log = log;
    this.#redirectUri = `${config.publicOrigin}/auth/callback`;
  }

  get redirectUri(): string {
    return this.#redirectUri;
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
    const { issuer, clientId, clientSecret } = this.#config.idp;
    const url = new URL(issuer);
    for (let attempt = 1; ; attempt++) {
      try {
        return await oidc.discovery(url, clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
          timeout: HTTP_TIMEOUT_S,
          ...(url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
        });
      } catch (err) {
        this.#log.warn({ err, attempt }, 'identity provider discovery failed');
        if (attempt >= DISCOVERY_ATTEMPTS) throw providerUnavailable();
        await new Promise((r) => setTimeout(r, DISCOVERY_PAUSE_MS * attempt));
      }
    }
  }

  /** The provider URL to send the browser to, and what the callback must find again. */
  async startLogin(returnTo: string): Promise<{ url: string; pending: PendingLogin }> {
    const provider = await this.#provider();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingLogin = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier, returnTo };
    const url = oidc.buildAuthorizationUrl(provider, {
      redirect_uri: this.#redirectUri,
      scope: LOGIN_SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /**
   * Checks the callback against the pending login (state, PKCE, nonce, issuer, audience), exchanges
   * the code and reads who signed in. Throws LoginFailedError for anything the browser sent wrong,
   * ApiError 503 when the provider cannot be reached.
   */
  async finishLogin(callbackQuery: string, pending: PendingLogin): Promise<LoginResult> {
    const provider = await this.#provider();
    const current = new URL(`${this.#redirectUri}?${callbackQuery}`);
    const now = Date.now();
    let res: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      res = await oidc.authorizationCodeGrant(provider, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw this.#classify(err, 'code exchange');
    }
    const claims: Record<string, unknown> = { ...res.claims() };
    if (!text(claims.name) || !text(claims.identity_num)) {
      // The provider may keep the identity claims out of the ID token; userinfo has them.
      try {
        Object.assign(claims, await oidc.fetchUserInfo(provider, res.access_token, String(claims.sub)));
      } catch (err) {
        throw this.#classify(err, 'userinfo');
      }
    }
    return { identity: this.#identity(claims), tokens: tokensOf(res, now) };
  }

  #identity(claims: Record<string, unknown>): SessionIdentity {
    const sub = text(claims.sub);
    const name = text(claims.name);
    const identityType = text(claims.identity_type);
    const identityNum = text(claims.identity_num);
    if (!sub || !name || !identityType || !identityNum) throw new LoginFailedError('identity claims missing');
    // Anything but a known staff role is a citizen: the least privileged role.
    const role: Role = claims.role === 'counter_staff' ? 'counter_staff' : 'citizen';
    const orgName = text(claims.org_name);
    const orgCode = text(claims.org_code);
    return { sub, name, identityType, identityNum, role, ...(orgName ? { orgName } : {}), ...(orgCode ? { orgCode } : {}) };
  }

  #classify(err: unknown, step: string): Error {
    if (err instanceof ApiError) return err;
    const e = err as Error & { code?: string; error?: string };
    const fromProvider = err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError;
    // oauth4webapi marks checks of what the browser brought (state, iss, nonce...) with OAUTH_* codes.
    const refused = fromProvider || (typeof e.code === 'string' && e.code.startsWith('OAUTH_'));
    this.#log.warn({ step, error: fromProvider ? e.error : e.code ?? e.name, err }, 'identity provider step failed');
    if (refused) return new LoginFailedError(fromProvider ? String(e.error) : String(e.code));
    return providerUnavailable();
  }

  /** A fresh credential from the refresh token; null when the provider refuses (the session must end). */
  async refresh(refreshToken: string): Promise<SessionTokens | null> {
    const provider = await this.#provider();
    const now = Date.now();
    try {
      return tokensOf(await oidc.refreshTokenGrant(provider, refreshToken), now);
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
    return oidc.buildEndSessionUrl(provider, { post_logout_redirect_uri: postLogoutRedirectUri, client_id: this.#config.idp.clientId }).href;
  }

  /** Best effort: the refresh token dies with the session instead of living on at the provider. */
  async revoke(token: string): Promise<void> {
    try {
      const provider = await this.#provider();
      if (provider.serverMetadata().revocation_endpoint) await oidc.tokenRevocation(provider, token, { token_type_hint: 'refresh_token' });
    } catch (err) {
      this.#log.warn({ err }, 'token revocation failed');
    }
  }
}
