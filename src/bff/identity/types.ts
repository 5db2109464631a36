// The one identity interface the routes and the session plugin use, whatever the unified identity
// platform speaks (IDP_PROTOCOL): OpenID Connect, plain OAuth 2.0 or CAS tickets.
import { randomBytes } from 'node:crypto';
import type { PendingLogin, SessionIdentity, SessionTokens } from '../store/sessions.ts';

/**
 * Why a sign-in ended without a session; the callback sends the browser to
 * `/login?error=<code>` (docs/decisions.md lists them):
 * - `expired`: the login in progress is unknown, spent or from another browser;
 * - `cancelled`: the holder cancelled at the platform;
 * - `claims`: the platform's answer lacks a mandatory field (`detail` names it);
 * - `provider`: the platform refused the code / ticket, or could not be reached.
 */
export type LoginErrorCode = 'expired' | 'cancelled' | 'claims' | 'provider';

export class LoginFailedError extends Error {
  constructor(readonly code: LoginErrorCode, readonly detail: string) {
    super(`login failed (${code}): ${detail}`);
    this.name = 'LoginFailedError';
  }
}

export interface LoginResult {
  identity: SessionIdentity;
  tokens: SessionTokens;
  /**
   * What the platform's single logout will name this sign-in by (the CAS service ticket), so a
   * back-channel logout request can end exactly this session.
   */
  logoutIndex?: string;
}

export interface IdentityAdapter {
  readonly protocol: 'oidc' | 'oauth2' | 'cas';
  /** The platform URL to send the browser to, and what the callback must find again. */
  startLogin(returnTo: string): Promise<{ url: string; pending: PendingLogin }>;
  /**
   * Checks the callback against the pending login, redeems the code or ticket and reads who
   * signed in. LoginFailedError for a refusal; ApiError 503 when the platform is unreachable.
   */
  finishLogin(query: Record<string, string | undefined>, pending: PendingLogin): Promise<LoginResult>;
  /** A fresh credential; null when the platform refuses (the session must end). */
  refresh(refreshToken: string): Promise<SessionTokens | null>;
  /** Where the browser ends the platform's own session, or null when it has no such page. */
  endSessionUrl(postLogoutRedirectUri: string): Promise<string | null>;
  /** Best effort: the refresh token dies with the session. */
  revoke(token: string): Promise<void>;
  /** The ticket a platform's back-channel logout request names, or null if the body is not one. */
  singleLogoutIndex(body: unknown): string | null;
}

/** A login in progress with fresh 256-bit state, nonce and PKCE verifier (each adapter uses what its protocol has). */
export function freshPendingLogin(returnTo: string): PendingLogin {
  const random = (): string => randomBytes(32).toString('base64url');
  return { state: random(), nonce: random(), verifier: random(), returnTo };
}
